import { TimeoutError } from '../errors.js';
import type { BackpressureStrategy } from './backpressure.js';
import { QueueFullError } from './errors.js';
import { Fifo } from './fifo.js';
import { PriorityBuckets } from './priority-buckets.js';
import { deadlineOf, type WaitOptions } from './wait-options.js';

/** Why a mailbox let go of a message without delivering it. */
export type DropReason = 'dropOldest' | 'dropNewest';

/** Hooks through which a mailbox reports what it does; all optional, called synchronously. */
export interface MailboxObserver<T> {
  /** An item was discarded by a drop strategy (or by `clear`), with why. */
  dropped?(item: T, reason: DropReason): void;
  /** An offer was refused (full under `reject`); `error` is what the sender gets. */
  rejected?(item: T, error: Error): void;
  /** An item waited longer than `ttlMs` and was removed instead of handed out. */
  expired?(item: T): void;
}

/** An error, or a function that makes it when it is first needed. */
export type ErrorSource = Error | (() => Error);

function errorOf(source: ErrorSource): Error {
  return typeof source === 'function' ? source() : source;
}

/** A push-style consumer of a mailbox (see {@link Mailbox.setConsumer}). */
export interface MailboxConsumer {
  /** Items became takeable while armed; take them with `takeNow`, then `armConsumer` again. */
  inputReady(): void;
}

/** Options of a {@link Mailbox}: its size, what happens when full, and how priorities are read. */
export interface MailboxOptions<T> {
  /**
   * Used in error messages, e.g. `input queue of 'calculator'`. Anything with a `toString` works:
   * the text is only built when an error needs it.
   */
  readonly name:
    | string
    | {
        /** The name, built when an error needs it. */
        toString(): string;
      };
  /** Most items held at once. */
  readonly capacity: number;
  /** What an offer to a full mailbox does. */
  readonly backpressure: BackpressureStrategy;
  /** The item's priority, an integer 0..255 (already validated). */
  readonly priorityOf: (item: T) => number;
  /** Told about drops, rejections and expiries. */
  readonly observer?: MailboxObserver<T> | undefined;
  /** Items that waited longer than this (ms) are removed at take time and reported as expired. */
  readonly ttlMs?: number | undefined;
}

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  deadline: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** For blocked putters: the item they wait to enqueue. */
  item: unknown;
  /** For batch takers: the most items to hand over. 0 for a single take. */
  batch: number;
  /** How a taker is answered: the item (`take`), item-or-undefined (`tryTake`), or an iterator result. */
  mode: TakeMode;
  /** The caller's timeout in ms, for the TimeoutError message. */
  timeoutMs: number;
  /** Left its queue early (abort, timeout): skipped when the queue reaches it. */
  gone: boolean;
}

/**
 * A FIFO of waiters with O(1) arrival, service and cancellation: a cancelled waiter is only marked
 * and skipped when it reaches the head, so 200,000 blocked senders cost time linear in their number.
 */
class WaiterQueue {
  /** Allocated with the first waiter: most queues never have one. */
  #fifo: Fifo<Waiter> | undefined;
  /** Waiters not cancelled. */
  length = 0;

