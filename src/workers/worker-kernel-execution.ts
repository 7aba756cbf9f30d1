import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import { FrameTooLargeError } from '../ring/errors.js';
import { RING_EMPTY } from '../ring/spsc-byte-ring.js';
import type { KernelExecution, KernelPort } from '../runtime/kernel-port.js';
import type { KernelState } from '../runtime/kernel-state.js';
import { KernelTerminatingError } from '../runtime/errors.js';
import { RESOLVED } from '../queues/mailbox.js';
import { CALL_MARKER } from './call-envelope.js';
import { FrameCodec } from './frame-codec.js';
import { FrameReader } from './frame-reader.js';
import { HostCalls } from './host-calls.js';
import { WorkerLoadError, WorkerMessageTypeError, type WorkerCrashError } from './errors.js';
import { definitionOf } from '../messages/wire.js';
import { checkSameTypes } from './message-types.js';
import { STATE_WORD, TELEMETRY_RECORD_BYTES, stateCodeOf } from './protocol.js';
import type { WorkerStarter } from './worker-handle.js';
import { WorkerLink } from './worker-link.js';
import type { PoolStrategy, WorkerKernelOptions } from './worker-options.js';
import {
  DEFAULT_HOST_SPIN_MICROS,
  DEFAULT_RING_BYTES,
  DEFAULT_SPIN_MICROS,
  DEFAULT_START_TIMEOUT,
} from './worker-options.js';

/** Spin mode: how long after the last send the output pump re-checks on a timer instead of sleeping. */
const HOT_MS = 2;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Microtask turns the input pump waits for more messages before it publishes a burst. */
const GATHER_TURNS = 2;
/** Input messages staged before they are published to a worker in one index store. */
const MAX_BURST = 64;
/** How often the host folds the workers' counters into telemetry when no message moves. */
const FOLD_INTERVAL_MS = 100;
/** Capacity of the worker-side mailbox that the input ring feeds. */
const WORKER_MAILBOX_SIZE = 1024;
const POLLS_PER_CLOCK_READ = 64;

interface TimerHandle {
  unref?(): unknown;
}

/** A message taken from the input queue that waits for room in its worker's ring. */
interface HeldMessage {
  readonly message: Message;
  readonly bytes: Uint8Array;
  readonly link: WorkerLink;
}

/** Stable sort, highest priority first: the order the input queue would have served them. */
function inServiceOrder(messages: Message[]): Message[] {
  return messages
    .map((message, index) => ({ message, index }))
    .sort((a, b) => b.message.priority - a.message.priority || a.index - b.index)
    .map((entry) => entry.message);
}

/**
 * The runtime's view of a worker kernel (one thread, or a pool): pumps the input queue into the
 * workers' rings and their output rings into `port.emit`, forwards lifecycle changes through the
 * control blocks, folds the workers' counters into telemetry, and turns a worker's end into the
 * kernel's end.
 */
