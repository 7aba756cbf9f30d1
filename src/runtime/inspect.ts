import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import type { DropReason } from '../queues/mailbox.js';
import type { DeadLetterReason } from './dead-letters.js';
import type { RuntimeEvents } from './events.js';
import type { KernelState } from './kernel-state.js';

/** A kernel changed lifecycle state (`from` is undefined at launch). */
export interface LifecycleInspection {
  readonly type: 'lifecycle';
  readonly kernelId: string;
  readonly from: KernelState | undefined;
  readonly to: KernelState;
  /** `performance.now()` when it happened. */
  readonly time: number;
}

/** A message was accepted into a kernel's input queue (its `received` counter went up). */
export interface ReceivedInspection {
  readonly type: 'received';
  readonly kernelId: string;
  readonly message: Message;
  readonly time: number;
}

/** A kernel sent a message: as the reply to a pending `request`, or into its output queue. */
export interface SentInspection {
  readonly type: 'sent';
  readonly kernelId: string;
  readonly message: Message;
  /** True when the message answered a pending `runtime.request` directly. */
  readonly reply: boolean;
  readonly time: number;
}

/** A kernel finished messages (it came back for more, or its loop ended). */
export interface ProcessedInspection {
  readonly type: 'processed';
  readonly kernelId: string;
  /** How many messages finished together (more than one after `receiveBatch`). */
  readonly count: number;
  /** Time from taking the first of them to finishing, in ms; undefined when runtime telemetry is off. */
  readonly elapsedMs: number | undefined;
  readonly time: number;
}

/** A message was dropped by backpressure `dropOldest` / `dropNewest`. */
export interface DroppedInspection {
  readonly type: 'dropped';
  readonly kernelId: string;
  readonly queue: 'input' | 'output';
  readonly message: Message;
  readonly reason: DropReason;
  readonly time: number;
}

/** A send was refused by backpressure `reject`. */
export interface RejectedInspection {
  readonly type: 'rejected';
  readonly kernelId: string;
  readonly queue: 'input' | 'output';
  readonly message: Message;
  readonly error: Error;
  readonly time: number;
}

/** A kernel crashed (`fatal`) or reported an error it handled. */
export interface ErrorInspection {
  readonly type: 'error';
  readonly kernelId: string;
  readonly error: unknown;
  readonly fatal: boolean;
  readonly time: number;
}

/** A kernel was terminated and removed; the counts say what it left behind. */
export interface TerminatedInspection {
  readonly type: 'terminated';
  readonly kernelId: string;
  readonly graceful: boolean;
  readonly unprocessedInputs: number;
  readonly undeliveredOutputs: number;
  readonly time: number;
}

/** A supervised kernel is about to be restarted (`attempt` counts from 1), or gave up (`escalated`). */
export interface RestartInspection {
  readonly type: 'restart';
  readonly kernelId: string;
  /** Restart number, from 1; undefined when `escalated`. */
  readonly attempt: number | undefined;
  /** Delay before the restart, ms; undefined when `escalated`. */
  readonly delayMs: number | undefined;
  /** True when restart intensity was exceeded: no restart, the kernel stays failed. */
  readonly escalated: boolean;
  readonly error: unknown;
  readonly time: number;
}

/** A message went to the runtime's dead-letter queue. */
export interface DeadLetterInspection {
  readonly type: 'deadLetter';
  readonly kernelId: string;
  readonly message: Message;
  readonly reason: DeadLetterReason;
  readonly error: unknown;
  readonly time: number;
}

/** Everything `runtime.inspect` reports; switch on `type`. */
export type InspectionEvent =
  | LifecycleInspection
  | ReceivedInspection
  | SentInspection
  | ProcessedInspection
  | DroppedInspection
  | RejectedInspection
  | ErrorInspection
  | RestartInspection
  | DeadLetterInspection
  | TerminatedInspection;

/** The `type` of an {@link InspectionEvent}: what happened. */
export type InspectionEventType = InspectionEvent['type'];
/** Receives inspection events (see `runtime.inspect`). */
export type InspectionListener = (event: InspectionEvent) => void;

/** The per-message event types: the only ones sampling thins out. */
export const messageInspectionTypes: readonly InspectionEventType[] = ['received', 'sent', 'processed'];

/** Options of `runtime.inspect`. */
export interface InspectOptions {
  /**
   * Report every Nth per-message event (`received`, `sent`, `processed`), counted per kernel and
   * type, starting with the first. A fraction keeps that share instead (0.25 = every 4th, evenly
   * spaced). Default 1 (every one). The other events (lifecycle, drop, rejection, error, restart,
   * dead letter, termination) are never sampled.
   */
  readonly sample?: number | undefined;
  /** At most this many per-message events per second for this listener (the rest are skipped). */
  readonly maxPerSecond?: number | undefined;
  /** Only these event types (default: all). */
  readonly types?: readonly InspectionEventType[] | undefined;
}

