import { TimeoutError } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import { Mailbox } from '../queues/mailbox.js';
import { boundedWait, deadlineOf, type WaitOptions } from '../queues/wait-options.js';
import { FrameTooLargeError } from '../ring/errors.js';
import { RingChannel } from '../ring/ring-channel.js';
import { RING_EMPTY, SpscByteRing } from '../ring/spsc-byte-ring.js';
import { KernelTerminatedError, KernelTerminatingError } from '../runtime/errors.js';
import type { KernelPort } from '../runtime/kernel-port.js';
import type { KernelState } from '../runtime/kernel-state.js';
import { KernelTelemetry } from '../telemetry/kernel-telemetry.js';
import { FrameCodec } from './frame-codec.js';
import { FrameReader } from './frame-reader.js';
import { WorkerCalls } from './worker-calls.js';
import {
  PROCESSED_WORD,
  STATE_ACTIVE,
  STATE_LAUNCHED,
  STATE_TERMINATING,
  STATE_WORD,
  TAKEN_WORD,
  TELEMETRY_RECORD_BYTES,
  stateOfCode,
  type WorkerBootData,
} from './protocol.js';

const RESOLVED: Promise<void> = Promise.resolve();
/** Checks of the clock while spinning: one per this many polls (a clock read costs more than a poll). */
const POLLS_PER_CLOCK_READ = 64;

/**
 * Processing counters that land in shared memory, where the host folds them into the kernel's
 * telemetry: the count in a control word, per-batch timings as records in a small ring.
 */
class SharedTelemetry extends KernelTelemetry {
  /** The control block's words: counters are written with plain atomics (nobody sleeps on them). */
  readonly #words: Int32Array;
  readonly #ring: SpscByteRing;
  readonly #record = new ArrayBuffer(TELEMETRY_RECORD_BYTES);
  readonly #recordNs = new Float64Array(this.#record, 0, 1);
  readonly #recordCount = new Int32Array(this.#record, 8, 1);
  readonly #recordBytes = new Uint8Array(this.#record);
  /** Timings that found the ring full, merged into one average until it has room. */
  #pendingNs = 0;
  #pendingCount = 0;

  constructor(words: Int32Array, ring: SpscByteRing) {
    super();
    this.#words = words;
    this.#ring = ring;
    // The context counts with `processed += n` when timing is off: route that to shared memory too.
    Object.defineProperty(this, 'processed', {
      get: () => Atomics.load(words, PROCESSED_WORD),
      set: (value: number) => {
        Atomics.add(words, PROCESSED_WORD, value - Atomics.load(words, PROCESSED_WORD));
      },
    });
  }