export class WorkerKernelExecution implements KernelExecution {
  readonly finished: Promise<void>;
  readonly #port: KernelPort;
  readonly #registry: MessageRegistry;
  readonly #links: WorkerLink[];
  readonly #strategy: PoolStrategy;
  readonly #hostSpinMicros: number;
  readonly #startTimeout: number;
  readonly #moduleUrl: string;
  readonly #stop = new AbortController();
  readonly #frameReader = new FrameReader();
  readonly #calls: HostCalls;
  readonly #codec: FrameCodec;
  readonly #telemetryTarget = new Uint8Array(TELEMETRY_RECORD_BYTES);
  readonly #telemetryNs = new Float64Array(this.#telemetryTarget.buffer, 0, 1);
  readonly #telemetryCount = new Int32Array(this.#telemetryTarget.buffer, 8, 1);
  #next = 0;
  #held: HeldMessage | undefined;
  #forced = false;
  /** When the input pump last published messages (spin mode keeps the output pump awake meanwhile). */
  #lastSent = -Infinity;
  /** Leftovers the input queue refused to take back. */
  #unreturned: Message[] = [];
  #foldTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    port: KernelPort,
    registry: MessageRegistry,
    moduleUrl: string,
    messagesModuleUrl: string | undefined,
    options: WorkerKernelOptions & {
      readonly size: number;
      readonly strategy: PoolStrategy;
      /** Per-thread memory kept in step over postMessage instead of SharedArrayBuffer. */
      readonly mirrored?: boolean;
    },
    start: WorkerStarter,
  ) {
    this.#port = port;
    this.#registry = registry;
    this.#calls = new HostCalls(port, registry);
    this.#codec = new FrameCodec(registry);
    this.#strategy = options.strategy;
    const mode = options.mode ?? 'lowCpu';
    this.#hostSpinMicros = mode === 'spin' ? (options.hostSpinMicros ?? DEFAULT_HOST_SPIN_MICROS) : 0;
    this.#startTimeout = options.startTimeout ?? DEFAULT_START_TIMEOUT;
    this.#moduleUrl = moduleUrl;
    const listener = { reportedError: (error: Error) => port.reportError(error) };
    this.#links = Array.from(
      { length: options.size },
      (_, index) =>
        new WorkerLink(
          index,
          {
            kernelId: port.kernelId,
            moduleUrl,
            messagesModuleUrl,
            timing: port.timing,
            latencySampling: port.latencySampling,
            exportName: options.export ?? 'default',
            mode,
            spinMicros: options.spinMicros ?? DEFAULT_SPIN_MICROS,
            mailboxSize: WORKER_MAILBOX_SIZE,
            mirrored: options.mirrored === true,
          },
          options.ringBytes ?? DEFAULT_RING_BYTES,
          start,
          options.resourceLimits,
          listener,
        ),
    );
    this.finished = this.#finish();
  }

  /** Waits until every worker loaded its module and agrees on the message types; stops them all if not. */
  async waitReady(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WorkerLoadError(
              this.#port.kernelId,
              this.#moduleUrl,
              `the worker did not report ready within ${this.#startTimeout} ms (startTimeout)`,
            ),
          ),
        this.#startTimeout,
      );
    });
    try {
      const typeLists = await Promise.race([Promise.all(this.#links.map((link) => link.ready)), timedOut]);
      for (const types of typeLists) checkSameTypes(this.#port.kernelId, this.#registry, types);
    } catch (error) {
      this.#stop.abort();
      await Promise.all(this.#links.map((link) => link.terminate()));
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts moving messages (after {@link waitReady}). */
  run(): void {
    this.stateChanged(this.#port.state);
    // A restart stops this life without a state change: its signal says so.
    this.#port.signal.addEventListener('abort', () => this.stateChanged('terminating'), { once: true });
    // The input pump waits without a signal (registering one per wait cost a fifth of a round
    // trip); it is the input queue's only taker, so stopping interrupts its wait instead.
    const input = this.#port.input;
    this.#stop.signal.addEventListener(
      'abort',
      () => input.interruptTakers(new KernelTerminatingError(this.#port.kernelId)),
      { once: true },
    );
    void this.#pumpInput();
    for (const link of this.#links) void this.#pumpOutput(link);
    this.#foldTimer = setInterval(() => {
      for (const link of this.#links) this.#fold(link);
    }, FOLD_INTERVAL_MS);
    (this.#foldTimer as TimerHandle).unref?.();
  }

  stateChanged(state: KernelState): void {
    const code = stateCodeOf(state);
    for (const link of this.#links) {
      if (link.channel.control.load(STATE_WORD) !== code) link.channel.signal(STATE_WORD, code);
    }
  }

  async forceStop(): Promise<void> {
    this.#forced = true;
    this.#stop.abort();
    await Promise.all(this.#links.map((link) => link.terminate()));
    // The threads are gone, so what they never took is known: a restart serves it, a report lists it.
    this.#requeueLeftovers();
  }

  /**
   * The messages the workers took and have not finished: after a crash, what the crashed worker
   * held (the runtime dead-letters them); before a forced stop, what every worker holds (the
   * termination report lists them as interrupted).
   */
  inFlight(): readonly Message[] {
    return this.#links.flatMap((link) =>
      link.isDone ? (link.crash?.inFlightMessages ?? []) : link.inFlightMessages(),
    );
  }

  /**
   * Refuses at `send` what could never reach the worker: a message of a type the worker does not
   * know, or one whose frame would not fit its ring.
   */
  admit(message: Message): Error | undefined {
    const definition = definitionOf(message);
    if (
      definition === undefined ||
      !this.#registry.has(definition.name) ||
      this.#registry.get(definition.name) !== definition
    ) {
      return new WorkerMessageTypeError(this.#port.kernelId, message);
    }
    // Fast-frame schemas have a cheap size bound: refused here when it (and then the exact size)
    // is over the ring's limit. Other schemas are checked as they are encoded in the pump, where a
    // frame too large goes to the dead-letter queue with the reason.
    const ring = this.#links[0]!.channel.outgoing;
    const bound = this.#codec.sizeBound(message);
    if (bound === undefined || bound <= ring.maxFrameSize) return undefined;
    const size = this.#codec.encode(message).length;
    return size > ring.maxFrameSize ? new FrameTooLargeError(size, ring.maxFrameSize) : undefined;
  }

  async #finish(): Promise<void> {
    let firstCrash: WorkerCrashError | undefined;
    await Promise.all(
      this.#links.map(async (link) => {
        const crash = await link.ended;
        if (crash === undefined || firstCrash !== undefined) return;
        // One crashed worker fails the kernel: stop the others rather than leave them running.
        firstCrash = crash;
        for (const other of this.#links) if (other !== link) void other.terminate();
      }),
    );
    this.#stop.abort();
    clearInterval(this.#foldTimer);
    // After a forced stop the runtime has moved on; the kernel's end is not news any more.
    if (this.#forced) return new Promise<never>(() => {});
    this.#requeueLeftovers();
    if (firstCrash !== undefined) throw firstCrash;
  }

  /**
   * Takes back what the workers were given and never took, plus a message waiting for ring room;
   * forgets them here. In the order the input queue would have served them.
   */
  #collectLeftovers(): Message[] {
    const leftovers = this.#unreturned;
    this.#unreturned = [];
    for (const link of this.#links) leftovers.push(...link.takeUntaken());
    if (this.#held !== undefined) leftovers.push(this.#held.message);
    this.#held = undefined;
    return inServiceOrder(leftovers);
  }

  /**
   * Puts the leftovers back into the input queue: a restarted kernel serves them, a failed or
   * terminated one lists them in its report. What the queue refuses (closed, or full) stays for
   * {@link leftoverInputs}.
   */
  #requeueLeftovers(): void {
    const input = this.#port.input;
    for (const message of this.#collectLeftovers()) {
      if (!input.offerNow(message)) this.#unreturned.push(message);
    }
  }

  /**
   * What the workers were given and never took, and what the input queue refused to take back
   * (it was closed by then): the termination report lists them ahead of the queue's content.
   */
  leftoverInputs(): readonly Message[] {
    return this.#collectLeftovers();
  }

  #choose(): WorkerLink {
    const links = this.#links;
    if (links.length === 1) return links[0]!;
    if (this.#strategy === 'roundRobin') {
      const link = links[this.#next]!;
      this.#next = (this.#next + 1) % links.length;
      return link;
    }
    let best = links[0]!;
    let bestLoad = best.written - best.processedNow();
    for (let index = 1; index < links.length; index++) {
      const link = links[index]!;
      const load = link.written - link.processedNow();
      if (load < bestLoad) {
        best = link;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Moves input messages into the workers' rings, in bursts published with one store each. */
  async #pumpInput(): Promise<void> {
    const input = this.#port.input;
    let staged = 0;
    for (;;) {
      let message = input.takeNow();
      // Senders looping on `await send()` add one message per microtask turn: a few turns gather
      // them into this burst, so one publish (and at most one wake-up) carries many. Only while
      // the workers have earlier messages to chew on: a lone request to an idle worker goes at once.
      const gatherTurns = message === undefined && staged !== 0 && this.#busy(staged) ? GATHER_TURNS : 0;
      for (let turn = 0; message === undefined && turn < gatherTurns; turn++) {
        await RESOLVED;
        message = input.takeNow();
      }
      if (message === undefined || staged >= MAX_BURST) {
        const sent = staged !== 0;
        if (sent) this.#lastSent = performance.now();
        this.#publish();
        staged = 0;
        if (message === undefined) {
          if (sent && this.#hostSpinMicros !== 0) this.#pollOutputs();
          if (this.#stop.signal.aborted) return;
          try {
            message = await input.take();
          } catch {
            return; // refused: the kernel is terminating, failed or ended
          }
        }
      }
      if (this.#stage(message)) {
        staged++;
        continue;
      }
      this.#publish();
      staged = 0;
      if (!(await this.#stageHeld())) return;
    }
  }

  /** Whether the workers have unfinished messages besides the `staged` ones not yet published. */
  #busy(staged: number): boolean {
    let unfinished = -staged;
    for (const link of this.#links) unfinished += link.written - link.processedNow();
    return unfinished > 0;
  }

  /** Encodes `message` into a worker's ring; false when the ring is full (it is then held). */
  #stage(message: Message): boolean {
    const link = this.#choose();
    let bytes: Uint8Array;
    try {
      bytes = this.#codec.encode(message);
    } catch (error) {
      this.#undeliverable(message, error);
      return true;
    }
    const ring = link.channel.outgoing;
    if (ring.tryStage(bytes)) {
      link.recordSent(message);
      return true;
    }
    if (bytes.length > ring.maxFrameSize) {
      this.#undeliverable(message, new FrameTooLargeError(bytes.length, ring.maxFrameSize));
      return true;
    }
    // The codec reuses its buffer: keep a copy while the message waits.
    this.#held = { message, bytes: bytes.slice(), link };
    return false;
  }

  /** A message that cannot be encoded for the ring: counted as an error and dead-lettered with the reason. */
  #undeliverable(message: Message, error: unknown): void {
    this.#port.reportError(error);
    this.#port.deadLetter?.(message, 'undeliverable', error);
  }

  async #stageHeld(): Promise<boolean> {
    const signal = this.#stop.signal;
    for (;;) {
      const held = this.#held;
      if (held === undefined) return false;
      const ring = held.link.channel.outgoing;
      if (ring.tryWrite(held.bytes)) {
        held.link.recordSent(held.message);
        this.#held = undefined;
        return true;
      }
      try {
        await ring.waitWritableAsync(held.bytes.length, { signal });
      } catch {
        return false;
      }
    }
  }

  #publish(): void {
    for (const link of this.#links) link.channel.outgoing.publish();
  }

  /** Spin mode: after sending, poll for a reply a little while, to skip a wake-up through the event loop. */
  #pollOutputs(): void {
    const links = this.#links;
    for (const link of links) if (link.isDraining) return;
    const deadline = performance.now() + this.#hostSpinMicros / 1000;
    for (let polls = 1; ; polls++) {
      for (const link of links) {
        if (link.channel.incoming.peekLength() !== RING_EMPTY) {
          void this.#drain(link);
          return;
        }
      }
      if (polls % POLLS_PER_CLOCK_READ === 0 && performance.now() > deadline) return;
    }
  }

  async #pumpOutput(link: WorkerLink): Promise<void> {
    const ring = link.channel.incoming;
    const signal = link.doneSignal;
    while (!link.isDone) {
      await this.#drain(link);
      try {
        if (this.#hostSpinMicros !== 0 && performance.now() - this.#lastSent < HOT_MS) {
          // Spin mode while requests flow: replies are picked up by the polling after each send.
          // Sleeping on the doorbell now would make the worker pay a notify for every reply, and
          // this thread a wake-up; a timer re-checks instead, and the pump sleeps once it is quiet.
          await delay(HOT_MS, signal);
        } else {
          await ring.waitReadableAsync({ signal });
        }
      } catch {
        // The worker is done: drain what it wrote last.
      }
    }
    await this.#drain(link);
    this.#fold(link);
    link.settle();
  }

  /** Hands every output frame of `link` to the runtime; one drain per link at a time keeps the order. */
  #drain(link: WorkerLink): Promise<void> {
    if (link.isDraining) return link.draining;
    // The flag drops as the drain ends, in the same turn: a reply polled right after is drained
    // at once, not after the promise's settlement has gone round the microtask queue.
    link.isDraining = true;
    link.draining = this.#drainFrames(link);
    return link.draining;
  }

  async #drainFrames(link: WorkerLink): Promise<void> {
    const ring = link.channel.incoming;
    const codec = this.#codec;
    const port = this.#port;
    let folded = false;
    const reader = this.#frameReader;
    try {
      for (;;) {
        const frame = reader.next(ring);
        if (frame === undefined) break;
        if (!folded) {
          // Counters the worker wrote before this output must be visible by the time it is delivered.
          this.#fold(link);
          folded = true;
        }
        if (frame[0] === CALL_MARKER) {
          this.#calls.handle(link, frame);
          continue;
        }
        let message: Message;
        try {
          message = codec.decode(frame);
        } catch (error) {
          port.reportError(error);
          continue;
        }
        // A settled emit (the usual case: a reply to a pending request, or room in the output
        // queue) costs no await; only a full output queue makes the drain wait.
        const emitted = port.emit(message);
        if (emitted !== RESOLVED) {
          try {
            await emitted;
          } catch {
            // The kernel ended and its output is closed: what it still sent has nowhere to go.
          }
        }
      }
      this.#fold(link);
    } finally {
      link.isDraining = false;
    }
  }

  /**
   * Adds the worker's processed count and timings to the kernel's telemetry, and tells
   * `runtime.inspect` how many messages the worker finished since the last fold.
   */
  #fold(link: WorkerLink): void {
    link.trim();
    const port = this.#port;
    const processed = link.processedNow();
    const count = processed - link.folded;
    const telemetry = port.telemetry;
    if (count !== 0) {
      telemetry.countProcessed(count);
      link.folded = processed;
    }
    let elapsedMs: number | undefined;
    if (port.timing) {
      // The count is exact (a shared counter); the records are the worker's sampled cycles.
      const ring = link.telemetryRing;
      const target = this.#telemetryTarget;
      let totalNs = 0;
      let timed = 0;
      while (ring.tryRead(target) === TELEMETRY_RECORD_BYTES) {
        const recorded = this.#telemetryCount[0]!;
        const ns = this.#telemetryNs[0]!;
        telemetry.latency.record(ns, recorded);
        totalNs += ns * recorded;
        timed += recorded;
      }
      if (timed !== 0) elapsedMs = totalNs / 1e6;
    }
    if (count !== 0 && port.inspector?.watchingMessages === true) {
      port.inspector.processed(port.kernelId, count, elapsedMs);
    }
  }
}
