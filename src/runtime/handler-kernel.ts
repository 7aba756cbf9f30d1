import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { RESOLVED } from '../queues/mailbox.js';
import type { HandlerContext } from './kernel-context.js';
import type { KernelExecution, KernelPort } from './kernel-port.js';
import { PortContext } from './port-context.js';
import { ProcessingClock } from './processing-clock.js';
import { scheduleMacrotask } from './schedule.js';

/** What a handler may return: nothing (done), or a promise the runtime awaits before the next message. */
export type HandlerResult = void | Promise<void>;

/**
 * The context a handler kernel's callbacks get: everything a kernel can send, plus `exit`.
 */
export interface HandlerKernelContext<Out extends Message = Message> extends HandlerContext<Out> {
  /**
   * Ends this kernel's code on its own, like a loop kernel's function returning: once the handler
   * running now returns, no more input is handed out, `onStop` runs, and the kernel becomes
   * `terminated` (its queued input is listed by `terminate`'s report).
   */
  exit(): void;
}

/**
 * A handler kernel: the runtime drains the input queue and calls `onMessage` (or `onBatch`) for what
 * is queued, in priority order, one call at a time; a callback that returns a promise is awaited
 * before the next. No promise is allocated per message unless the handler makes one.
 *
 * State lives in what `init` returns (a fresh value per life: at launch and after each supervised
 * restart), so one definition can be launched many times.
 *
 * Exactly one of `onMessage` and `onBatch` must be given.
 *
 * @example
 * ```ts
 * const counter = ringKernel<Increment, Count, { total: number }>({ kernelId: 'counter' }, {
 *   init: () => ({ total: 0 }),
 *   onMessage(message, ctx, state) {
 *     state.total += message.by;
 *     return ctx.send(Count.reply(message, { total: state.total }));
 *   },
 * });
 * ```
 */
export interface MessageHandlers<
  In extends Message = Message,
  Out extends Message = Message,
  State = undefined,
> {
  /**
   * Runs at launch (phase one: heavy initialisation belongs here) and at each supervised restart,
   * before any message is handed out; returns the private state of that life. `launch` waits for it.
   */
  readonly init?: ((ctx: HandlerKernelContext<Out>) => State | Promise<State>) | undefined;
  /** Called for each input message, highest priority first. Throwing (or rejecting) crashes the kernel. */
  readonly onMessage?:
    ((message: In, ctx: HandlerKernelContext<Out>, state: State) => HandlerResult) | undefined;
  /**
   * Called with what is queued, up to `maxBatch` messages in priority order: the batch-first shape
   * (a device kernel packs them into one dispatch). The whole batch counts as processed when it returns.
   */
  readonly onBatch?:
    ((messages: readonly In[], ctx: HandlerKernelContext<Out>, state: State) => HandlerResult) | undefined;
  /** Most messages per `onBatch` call. Default 256. */
  readonly maxBatch?: number | undefined;
  /**
   * Runs once when the life ends without a crash (terminate, a group restart, or `ctx.exit()`),
   * after the handler running then returned; it may still send.
   */
  readonly onStop?: ((ctx: HandlerKernelContext<Out>, state: State) => HandlerResult) | undefined;
}

/** Messages handled in one turn before the drain yields to the event loop (timers, I/O). */
const DRAIN_BUDGET = 4096;
const DEFAULT_MAX_BATCH = 256;
const NOTHING: readonly never[] = Object.freeze([]);

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== undefined &&
    value !== RESOLVED &&
    typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
  );
}

/** Validates a handlers object given to `ringKernel`. */
export function checkHandlers(handlers: object): void {
  const { onMessage, onBatch, init, onStop, maxBatch } = handlers as Record<string, unknown>;
  const hasMessage = typeof onMessage === 'function';
  const hasBatch = typeof onBatch === 'function';
  if (hasMessage === hasBatch) {
    throw new InvalidArgumentError(
      'a handler kernel needs exactly one of onMessage(message, ctx, state) and onBatch(messages, ctx, state); ' +
        `got ${hasMessage ? 'both' : 'neither'}`,
    );
  }
  for (const [name, value] of [
    ['init', init],
    ['onStop', onStop],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw new InvalidArgumentError(
        `handler kernel ${name} must be a function; got ${describeValue(value)}`,
      );
    }
  }
  if (maxBatch !== undefined && !(Number.isInteger(maxBatch) && (maxBatch as number) >= 1)) {
    throw new InvalidArgumentError(`maxBatch must be an integer >= 1; got ${describeValue(maxBatch)}`);
  }
}

class HandlerContextImpl<In extends Message, Out extends Message>
  extends PortContext<In, Out>
  implements HandlerKernelContext<Out>
{
  readonly #life: { exit(): void };

  constructor(port: KernelPort<In, Out>, life: { exit(): void }) {
    super(port);
    this.#life = life;
  }

  exit(): void {
    this.#life.exit();
  }
}

/**
 * One life of a handler kernel: the consumer of its input queue. The mailbox calls it when input
 * becomes takeable; it drains on a microtask (so a burst of posts costs one turn), handing each
 * message to the handler in a loop, and re-arms the mailbox once the queue is empty or paused.
 */