  /** An unsampled cycle: just the shared count (no accessor round trip, no local bookkeeping). */
  override countProcessed(count: number): void {
    Atomics.add(this.#words, PROCESSED_WORD, count);
  }

  override recordProcessed(count: number, elapsedMs: number): void {
    Atomics.add(this.#words, PROCESSED_WORD, count);
    const ns = (elapsedMs * 1e6) / count;
    if (this.#pendingCount !== 0) {
      this.#pendingNs += ns * count;
      this.#pendingCount += count;
      this.flush();
      return;
    }
    if (!this.#write(ns, count)) {
      this.#pendingNs = ns * count;
      this.#pendingCount = count;
    }
  }

  /** Writes merged timings that waited for room. */
  flush(): void {
    if (this.#pendingCount === 0) return;
    if (this.#write(this.#pendingNs / this.#pendingCount, this.#pendingCount)) {
      this.#pendingNs = 0;
      this.#pendingCount = 0;
    }
  }

  #write(ns: number, count: number): boolean {
    this.#recordNs[0] = ns;
    this.#recordCount[0] = count;
    return this.#ring.tryWrite(this.#recordBytes);
  }
}

/**
 * The worker-side mailbox: in spin mode, a taker about to wait polls the input ring first. Every
 * taking method the context may use is covered.
 */
class RingFedMailbox extends Mailbox<Message> {
  beforeTake: (() => void) | undefined;

  override take(options?: WaitOptions): Promise<Message> {
    this.beforeTake?.();
    return super.take(options);
  }

  override tryTake(options?: WaitOptions): Promise<Message | undefined> {
    this.beforeTake?.();
    return super.tryTake(options);
  }

  override next(): Promise<IteratorResult<Message, undefined>> {
    this.beforeTake?.();
    return super.next();
  }

  override takeBatch(max: number, options?: WaitOptions): Promise<Message[]> {
    this.beforeTake?.();
    return super.takeBatch(max, options);
  }

  /** A handler kernel going idle: fetch what the ring holds, and make sure new input wakes it. */
  override armConsumer(): void {
    this.beforeTake?.();
    super.armConsumer();
  }
}

/**
 * The worker thread's side of a worker kernel: a {@link KernelPort} over the rings, so the kernel
 * function runs under the same `LocalKernelContext` as on the event loop.
 *
 * Input frames are decoded into a worker-side mailbox that serves them in arrival order (the host's
 * mailbox already ordered them by priority), so the host can tell exactly which messages the kernel
 * took from the count in shared memory. Lifecycle comes from the control block.
 */
export class WorkerSidePort implements KernelPort {
  readonly kernelId: string;
  readonly input: RingFedMailbox;
  readonly telemetry: SharedTelemetry;
  readonly timing: boolean;
  /** Sampled cycles are timed here; the host folds the records into the kernel's telemetry. */
  readonly latencySampling: number;
  /** Called when the host asks the kernel to terminate (a handler kernel's life stops then). */
  onStopRequested: (() => void) | undefined;
  readonly #channel: RingChannel;
  readonly #codec: FrameCodec;
  readonly #words: Int32Array;
  readonly #abort = new AbortController();
  readonly #frameReader = new FrameReader();
  /** Ends the feeding and watching loops once the kernel function is over. */
  readonly #stop = new AbortController();
  readonly #spinMicros: number;
  readonly #onReportedError: (error: unknown) => void;
  #stateCode = STATE_LAUNCHED;
  #activeWaiters: (() => void)[] = [];
  /** A decoded message that found the mailbox full; it goes in first once there is room. */
  #overflow: Message | undefined;
  #emitsWaiting = 0;
  /** Whether a wait on the input ring's doorbell is pending. */
  #sleeping = false;
  #emitTail: Promise<void> = RESOLVED;
  readonly #calls: WorkerCalls;

  constructor(boot: WorkerBootData, registry: MessageRegistry, onReportedError: (error: unknown) => void) {
    this.kernelId = boot.kernelId;
    this.timing = boot.timing;
    this.latencySampling = boot.latencySampling;
    this.#codec = new FrameCodec(registry);
    this.#onReportedError = onReportedError;
    this.#spinMicros = boot.mode === 'spin' ? boot.spinMicros : 0;
    this.#channel = RingChannel.attach(boot.channel, 'worker');
    const control = this.#channel.control;
    this.#words = new Int32Array(control.buffer, control.byteOffset, control.wordCount);
    this.telemetry = new SharedTelemetry(this.#words, SpscByteRing.attach(boot.telemetryRing));
    // Arrival order: the host's mailbox has already applied priorities.
    this.input = new RingFedMailbox({
      name: `worker input queue of '${boot.kernelId}'`,
      capacity: boot.mailboxSize,
      backpressure: 'block',
      priorityOf: () => 0,
    });
    this.input.beforeTake = () => this.#beforeTake();
    this.input.takeable = false;
    this.#calls = new WorkerCalls(
      boot.kernelId,
      registry,
      SpscByteRing.attach(boot.replyRing),
      (frame) => this.#write(frame, undefined),
      this.#stop.signal,
      (error) => this.reportError(error),
    );
  }

  /**
   * Counts every message handed to the kernel in shared memory. Call after the context is built
   * (it installs its own `onTaken`, which this wraps).
   */
  countTakenMessages(): void {
    const words = this.#words;
    const counted = this.input.onTaken;
    this.input.onTaken = (message) => {
      Atomics.add(words, TAKEN_WORD, 1);
      counted?.(message);
    };
  }

  get state(): KernelState {
    return stateOfCode(this.#stateCode);
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Messages the kernel took and did not finish yet. */
  get inFlight(): number {
    return (Atomics.load(this.#words, TAKEN_WORD) - Atomics.load(this.#words, PROCESSED_WORD)) | 0;
  }

  /** Starts mirroring the host's lifecycle; input moves when the kernel takes. Ends with {@link stop}. */
  start(): void {
    this.#syncState();
    void this.#watchState();
  }

  /** Ends the loops and publishes the last timings. */
  stop(): void {
    this.#stop.abort();
    this.telemetry.flush();
  }

  emit(message: Message, options?: WaitOptions): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = this.#codec.encode(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#write(bytes, options);
  }

  /** Writes the output frame if the ring has room now (and nothing waits before it); false otherwise. */
  post(message: Message): boolean {
    const bytes = this.#codec.encode(message);
    const ring = this.#channel.outgoing;
    if (this.#emitsWaiting === 0 && ring.tryWrite(bytes)) return true;
    if (bytes.length > ring.maxFrameSize) throw new FrameTooLargeError(bytes.length, ring.maxFrameSize);
    return false;
  }

  sendTo(kernelId: string, message: Message, options?: WaitOptions): Promise<void> {
    return this.#calls.sendTo(kernelId, message, options);
  }

  request(kernelId: string, message: Message, options?: WaitOptions): Promise<Message> {
    return this.#calls.request(kernelId, message, options);
  }

  publish(topic: string, message: Message, options?: { retain?: boolean }): Promise<number> {
    return this.#calls.publish(topic, message, options);
  }

  subscribe(pattern: string): () => void {
    return this.#calls.subscribe(pattern);
  }

  /** Writes a frame on the output ring; later writes queue behind one that waits for room. */
  #write(bytes: Uint8Array, options: WaitOptions | undefined): Promise<void> {
    const ring = this.#channel.outgoing;
    if (this.#emitsWaiting === 0 && ring.tryWrite(bytes)) return RESOLVED;
    if (bytes.length > ring.maxFrameSize) {
      return Promise.reject(new FrameTooLargeError(bytes.length, ring.maxFrameSize));
    }
    // Later sends queue behind one that waits for room, so outputs keep their order. The codec
    // reuses its buffer: the frame waits as a copy.
    this.#emitsWaiting++;
    const waiting = bytes.slice();
    const written = this.#emitTail.then(() => this.#writeWhenRoom(waiting, options));
    this.#emitTail = written.then(
      () => {
        this.#emitsWaiting--;
      },
      () => {
        this.#emitsWaiting--;
      },
    );
    return written;
  }

  waitActive(options?: WaitOptions): Promise<void> {
    const state = this.state;
    if (state !== 'launched' && state !== 'deactivated') return RESOLVED;
    return boundedWait<void>(options, 'waitActive', this.kernelId, (resolve) => {
      const wake = () => resolve();
      this.#activeWaiters.push(wake);
      return () => {
        const index = this.#activeWaiters.indexOf(wake);
        if (index >= 0) this.#activeWaiters.splice(index, 1);
      };
    });
  }

  reportError(error: unknown): void {
    this.telemetry.recordError(error);
    this.#onReportedError(error);
  }

  async #writeWhenRoom(bytes: Uint8Array, options: WaitOptions | undefined): Promise<void> {
    const ring = this.#channel.outgoing;
    const deadline = deadlineOf(options?.timeout);
    while (!ring.tryWrite(bytes)) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new TimeoutError('send', options!.timeout!, this.kernelId);
      await ring.waitWritableAsync(
        bytes.length,
        options?.signal === undefined
          ? { timeout: remaining }
          : { timeout: remaining, signal: options.signal },
      );
    }
  }

  /** Applies the host's lifecycle word if it changed: gates the mailbox, wakes waiters, aborts. */
  #syncState(): number {
    const code = this.#channel.control.load(STATE_WORD);
    if (code === this.#stateCode) return code;
    this.#stateCode = code;
    const input = this.input;
    input.takeable = code === STATE_ACTIVE;
    // Input that arrived while the kernel was paused goes to a taker waiting since then.
    if (code === STATE_ACTIVE) this.#refill();
    if (code === STATE_ACTIVE || code === STATE_TERMINATING) {
      const waiters = this.#activeWaiters;
      this.#activeWaiters = [];
      for (const wake of waiters) wake();
    }
    if (code === STATE_TERMINATING) {
      const terminating = new KernelTerminatingError(this.kernelId);
      this.#abort.abort(terminating);
      input.refuseTakers(terminating);
      input.close(new KernelTerminatedError(this.kernelId));
      this.#channel.incoming.interruptConsumer();
      this.onStopRequested?.();
    }
    return code;
  }

  async #watchState(): Promise<void> {
    const control = this.#channel.control;
    const signal = this.#stop.signal;
    let code = this.#stateCode;
    while (code !== STATE_TERMINATING && !signal.aborted) {
      try {
        await control.waitForChangeAsync(STATE_WORD, code, { signal });
      } catch {
        return;
      }
      code = this.#syncState();
    }
  }

  /**
   * The kernel is about to take input: move what the ring holds into the mailbox; in spin mode poll
   * a while if there is nothing; if it still has to wait, make sure something wakes it when input
   * arrives. Nothing sleeps on the ring while the kernel is busy, so the host's writes then cost no
   * wake-up (the ring notifies only sleepers).
   */
  #beforeTake(): void {
    if (this.#stateCode === STATE_TERMINATING) return;
    this.#refill();
    const input = this.input;
    if (input.size !== 0 || !input.takeable) {
      if (input.size === 0) this.#wakeOnInput();
      return;
    }
    if (this.#spinMicros !== 0) this.#pollInput(this.#spinMicros);
    if (input.size === 0) this.#wakeOnInput();
  }

  /** Offers the message that found the mailbox full, then moves available frames. */
  #refill(): void {
    const overflow = this.#overflow;
    if (overflow !== undefined) {
      if (!this.input.offerNow(overflow)) return;
      this.#overflow = undefined;
    }
    this.#moveFrames();
  }

  /** Sleeps on the input ring's doorbell until input arrives for a waiting taker (one sleeper at most). */
  #wakeOnInput(): void {
    if (this.#sleeping) return;
    this.#sleeping = true;
    void this.#sleepUntilInput();
  }

  async #sleepUntilInput(): Promise<void> {
    const ring = this.#channel.incoming;
    const signal = this.#stop.signal;
    const input = this.input;
    try {
      for (;;) {
        await ring.waitReadableAsync({ signal });
        if (this.#syncState() === STATE_TERMINATING) return;
        this.#refill();
        // Nobody waits any more (served, timed out, or the kernel went on): its next take reads the ring.
        if ((input.waitingTakers === 0 && !input.consumerArmed) || input.size !== 0) return;
      }
    } catch {
      // stopped: the kernel function is over
    } finally {
      this.#sleeping = false;
    }
  }

  /**
   * Decodes every available frame into the mailbox. Takers are held back meanwhile so that a
   * `receiveBatch` waiting for input gets the whole burst, as it would from a full queue. The
   * ring gets the burst's space back at once (one wake-up for a host waiting for room).
   */
  #moveFrames(): number {
    const ring = this.#channel.incoming;
    const input = this.input;
    const codec = this.#codec;
    const reader = this.#frameReader;
    let moved = 0;
    const takeable = input.takeable;
    if (takeable) input.takeable = false;
    try {
      for (;;) {
        const frame = reader.take(ring);
        if (frame === undefined) break;
        let message: Message;
        try {
          message = codec.decode(frame);
        } catch (error) {
          // Both threads use the same types, so this is a bug: say so, and keep serving the rest.
          // It counts as taken and finished, so the host's count of what the kernel took stays exact.
          this.reportError(error);
          Atomics.add(this.#words, TAKEN_WORD, 1);
          Atomics.add(this.#words, PROCESSED_WORD, 1);
          continue;
        }
        moved++;
        if (!input.offerNow(message)) {
          this.#overflow = message;
          break;
        }
      }
    } finally {
      ring.releaseRead();
      if (takeable) input.takeable = this.#stateCode === STATE_ACTIVE;
    }
    return moved;
  }

  /** Spin mode: a kernel about to wait for input polls the ring first, for up to `micros`. */
  #pollInput(micros: number): void {
    const ring = this.#channel.incoming;
    const control = this.#channel.control;
    const stateCode = this.#stateCode;
    const deadline = performance.now() + micros / 1000;
    for (let polls = 1; ; polls++) {
      if (ring.peekLength() !== RING_EMPTY) {
        this.#moveFrames();
        return;
      }
      if (polls % POLLS_PER_CLOCK_READ === 0) {
        if (control.load(STATE_WORD) !== stateCode || performance.now() > deadline) return;
      }
    }
  }
}
