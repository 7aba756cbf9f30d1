import type { Message } from '../messages/types.js';
import { RingChannel } from '../ring/ring-channel.js';
import { SpscByteRing } from '../ring/spsc-byte-ring.js';
import { WorkerCrashError, WorkerLoadError, type WorkerCrashKind } from './errors.js';
import {
  CONTROL_WORDS,
  PROCESSED_WORD,
  TAKEN_WORD,
  TELEMETRY_RING_CAPACITY,
  type WorkerBootData,
  type WorkerReport,
} from './protocol.js';
import { RemoteError, isSerializedError } from './serialized-error.js';
import type { WorkerHandle, WorkerResourceLimits, WorkerStarter } from './worker-handle.js';

/** Transit entries below this many are not worth compacting away. */
const COMPACT_THRESHOLD = 1024;

/** What a link hears from its worker besides the end. */
export interface WorkerLinkListener {
  reportedError(error: Error): void;
}

/**
 * The host's end of one worker thread: its channel, the thread itself, and the bookkeeping that
 * tells which messages the kernel took. Messages written to the worker stay listed here, in
 * order, until the worker's shared counters say they were processed, so a crash or a termination
 * can report each one.
 */
export class WorkerLink {
  readonly index: number;
  readonly channel: RingChannel;
  readonly telemetryRing: SpscByteRing;
  /** Host → worker results of the kernel-to-kernel calls the worker made. */
  readonly replyRing: SpscByteRing;
  /** Calls the worker may cancel, by call id. */
  readonly cancellers = new Map<number, AbortController>();
  /** Topic subscriptions the worker made, by id: their unsubscribe functions. */
  readonly subscriptions = new Map<number, () => void>();
  readonly ready: Promise<readonly string[]>;
  /** Resolves once the thread is done: with the crash, or undefined when its function returned. */
  readonly ended: Promise<WorkerCrashError | undefined>;
  /** Aborts when the thread is done, to wake whatever waits on its rings. */
  readonly #done = new AbortController();
  readonly #kernelId: string;
  readonly #handle: WorkerHandle;
  #resolveReady!: (types: readonly string[]) => void;
  #rejectReady!: (error: Error) => void;
  #resolveEnded!: (crash: WorkerCrashError | undefined) => void;
  #isReady = false;
  #isDone = false;
  #crash: WorkerCrashError | undefined;
  #uncaught: Error | undefined;
  /** Messages written and not known to be processed; `#transit[#transitHead]` is number `#transitBase`. */
  #transit: Message[] = [];
  #transitHead = 0;
  #transitBase = 0;
  /** Messages written to the worker so far. */
  written = 0;
  #takenWord = 0;
  #takenTotal = 0;
  #processedWord = 0;
  #processedTotal = 0;
  /** Results waiting for room in the reply ring, oldest first. */
  #replies: Uint8Array[] = [];
  /** The output drain in progress, if any (one at a time keeps outputs in order). */
  draining: Promise<void> = Promise.resolve();
  /** True while that drain runs. */
  isDraining = false;