  push(waiter: Waiter): void {
    (this.#fifo ??= new Fifo<Waiter>()).push(waiter);
    this.length++;
  }

  shift(): Waiter | undefined {
    const fifo = this.#fifo;
    if (fifo === undefined) return undefined;
    for (;;) {
      const waiter = fifo.shift();
      if (waiter === undefined) return undefined;
      if (!waiter.gone) {
        this.length--;
        return waiter;
      }
    }
  }

  /** Marks `waiter` as gone; it leaves the FIFO when it reaches the head. */
  cancel(waiter: Waiter): void {
    if (waiter.gone) return;
    waiter.gone = true;
    this.length--;
  }

  /** Removes and returns every live waiter, oldest first. */
  takeAll(): Waiter[] {
    if (this.#fifo === undefined) return [];
    const all = this.#fifo.drain().filter((waiter) => !waiter.gone);
    this.length = 0;
    return all;
  }

  /** Live waiters, oldest first (a snapshot). */
  list(): Waiter[] {
    const fifo = this.#fifo;
    const live: Waiter[] = [];
    if (fifo === undefined) return live;
    for (let index = 0; index < fifo.size; index++) {
      const waiter = fifo.at(index);
      if (!waiter.gone) live.push(waiter);
    }
    return live;
  }

  /** Drops cancelled waiters from storage (after a sweep cancelled many). */
  compact(): void {
    this.#fifo?.retain((waiter) => !waiter.gone);
  }
}

const enum TakeMode {
  Item,
  ItemOrUndefined,
  IteratorResult,
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true as const });

interface TimerHandle {
  ref?(): unknown;
  unref?(): unknown;
}

/** What `offer` returns when it completed at once; callers compare against it to skip a `.catch`. */
export const RESOLVED: Promise<void> = Promise.resolve();
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

/**
 * A bounded priority mailbox with backpressure and async waiting on both ends.
 *
 * Items are served highest priority first, FIFO within a priority (see {@link PriorityBuckets}).
 * When full, {@link BackpressureStrategy} decides. Takers can be gated (`takeable = false`): items
 * then stay queued and takers wait; that is how a deactivated kernel pauses without losing messages.
 * Timeouts of all waiters share one timer per mailbox, so a receive with `{ timeout }` costs no
 * timer allocation on the hot path.
 *
 * @example
 * ```ts
 * const box = new Mailbox<Msg>({ name: 'inbox', capacity: 1024, backpressure: 'block', priorityOf: (m) => m.priority });
 * await box.offer(msg);
 * const next = await box.take({ timeout: 100 });
 * ```
 */
export class Mailbox<T> {
  readonly #name: string | { toString(): string };
  readonly backpressure: BackpressureStrategy;
  readonly #buckets: PriorityBuckets<T>;
  readonly #priorityOf: (item: T) => number;
  readonly #observer: MailboxObserver<T> | undefined;
  readonly #ttlMs: number;
  /** Waiting takers and blocked senders; allocated by the first wait (most mailboxes never have one). */
  #takers: WaiterQueue | undefined;
  #putters: WaiterQueue | undefined;
  #takeable = true;
  /** Set once takers are refused for good (kernel terminating); items stay queued for the report. */
  #takerError: ErrorSource | undefined;
  /** Set once the mailbox is closed: offers fail; takers drain what is left, then fail. */
  #closedError: ErrorSource | undefined;
  /**
   * Called with each item that leaves to a taker (not by drain, eviction or expiry). The single
   * consumer of an input mailbox uses it to time processing without a promise hop.
   */
  onTaken: ((item: T) => void) | undefined = undefined;
  /** Told (once per arming) that items are takeable: the push-style consumer of a handler kernel. */
  #consumer: MailboxConsumer | undefined = undefined;
  #consumerArmed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDeadline = Infinity;
  /** Waiters with a finite deadline; the timer only keeps the process alive while there are some. */
  #timedWaiters = 0;

  constructor(options: MailboxOptions<T>) {
    this.#name = options.name;
    this.backpressure = options.backpressure;
    this.#ttlMs = options.ttlMs ?? Infinity;
    this.#buckets = new PriorityBuckets<T>(options.capacity, this.#ttlMs !== Infinity);
    this.#priorityOf = options.priorityOf;
    this.#observer = options.observer;
  }