/** Checks {@link InspectOptions}, throwing `InvalidArgumentError` that quotes the bad value. */
function checkInspectOptions(options: InspectOptions): void {
  const { sample, maxPerSecond, types } = options;
  if (sample !== undefined && !(typeof sample === 'number' && sample > 0 && Number.isFinite(sample))) {
    throw new InvalidArgumentError(
      `inspect: sample must be a number > 0 (every Nth, or a fraction); got ${describeValue(sample)}`,
    );
  }
  if (sample !== undefined && sample > 1 && !Number.isInteger(sample)) {
    throw new InvalidArgumentError(
      `inspect: a sample above 1 must be an integer; got ${describeValue(sample)}`,
    );
  }
  if (
    maxPerSecond !== undefined &&
    !(typeof maxPerSecond === 'number' && maxPerSecond > 0 && Number.isFinite(maxPerSecond))
  ) {
    throw new InvalidArgumentError(
      `inspect: maxPerSecond must be a number > 0; got ${describeValue(maxPerSecond)}`,
    );
  }
  for (const type of types ?? []) {
    if (!allTypes.includes(type)) {
      throw new InvalidArgumentError(
        `inspect: unknown event type ${describeValue(type)}; use one of ${allTypes.join(', ')}`,
      );
    }
  }
}

const allTypes: readonly InspectionEventType[] = [
  'lifecycle',
  'received',
  'sent',
  'processed',
  'dropped',
  'rejected',
  'error',
  'restart',
  'deadLetter',
  'terminated',
];

/** Slots of the per-message event types in a subscription's sampling counters. */
const RECEIVED = 0;
const SENT = 1;
const PROCESSED = 2;
type MessageSlot = typeof RECEIVED | typeof SENT | typeof PROCESSED;

/** One `inspect` subscription: its filter, sampler and rate limit. */
class Subscription {
  readonly listener: InspectionListener;
  readonly #types: ReadonlySet<InspectionEventType> | undefined;
  /** Per message slot: whether this subscription wants that event type at all. */
  readonly #wantsSlot: readonly [boolean, boolean, boolean];
  /** Sampling as a step: 1 = every event, 4 = every 4th, 2.5 = two in five. */
  readonly #step: number;
  /** Per kernel, per message slot: the sampling accumulator (an event is kept when it reaches the step). */
  readonly #counters = new Map<string, Float64Array>();
  readonly #maxPerSecond: number;
  #windowStart = 0;
  #windowCount = 0;

  constructor(listener: InspectionListener, options: InspectOptions) {
    this.listener = listener;
    this.#types = options.types === undefined ? undefined : new Set(options.types);
    this.#wantsSlot = [this.wants('received'), this.wants('sent'), this.wants('processed')];
    const sample = options.sample ?? 1;
    this.#step = sample >= 1 ? sample : 1 / sample;
    this.#maxPerSecond = options.maxPerSecond ?? Infinity;
  }

  wants(type: InspectionEventType): boolean {
    return this.#types === undefined || this.#types.has(type);
  }