  constructor(
    index: number,
    boot: Omit<WorkerBootData, 'channel' | 'telemetryRing' | 'replyRing' | 'workerIndex'>,
    ringBytes: number,
    start: WorkerStarter,
    resourceLimits: WorkerResourceLimits | undefined,
    listener: WorkerLinkListener,
  ) {
    this.index = index;
    this.#kernelId = boot.kernelId;
    const memory = boot.mirrored === true ? 'mirrored' : 'shared';
    this.channel = RingChannel.allocate({
      toWorkerCapacity: ringBytes,
      toHostCapacity: ringBytes,
      controlWords: CONTROL_WORDS,
      memory,
    });
    this.telemetryRing = SpscByteRing.allocate(TELEMETRY_RING_CAPACITY, memory);
    this.replyRing = SpscByteRing.allocate(ringBytes, memory);
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    const moduleUrl = boot.moduleUrl;
    try {
      this.#handle = start(
        {
          ...boot,
          channel: this.channel.buffer,
          telemetryRing: this.telemetryRing.buffer,
          replyRing: this.replyRing.buffer,
          workerIndex: index,
        },
        resourceLimits,
      );
    } catch (error) {
      this.#handle = { onMessage() {}, onError() {}, onExit() {}, terminate: () => Promise.resolve() };
      this.#failStart(
        new WorkerLoadError(this.#kernelId, moduleUrl, 'the worker thread could not be created', {
          cause: error,
        }),
      );
      return;
    }
    this.#handle.onMessage((value) => this.#onReport(value as WorkerReport, moduleUrl, listener));
    this.#handle.onError((error) => {
      if (!this.#isReady) {
        this.#failStart(
          new WorkerLoadError(this.#kernelId, moduleUrl, `the worker thread failed: ${error.message}`, {
            cause: error,
          }),
        );
      } else {
        this.#uncaught ??= error;
      }
    });
    this.#handle.onExit((exitCode) => {
      if (!this.#isReady) {
        this.#failStart(
          new WorkerLoadError(this.#kernelId, moduleUrl, `the worker thread exited with code ${exitCode}`),
        );
        return;
      }
      if (this.#isDone) return;
      const uncaught = this.#uncaught;
      const outOfMemory = (uncaught as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const kind: WorkerCrashKind =
        uncaught === undefined ? 'exited' : outOfMemory ? 'outOfMemory' : 'uncaught';
      this.#end(
        this.#crashError(
          kind,
          this.#inFlightSinceProcessed(),
          exitCode,
          uncaught?.message ?? 'no error was thrown',
          {
            cause: uncaught,
          },
        ),
      );
    });
  }

  /** Aborts when the worker is done. */
  get doneSignal(): AbortSignal {
    return this.#done.signal;
  }

  get isDone(): boolean {
    return this.#isDone;
  }

  /** The crash, once the worker is done; undefined if it ended normally. */
  get crash(): WorkerCrashError | undefined {
    return this.#crash;
  }

  /** Called by the output pump after the last drain: the end is now final. */
  settle(): void {
    this.#resolveEnded(this.#crash);
  }

  /** Stops the thread now. */
  terminate(): Promise<void> {
    return this.#handle.terminate();
  }

  /** Sends a call's result to the worker, in order; dropped once the worker is done. */
  reply(frame: Uint8Array): void {
    if (this.#isDone) return;
    const queue = this.#replies;
    if (queue.length === 0 && this.replyRing.tryWrite(frame)) return;
    queue.push(frame);
    if (queue.length === 1) void this.#writeReplies();
  }

  async #writeReplies(): Promise<void> {
    const ring = this.replyRing;
    const queue = this.#replies;
    const signal = this.#done.signal;
    try {
      while (queue.length !== 0) {
        const frame = queue[0]!;
        if (ring.tryWrite(frame)) queue.shift();
        else await ring.waitWritableAsync(frame.length, { signal });
      }
    } catch {
      queue.length = 0; // the worker is done
    }
  }

  /** Records a message just written to the worker's ring. */
  recordSent(message: Message): void {
    this.#transit.push(message);
    this.written++;
  }

  /** Messages processed so far, read from shared memory. */
  processedNow(): number {
    const word = this.channel.control.load(PROCESSED_WORD);
    this.#processedTotal += (word - this.#processedWord) | 0;
    this.#processedWord = word;
    return this.#processedTotal;
  }

  /** Messages handed to the kernel function so far, read from shared memory. */
  takenNow(): number {
    const word = this.channel.control.load(TAKEN_WORD);
    this.#takenTotal += (word - this.#takenWord) | 0;
    this.#takenWord = word;
    return this.#takenTotal;
  }

  /** Processed messages already counted in the kernel's telemetry. */
  folded = 0;

  /** Forgets the messages the worker processed. */
  trim(): void {
    const processed = this.processedNow();
    let drop = processed - this.#transitBase;
    if (drop > 0) {
      drop = Math.min(drop, this.#transit.length - this.#transitHead);
      this.#transitHead += drop;
      this.#transitBase += drop;
      if (this.#transitHead >= COMPACT_THRESHOLD && this.#transitHead * 2 >= this.#transit.length) {
        this.#transit = this.#transit.slice(this.#transitHead);
        this.#transitHead = 0;
      }
    }
  }

  /** Messages written that the kernel never took, in the order they were written; forgets them. */
  takeUntaken(): Message[] {
    const first = this.takenNow() - this.#transitBase + this.#transitHead;
    const untaken = this.#transit.slice(Math.max(first, this.#transitHead));
    this.#transit.length = Math.max(first, this.#transitHead);
    return untaken;
  }

  #slice(from: number, to: number): Message[] {
    const start = Math.max(from - this.#transitBase, 0) + this.#transitHead;
    const end = Math.max(to - this.#transitBase, 0) + this.#transitHead;
    return this.#transit.slice(start, Math.min(end, this.#transit.length));
  }

  /** Messages the kernel took and has not finished (what a forced stop interrupts). */
  inFlightMessages(): Message[] {
    return this.#inFlightSinceProcessed();
  }

  #inFlightSinceProcessed(): Message[] {
    return this.#slice(this.processedNow(), this.takenNow());
  }

  #onReport(report: WorkerReport, moduleUrl: string, listener: WorkerLinkListener): void {
    switch (report.type) {
      case 'ready':
        this.#isReady = true;
        this.#resolveReady(report.messageTypes);
        return;
      case 'loadError': {
        const cause = isSerializedError(report.error) ? new RemoteError(report.error) : undefined;
        this.#failStart(
          new WorkerLoadError(
            this.#kernelId,
            moduleUrl,
            `${report.reason}: ${cause === undefined ? 'unknown error' : `${cause.name}: ${cause.message}`}`,
            { cause },
          ),
        );
        return;
      }
      case 'reportedError':
        listener.reportedError(new RemoteError(report.error));
        return;
      case 'returned':
        this.#end(undefined);
        return;
      case 'threw': {
        const cause = new RemoteError(report.error);
        const taken = this.takenNow();
        this.#end(
          this.#crashError(
            'threw',
            this.#slice(taken - report.inFlight, taken),
            undefined,
            `${cause.name}: ${cause.message}`,
            {
              cause,
            },
          ),
        );
        return;
      }
    }
  }

  #crashError(
    kind: WorkerCrashKind,
    inFlightMessages: readonly Message[],
    exitCode: number | undefined,
    description: string,
    options: ErrorOptions,
  ): WorkerCrashError {
    return new WorkerCrashError(
      this.#kernelId,
      { kind, exitCode, workerIndex: this.index, inFlightMessages, description },
      options.cause === undefined ? undefined : options,
    );
  }

  #failStart(error: WorkerLoadError): void {
    if (this.#isDone) return;
    this.#isDone = true;
    this.#rejectReady(error);
    this.#done.abort();
    this.#resolveEnded(undefined);
    void this.#handle.terminate();
  }

  #end(crash: WorkerCrashError | undefined): void {
    if (this.#isDone) return;
    this.#isDone = true;
    this.#crash = crash;
    this.#done.abort();
    // The kernel function is over (or the thread is gone): nothing more will come from it.
    void this.#handle.terminate();
  }
}
