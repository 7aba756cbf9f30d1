import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { RESOLVED, type MailboxConsumer } from '../queues/mailbox.js';
import { scheduleDrain, type Drainable } from './drain-scheduler.js';
import type { HandlerContext } from './kernel-context.js';
import type { KernelExecution, KernelPort } from './kernel-port.js';
import { PortContext } from './port-context.js';
import { ProcessingClock } from './processing-clock.js';

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

/** Messages one kernel handles per scheduler pass before the others get their turn. */
const DRAIN_BUDGET = 1024;
const DEFAULT_MAX_BATCH = 256;
const NOTHING: readonly never[] = Object.freeze([]);
const RESOLVED_VOID: Promise<void> = RESOLVED;

/** A thenable other than the shared settled promise (which counts as done at once). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
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

const RUNNING = 0;
const ENDED = 1;
const CRASHED = 2;

/**
 * One life of a handler kernel: the push-style consumer of its input queue. The mailbox tells it
 * when input becomes takeable; it then queues itself on the shared {@link scheduleDrain} pass
 * (one microtask for every kernel woken in a turn), hands each message to the handler in a loop,
 * and re-arms the mailbox once the queue is empty or paused. It allocates nothing per message and
 * no closure per kernel; it reports its end to the port instead of through a promise chain.
 */
export class HandlerLife<In extends Message, Out extends Message, State>
  implements KernelExecution, MailboxConsumer, Drainable
{
  readonly reportsEnd = true;
  readonly #port: KernelPort<In, Out>;
  readonly #handlers: MessageHandlers<In, Out, State>;
  readonly #ctx: HandlerContextImpl<In, Out>;
  readonly #clock: ProcessingClock;
  #state!: State;
  /** The message `onMessage` holds now, or the batch `onBatch` holds (`#count` messages either way). */
  #current: In | undefined;
  #currentBatch: readonly In[] = NOTHING;
  #count = 0;
  /** A drain is scheduled, running, or waiting on a handler's promise. */
  #busy = false;
  /** Asked to finish (terminate, restart, exit). */
  #stopping = false;
  #outcome = RUNNING;
  #error: unknown;
  /** Made only when someone asks for `finished` (terminate does): settled with the outcome. */
  #finished: Promise<void> | undefined;
  #settleFinished: ((crashed: boolean) => void) | undefined;

  constructor(port: KernelPort<In, Out>, handlers: MessageHandlers<In, Out, State>) {
    this.#port = port;
    this.#handlers = handlers;
    this.#ctx = new HandlerContextImpl(port, this);
    this.#clock = new ProcessingClock(port);
  }

  get isFinished(): boolean {
    return this.#outcome !== RUNNING;
  }

  /** Settles when this life has ended: resolves on a normal end, rejects with what crashed it. */
  get finished(): Promise<void> {
    if (this.#finished !== undefined) return this.#finished;
    if (this.#outcome === ENDED) return (this.#finished = RESOLVED_VOID);
    if (this.#outcome === CRASHED) {
      this.#finished = Promise.reject(this.#error);
      this.#finished.catch(() => undefined);
      return this.#finished;
    }
    this.#finished = new Promise<void>((resolve, reject) => {
      // A kernel may throw anything; `finished` rejects with exactly that.

      this.#settleFinished = (crashed: boolean) => (crashed ? reject(this.#error) : resolve());
    });
    return this.#finished;
  }

  /** Runs `init`, then starts consuming. Resolves with this execution (launch waits for it). */
  start(): this | Promise<this> {
    const init = this.#handlers.init;
    if (init === undefined) return this.#consume();
    const state = init(this.#ctx);
    if (!isPromiseLike(state)) {
      this.#state = state;
      return this.#consume();
    }
    return Promise.resolve(state).then((value) => {
      this.#state = value;
      return this.#consume();
    });
  }

  #consume(): this {
    const input = this.#port.input;
    input.setConsumer(this);
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
    if (!this.#busy) this.#finish();
  }

  exit(): void {
    this.stop();
  }

  /** The mailbox has takeable input: join the next scheduler pass. */
  inputReady(): void {
    if (this.#busy || this.#stopping) return;
    this.#busy = true;
    scheduleDrain(this);
  }

  /** One scheduler turn: hand queued messages to the handler until empty, paused, async, or the budget is spent. */
  drain(): number {
    const input = this.#port.input;
    const handlers = this.#handlers;
    const onMessage = handlers.onMessage;
    const ctx = this.#ctx;
    const clock = this.#clock;
    let handled = 0;
    while (!this.#stopping) {
      let result: HandlerResult;
      if (onMessage !== undefined) {
        const message = input.takeNow();
        if (message === undefined) break;
        clock.begin();
        this.#current = message;
        this.#count = 1;
        try {
          result = onMessage(message, ctx, this.#state);
        } catch (error) {
          this.#crash(error);
          return handled;
        }
      } else {
        const batch = this.#takeBatch(input);
        if (batch.length === 0) break;
        clock.begin();
        this.#currentBatch = batch;
        this.#count = batch.length;
        try {
          result = handlers.onBatch!(batch, ctx, this.#state);
        } catch (error) {
          this.#crash(error);
          return handled;
        }
      }
      if (isPromiseLike(result)) {
        result.then(
          () => this.#handlerSettled(),
          (error: unknown) => this.#crash(error),
        );
        return handled;
      }
      handled += this.#count;
      this.#done();
      if (handled >= DRAIN_BUDGET) {
        // Other kernels get their turn; the queue is still ours (not re-armed), so nothing is missed.
        scheduleDrain(this);
        return handled;
      }
    }
    this.#idle();
    return handled;
  }

  /** The handler finished what it held: count it processed. */
  #done(): void {
    const count = this.#count;
    this.#current = undefined;
    this.#currentBatch = NOTHING;
    this.#count = 0;
    this.#clock.end(count);
  }

  #takeBatch(input: KernelPort<In, Out>['input']): In[] {
    const batch: In[] = [];
    const max = this.#handlers.maxBatch ?? DEFAULT_MAX_BATCH;
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
      this.#finish();
      return;
    }
    this.#port.input.armConsumer();
  }

  #handlerSettled(): void {
    if (this.#outcome !== RUNNING) return; // force-stopped meanwhile: the report listed it as interrupted
    this.#done();
    scheduleDrain(this);
  }

  /** Runs `onStop` (once the handler returned), then reports the end. */
  #finish(): void {
    if (this.#outcome !== RUNNING) return;
    const onStop = this.#handlers.onStop;
    let stopping: HandlerResult;
    try {
      stopping = onStop?.(this.#ctx, this.#state);
    } catch (error) {
      this.#crash(error);
      return;
    }
    if (isPromiseLike(stopping)) {
      stopping.then(
        () => this.#end(ENDED, undefined),
        (error: unknown) => this.#crash(error),
      );
    } else {
      this.#end(ENDED, undefined);
    }
  }

  #crash(error: unknown): void {
    this.#stopping = true;
    this.#busy = false;
    this.#port.input.setConsumer(undefined);
    this.#end(CRASHED, error);
  }

  forceStop(): void {
    this.#stopping = true;
    this.#port.input.setConsumer(undefined);
    this.#end(ENDED, undefined);
  }

  #end(outcome: number, error: unknown): void {
    if (this.#outcome !== RUNNING) return;
    this.#outcome = outcome;
    this.#error = error;
    this.#settleFinished?.(outcome === CRASHED);
    this.#port.codeEnded?.(error, outcome === CRASHED);
  }
}