export class HandlerLife<In extends Message, Out extends Message, State> implements KernelExecution {
  readonly finished: Promise<void>;
  readonly #port: KernelPort<In, Out>;
  readonly #handlers: MessageHandlers<In, Out, State>;
  readonly #ctx: HandlerContextImpl<In, Out>;
  readonly #clock: ProcessingClock;
  readonly #maxBatch: number;
  #state!: State;
  #resolveFinished!: () => void;
  #rejectFinished!: (error: unknown) => void;
  /** The message `onMessage` holds now, or the batch `onBatch` holds (`#count` messages either way). */
  #current: In | undefined;
  #currentBatch: readonly In[] = NOTHING;
  #count = 0;
  /** A drain is scheduled, running, or waiting on a handler's promise. */
  #busy = false;
  /** Asked to finish (terminate, restart, exit); `#ended` once `finished` settled. */
  #stopping = false;
  #ended = false;
  readonly #drain = (): void => this.#drainQueue();
  readonly #onSettled = (): void => this.#handlerSettled();
  readonly #onFailed = (error: unknown): void => this.#crash(error);

  constructor(port: KernelPort<In, Out>, handlers: MessageHandlers<In, Out, State>) {
    this.#port = port;
    this.#handlers = handlers;
    this.#ctx = new HandlerContextImpl(port, this);
    this.#clock = new ProcessingClock(port);
    this.#maxBatch = handlers.maxBatch ?? DEFAULT_MAX_BATCH;
    this.finished = new Promise<void>((resolve, reject) => {
      this.#resolveFinished = resolve;
      this.#rejectFinished = reject;
    });
    // A crash can settle this before the runtime attaches its handlers (same turn): not unhandled.
    this.finished.catch(() => undefined);
  }

  /** Runs `init`, then starts consuming. Resolves with this execution (launch waits for it). */
  async start(): Promise<this> {
    const init = this.#handlers.init;
    if (init !== undefined) this.#state = await init.call(this.#handlers, this.#ctx);
    const input = this.#port.input;
    input.setConsumer(() => this.#wake());
    input.armConsumer();
    return this;
  }

  inFlight(): readonly Message[] {
    if (this.#count === 0) return NOTHING;
    return this.#current === undefined ? this.#currentBatch : [this.#current];
  }

  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#port.input.setConsumer(undefined);
    if (!this.#busy) void this.#finish();
  }

  exit(): void {
    this.stop();
  }

  /** Input became takeable: drain on a microtask, so what the caller posts in this turn goes in one batch. */
  #wake(): void {
    if (this.#busy || this.#stopping) return;
    this.#busy = true;
    queueMicrotask(this.#drain);
  }

  #drainQueue(): void {
    const input = this.#port.input;
    const handlers = this.#handlers;
    const onMessage = handlers.onMessage;
    const ctx = this.#ctx;
    const clock = this.#clock;
    let budget = DRAIN_BUDGET;
    while (!this.#stopping) {
      let result: HandlerResult;
      if (onMessage !== undefined) {
        const message = input.takeNow();
        if (message === undefined) break;
        clock.begin();
        this.#current = message;
        this.#count = 1;
        try {
          result = onMessage.call(handlers, message, ctx, this.#state);
        } catch (error) {
          this.#crash(error);
          return;
        }
      } else {
        const batch = this.#takeBatch(input);
        if (batch.length === 0) break;
        clock.begin();
        this.#currentBatch = batch;
        this.#count = batch.length;
        try {
          result = handlers.onBatch!.call(handlers, batch, ctx, this.#state);
        } catch (error) {
          this.#crash(error);
          return;
        }
      }
      if (isPromiseLike(result)) {
        result.then(this.#onSettled, this.#onFailed);
        return;
      }
      const count = this.#count;
      this.#current = undefined;
      this.#currentBatch = NOTHING;
      this.#count = 0;
      clock.end(count);
      budget -= count;
      if (budget <= 0) {
        // Let timers and I/O in; the queue is still ours (not re-armed), so nothing is missed.
        scheduleMacrotask(this.#drain);
        return;
      }
    }
    this.#idle();
  }

  #takeBatch(input: KernelPort<In, Out>['input']): In[] {
    const batch: In[] = [];
    const max = this.#maxBatch;
    while (batch.length < max) {
      const message = input.takeNow();
      if (message === undefined) break;
      batch.push(message);
    }
    return batch;
  }

  /** The queue is empty, paused or closed (or the life is stopping): wait to be woken. */
  #idle(): void {
    this.#busy = false;
    if (this.#stopping) {
      void this.#finish();
      return;
    }
    this.#port.input.armConsumer();
  }

  #handlerSettled(): void {
    const count = this.#count;
    this.#current = undefined;
    this.#currentBatch = NOTHING;
    this.#count = 0;
    if (this.#ended) return; // force-stopped meanwhile: the report listed it as interrupted
    this.#clock.end(count);
    this.#drainQueue();
  }

  async #finish(): Promise<void> {
    if (this.#ended) return;
    const onStop = this.#handlers.onStop;
    try {
      if (onStop !== undefined) await onStop.call(this.#handlers, this.#ctx, this.#state);
    } catch (error) {
      this.#crash(error);
      return;
    }
    this.#ended = true;
    this.#resolveFinished();
  }

  #crash(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopping = true;
    this.#busy = false;
    this.#port.input.setConsumer(undefined);
    this.#rejectFinished(error);
  }

  forceStop(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopping = true;
    this.#port.input.setConsumer(undefined);
    this.#resolveFinished();
  }
}