  /**
   * Whether to report this per-message event: the type is wanted and the sample and rate limit
   * allow it. Allocates nothing once the kernel's counters exist.
   */
  keepsMessage(kernelId: string, slot: MessageSlot): boolean {
    if (!this.#wantsSlot[slot]) return false;
    const step = this.#step;
    if (step !== 1) {
      let counters = this.#counters.get(kernelId);
      // Starts at the step so that the first event is kept.
      if (counters === undefined) this.#counters.set(kernelId, (counters = new Float64Array(3).fill(step)));
      const accumulated = counters[slot]! + 1;
      if (accumulated < step + 1) {
        counters[slot] = accumulated;
        return false;
      }
      counters[slot] = accumulated - step;
    }
    if (this.#maxPerSecond !== Infinity) {
      const time = performance.now();
      if (time - this.#windowStart >= 1000) {
        this.#windowStart = time;
        this.#windowCount = 0;
      }
      if (this.#windowCount >= this.#maxPerSecond) return false;
      this.#windowCount++;
    }
    return true;
  }
}

/**
 * Delivers inspection events to `runtime.inspect` listeners. The runtime's hot paths check
 * {@link Inspector.watchingMessages} (one boolean) before building a per-message event, so an
 * uninspected runtime pays nothing more. Lifecycle, drop, rejection, error, restart, dead-letter and termination events
 * come from the runtime's own events, subscribed only while someone inspects.
 */
export class Inspector {
  /** True while at least one listener wants per-message events: the hot-path check. */
  watchingMessages = false;
  readonly #events: RuntimeEvents;
  #subscriptions: Subscription[] = [];
  #unsubscribeRuntime: (() => void) | undefined;

  constructor(events: RuntimeEvents) {
    this.#events = events;
  }

  /** Adds a listener; returns a function that removes it. */
  add(listener: InspectionListener, options: InspectOptions = {}): () => void {
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError(`inspect needs a listener function; got ${describeValue(listener)}`);
    }
    checkInspectOptions(options);
    const subscription = new Subscription(listener, options);
    this.#subscriptions = [...this.#subscriptions, subscription];
    this.#update();
    return () => {
      this.#subscriptions = this.#subscriptions.filter((entry) => entry !== subscription);
      this.#update();
    };
  }

  /** Hot path: the kernel's `received` counter went up. Call only when `watchingMessages`. */
  received(kernelId: string, message: Message): void {
    // The event is built only once a subscription keeps it: sampled-out events cost no allocation.
    let event: ReceivedInspection | undefined;
    for (const subscription of this.#subscriptions) {
      if (subscription.keepsMessage(kernelId, RECEIVED)) {
        call(
          subscription.listener,
          (event ??= { type: 'received', kernelId, message, time: performance.now() }),
        );
      }
    }
  }

  /** Hot path: the kernel sent `message`. Call only when `watchingMessages`. */
  sent(kernelId: string, message: Message, reply: boolean): void {
    let event: SentInspection | undefined;
    for (const subscription of this.#subscriptions) {
      if (subscription.keepsMessage(kernelId, SENT)) {
        call(
          subscription.listener,
          (event ??= { type: 'sent', kernelId, message, reply, time: performance.now() }),
        );
      }
    }
  }

  /** Hot path: the kernel finished `count` messages. Call only when `watchingMessages`. */
  processed(kernelId: string, count: number, elapsedMs: number | undefined): void {
    let event: ProcessedInspection | undefined;
    for (const subscription of this.#subscriptions) {
      if (subscription.keepsMessage(kernelId, PROCESSED)) {
        call(
          subscription.listener,
          (event ??= { type: 'processed', kernelId, count, elapsedMs, time: performance.now() }),
        );
      }
    }
  }

  #deliver(event: InspectionEvent): void {
    for (const subscription of this.#subscriptions) {
      if (subscription.wants(event.type)) call(subscription.listener, event);
    }
  }

  #update(): void {
    this.watchingMessages = this.#subscriptions.some((subscription) =>
      messageInspectionTypes.some((type) => subscription.wants(type)),
    );
    if (this.#subscriptions.length === 0) {
      this.#unsubscribeRuntime?.();
      this.#unsubscribeRuntime = undefined;
    } else if (this.#unsubscribeRuntime === undefined) {
      this.#unsubscribeRuntime = this.#subscribeRuntime();
    }
  }

  #subscribeRuntime(): () => void {
    const events = this.#events;
    const stops = [
      events.on('stateChange', ({ kernelId, from, to }) =>
        this.#deliver({ type: 'lifecycle', kernelId, from, to, time: performance.now() }),
      ),
      events.on('dropped', ({ kernelId, queue, message, reason }) =>
        this.#deliver({ type: 'dropped', kernelId, queue, message, reason, time: performance.now() }),
      ),
      events.on('rejected', ({ kernelId, queue, message, error }) =>
        this.#deliver({ type: 'rejected', kernelId, queue, message, error, time: performance.now() }),
      ),
      events.on('kernelError', ({ kernelId, error, fatal }) =>
        this.#deliver({ type: 'error', kernelId, error, fatal, time: performance.now() }),
      ),
      events.on('kernelRestart', ({ kernelId, attempt, delayMs, error }) =>
        this.#deliver({
          type: 'restart',
          kernelId,
          attempt,
          delayMs,
          escalated: false,
          error,
          time: performance.now(),
        }),
      ),
      events.on('escalated', ({ kernelId, error }) =>
        this.#deliver({
          type: 'restart',
          kernelId,
          attempt: undefined,
          delayMs: undefined,
          escalated: true,
          error,
          time: performance.now(),
        }),
      ),
      events.on('deadLetter', ({ kernelId, message, reason, error }) =>
        this.#deliver({ type: 'deadLetter', kernelId, message, reason, error, time: performance.now() }),
      ),
      events.on('terminated', (report) =>
        this.#deliver({
          type: 'terminated',
          kernelId: report.kernelId,
          graceful: report.graceful,
          unprocessedInputs: report.unprocessedInputs.length,
          undeliveredOutputs: report.undeliveredOutputs.length,
          time: performance.now(),
        }),
      ),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }
}

/** A listener that throws must not disturb the runtime: rethrow it on a fresh task. */
function call(listener: InspectionListener, event: InspectionEvent): void {
  try {
    listener(event);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}