  /** The mailbox's name, as used in error messages. */
  get name(): string {
    return String(this.#name);
  }

  get capacity(): number {
    return this.#buckets.capacity;
  }

  /** Items queued now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Senders waiting for room (backpressure `block`). */
  get blockedSenders(): number {
    return this.#putters?.length ?? 0;
  }

  /** Takers waiting for an item. */
  get waitingTakers(): number {
    return this.#takers?.length ?? 0;
  }

  get takeable(): boolean {
    return this.#takeable;
  }

  /** Opens or closes the taking end; queued items are kept either way. */
  set takeable(value: boolean) {
    this.#takeable = value;
    if (value) {
      this.#serveTakers();
      if (this.#consumerArmed && !this.#buckets.isEmpty) this.#signalConsumer();
    }
  }

  /**
   * Installs a push-style consumer: instead of waiting in `take`, it is called (synchronously,
   * from `offer` or from reopening the mailbox) when items become takeable while it is armed, and
   * is disarmed by that call. It then takes with `takeNow` until empty and calls
   * {@link armConsumer} to hear about the next item. One call per burst, not per item.
   */
  setConsumer(consumer: MailboxConsumer | undefined): void {
    this.#consumer = consumer;
    this.#consumerArmed = false;
  }

  /** True while a consumer waits to be told of the next takeable item. */
  get consumerArmed(): boolean {
    return this.#consumerArmed;
  }

  /** Asks to be called on the next takeable item; calls the consumer at once if one is takeable now. */
  armConsumer(): void {
    if (this.#consumer === undefined) return;
    this.#consumerArmed = true;
    if (this.#takeable && this.#takerError === undefined && !this.#buckets.isEmpty) this.#signalConsumer();
  }

  #signalConsumer(): void {
    this.#consumerArmed = false;
    this.#consumer!.inputReady();
  }

  /**
   * Enqueues `item`, applying backpressure when full. Resolves once the item is queued (or handed to
   * a waiting taker, or dropped by a drop strategy, which is reported to the observer).
   */
  offer(item: T, options?: WaitOptions): Promise<void> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closed());
    if (this.offerNow(item)) return RESOLVED;
    switch (this.backpressure) {
      case 'block':
        return this.#wait((this.#putters ??= new WaiterQueue()), item, 0, options) as Promise<void>;
      case 'reject':
        return Promise.reject(this.#rejectFull(item));
      default:
        this.#dropFor(item);
        return RESOLVED;
    }
  }

  /**
   * The synchronous {@link offer}: applies the backpressure strategy without waiting. Returns true
   * where `offer` would settle at once (queued, handed to a taker, or dropped by a drop strategy and
   * reported), false where `offer` would wait (`block` and full: nothing happened, the caller still
   * holds `item`), and throws where `offer` would reject (`reject` and full: `QueueFullError`;
   * closed: the closing error).
   */
  post(item: T): boolean {
    if (this.#closedError !== undefined) throw this.#closed();
    if (this.offerNow(item)) return true;
    switch (this.backpressure) {
      case 'block':
        return false;
      case 'reject':
        throw this.#rejectFull(item);
      default:
        this.#dropFor(item);
        return true;
    }
  }

  /** Full under `reject`: reports `item` as rejected and returns the error to raise. */
  #rejectFull(item: T): QueueFullError {
    const error = new QueueFullError(this.name, this.capacity);
    this.#observer?.rejected?.(item, error);
    return error;
  }

  /** Full under a drop strategy: drops `item` (`dropNewest`) or makes room by dropping the oldest. */
  #dropFor(item: T): void {
    if (this.backpressure === 'dropNewest') {
      this.#observer?.dropped?.(item, 'dropNewest');
      return;
    }
    // Counting the newcomer in: when it is below every queued level, it is the lowest level's oldest.
    if (this.#priorityOf(item) < this.#buckets.peekLowestPriority()) {
      this.#observer?.dropped?.(item, 'dropOldest');
      return;
    }
    const victim = this.#buckets.pollLowest() as T;
    this.#buckets.offer(item, this.#priorityOf(item));
    this.#observer?.dropped?.(victim, 'dropOldest');
    if (this.#consumerArmed && this.#takeable) this.#signalConsumer();
  }

  /**
   * Enqueues `item` if there is room (or a taker waiting); never blocks, never drops.
   * Returns false when full or closed.
   */
  offerNow(item: T): boolean {
    if (this.#closedError !== undefined) return false;
    const takers = this.#takers;
    if (takers !== undefined && takers.length !== 0 && this.#takeable && this.#takerError === undefined) {
      // A taker only waits while nothing is takeable, so handing over directly keeps the order.
      this.onTaken?.(item);
      this.#handTo(takers.shift()!, item);
      return true;
    }
    if (this.#putters !== undefined && this.#putters.length !== 0) return false; // blocked senders go first
    if (!this.#buckets.offer(item, this.#priorityOf(item))) return false;
    if (this.#consumerArmed && this.#takeable) this.#signalConsumer();
    return true;
  }

  /** Takes the next item, waiting while there is none (or the mailbox is not takeable). */
  take(options?: WaitOptions): Promise<T> {
    const item = this.takeNow();
    if (item !== undefined) return Promise.resolve(item);
    return (
      this.#refusal() ??
      (this.#wait((this.#takers ??= new WaiterQueue()), undefined, 0, options) as Promise<T>)
    );
  }

  /**
   * Like {@link take}, but resolves `undefined` where `take` would reject with a `TimeoutError`
   * (subclasses included); other errors still reject. One promise per call, no wrapper.
   */
  tryTake(options?: WaitOptions): Promise<T | undefined> {
    const item = this.takeNow();
    if (item !== undefined) return Promise.resolve(item);
    const refusal = this.#refusalError();
    if (refusal !== undefined)
      return refusal instanceof TimeoutError ? RESOLVED_UNDEFINED : Promise.reject(refusal);
    return this.#wait(
      (this.#takers ??= new WaiterQueue()),
      undefined,
      0,
      options,
      TakeMode.ItemOrUndefined,
    ) as Promise<T | undefined>;
  }

  /** The next item as an async-iterator result; `done` where `tryTake` would give `undefined`. */
  next(): Promise<IteratorResult<T, undefined>> {
    const item = this.takeNow();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    const refusal = this.#refusalError();
    if (refusal !== undefined)
      return refusal instanceof TimeoutError ? Promise.resolve(DONE) : Promise.reject(refusal);
    return this.#wait(
      (this.#takers ??= new WaiterQueue()),
      undefined,
      0,
      undefined,
      TakeMode.IteratorResult,
    ) as Promise<IteratorResult<T, undefined>>;
  }

  /** Takes up to `max` items, waiting for the first one like {@link take}. */
  takeBatch(max: number, options?: WaitOptions): Promise<T[]> {
    const first = this.takeNow();
    if (first !== undefined) return Promise.resolve(this.#fillBatch([first], max));
    return (
      this.#refusal() ??
      (this.#wait((this.#takers ??= new WaiterQueue()), undefined, max, options) as Promise<T[]>)
    );
  }

  /** Takes the next item if one is takeable now. */
  takeNow(): T | undefined {
    if (!this.#takeable || this.#takerError !== undefined) return undefined;
    if (this.#ttlMs !== Infinity) this.#expireOld();
    const item = this.#buckets.poll();
    if (item === undefined) return undefined;
    if (this.#putters !== undefined && this.#putters.length !== 0) this.#admitPutter();
    this.onTaken?.(item);
    return item;
  }

  /**
   * Rejects the takers waiting now with `error` (later takers wait as usual). Errors may be given
   * as a function that makes them: it runs only when someone is actually refused (building an
   * error captures a stack trace, the biggest cost of terminating an idle kernel).
   */
  interruptTakers(error: ErrorSource): void {
    if (this.#takers !== undefined && this.#takers.length !== 0)
      this.#rejectAll(this.#takers, errorOf(error));
  }

  /** Rejects current and future takers with `error`; queued items stay for {@link drain}. */
  refuseTakers(error: ErrorSource): void {
    this.#takerError ??= error;
    if (this.#takers !== undefined && this.#takers.length !== 0)
      this.#rejectAll(this.#takers, this.#refused());
  }

  /**
   * Closes the mailbox: blocked and future senders fail with `error`; takers still receive what is
   * queued, then fail with `error`.
   */
  close(error: ErrorSource): void {
    this.#closedError ??= error;
    if (this.#putters !== undefined && this.#putters.length !== 0)
      this.#rejectAll(this.#putters, this.#closed());
    if (this.#buckets.isEmpty && this.#takers !== undefined && this.#takers.length !== 0)
      this.#rejectAll(this.#takers, this.#closed());
  }

  /** The closing error, made on first use and then shared by every refusal. */
  #closed(): Error {
    const source = this.#closedError!;
    return typeof source === 'function' ? (this.#closedError = source()) : source;
  }

  /** The takers' refusal, made on first use and then shared. */
  #refused(): Error {
    const source = this.#takerError!;
    return typeof source === 'function' ? (this.#takerError = source()) : source;
  }

  /**
   * Removes and returns every queued item, in service order, then the items of blocked senders (whose
   * offers then resolve: the drainer took their items).
   */
  drain(): T[] {
    const items = this.#buckets.drain();
    const putters = this.#putters;
    if (putters !== undefined && putters.length !== 0) {
      // Their items are handed over here: the senders' offers settle, so nothing is left blocked
      // (and nothing is refused back to its sender later by close()).
      for (const putter of putters.takeAll()) {
        items.push(putter.item as T);
        this.#settle(putter);
        putter.resolve(undefined);
      }
    }
    return items;
  }

  #expireOld(): void {
    const buckets = this.#buckets;
    const oldest = performance.now() - this.#ttlMs;
    while (buckets.peekEnqueuedAt() < oldest) {
      const item = buckets.poll() as T;
      if (this.#putters !== undefined && this.#putters.length !== 0) this.#admitPutter();
      this.#observer?.expired?.(item);
    }
  }

  #refusalError(): Error | undefined {
    if (this.#takerError !== undefined) return this.#refused();
    return this.#buckets.isEmpty && this.#closedError !== undefined ? this.#closed() : undefined;
  }

  #refusal(): Promise<never> | undefined {
    const error = this.#refusalError();
    return error === undefined ? undefined : Promise.reject(error);
  }

  #fillBatch(batch: T[], max: number): T[] {
    while (batch.length < max) {
      const next = this.takeNow();
      if (next === undefined) break;
      batch.push(next);
    }
    return batch;
  }

  /** `item` was already reported to `onTaken` (by takeNow, or by offerNow's direct hand-over). */
  #handTo(taker: Waiter, item: T): void {
    this.#settle(taker);
    if (taker.batch !== 0) taker.resolve(this.#fillBatch([item], taker.batch));
    else if (taker.mode === TakeMode.IteratorResult) taker.resolve({ value: item, done: false });
    else taker.resolve(item);
  }

  #admitPutter(): void {
    const putter = this.#putters!.shift()!;
    this.#buckets.offer(putter.item as T, this.#priorityOf(putter.item as T));
    this.#settle(putter);
    putter.resolve(undefined);
  }

  #serveTakers(): void {
    const takers = this.#takers;
    while (takers !== undefined && takers.length !== 0 && this.#takerError === undefined) {
      const item = this.takeNow();
      if (item === undefined) break;
      this.#handTo(takers.shift()!, item);
    }
    if (
      this.#closedError !== undefined &&
      this.#buckets.isEmpty &&
      takers !== undefined &&
      takers.length !== 0
    )
      this.#rejectAll(takers, this.#closed());
  }

  #wait(
    queue: WaiterQueue,
    item: unknown,
    batch: number,
    options: WaitOptions | undefined,
    mode: TakeMode = TakeMode.Item,
  ) {
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    let deadline: number;
    try {
      deadline = deadlineOf(options?.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options?.timeout ?? Infinity;
      const waiter: Waiter = {
        resolve,
        reject,
        deadline,
        signal,
        onAbort: undefined,
        item,
        batch,
        mode,
        timeoutMs,
        gone: false,
      };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          queue.cancel(waiter);
          this.#settle(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      queue.push(waiter);
      if (deadline !== Infinity) {
        this.#timedWaiters++;
        this.#armTimer(deadline);
      }
    });
  }

  /** Detaches a waiter that is leaving the queue from its signal and the timer. */
  #settle(waiter: Waiter): void {
    if (waiter.onAbort !== undefined) {
      waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.onAbort = undefined;
    }
    if (waiter.deadline !== Infinity) {
      waiter.deadline = Infinity;
      if (--this.#timedWaiters === 0 && this.#timer !== undefined) (this.#timer as TimerHandle).unref?.();
    }
  }

  /** Ends a wait without an item: soft takers get `undefined` / done for timeouts, others the error. */
  #fail(waiter: Waiter, error: Error): void {
    if (waiter.mode !== TakeMode.Item && error instanceof TimeoutError) {
      waiter.resolve(waiter.mode === TakeMode.IteratorResult ? DONE : undefined);
    } else {
      waiter.reject(error);
    }
  }

  #rejectAll(queue: WaiterQueue | undefined, error: Error): void {
    if (queue === undefined || queue.length === 0) return;
    for (const waiter of queue.takeAll()) {
      this.#settle(waiter);
      this.#fail(waiter, error);
    }
  }

  #armTimer(deadline: number): void {
    if (this.#timer !== undefined && deadline >= this.#timerDeadline) {
      (this.#timer as TimerHandle).ref?.();
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDeadline = deadline;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, deadline - performance.now()));
  }

  /** Rejects every waiter whose deadline passed and re-arms for the earliest remaining one. */
  #expire(): void {
    this.#timer = undefined;
    this.#timerDeadline = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const queue of [this.#takers, this.#putters]) {
      if (queue === undefined) continue;
      let expired = 0;
      for (const waiter of queue.list()) {
        if (waiter.deadline <= now + 0.5) {
          queue.cancel(waiter);
          expired++;
          this.#settle(waiter);
          this.#fail(
            waiter,
            new TimeoutError(queue === this.#takers ? 'receive' : 'send', waiter.timeoutMs, this.name),
          );
        } else if (waiter.deadline !== Infinity) {
          next = Math.min(next, waiter.deadline);
        }
      }
      if (expired !== 0) queue.compact();
    }
    if (next !== Infinity) this.#armTimer(next);
  }
}
