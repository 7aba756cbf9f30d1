import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';

/** Why a message ended up in the dead-letter queue. */
export type DeadLetterReason =
  /** The kernel crashed while processing it. */
  | 'crash'
  /** It waited in an input queue longer than the kernel's `messageTtl`. */
  | 'expired'
  /** A route, topic or `sendTo` could not deliver it (target missing, failed or terminated). */
  | 'undeliverable'
  /** A group restart force-stopped the kernel while it processed it. */
  | 'interrupted'
  /** A durable cluster delivery failed on every one of its allowed deliveries (`maxDeliver`). */
  | 'maxDeliveries';

/** One message the runtime could not deliver or process, with why. */
export interface DeadLetter {
  readonly message: Message;
  /** The kernel it was meant for. */
  readonly kernelId: string;
  readonly reason: DeadLetterReason;
  readonly error?: unknown;
  /** `Date.now()` when it was dead-lettered. */
  readonly at: number;
}

/**
 * The runtime's dead-letter queue: messages that crashed their kernel, expired, or could not be
 * delivered. Bounded (default 10,000): past that the oldest entry is discarded and counted in
 * `discarded`, so nothing leaves without a trace. Read with `list`/`take`, re-send with `replay`.
 *
 * @example
 * ```ts
 * for (const letter of runtime.deadLetters.list()) console.log(letter.kernelId, letter.reason, letter.error);
 * await runtime.deadLetters.replay((letter) => letter.reason === 'crash');
 * ```
 */
export class DeadLetterQueue {
  readonly capacity: number;
  #entries: DeadLetter[] = [];
  #discarded = 0;
  #total = 0;
  readonly #resend: (kernelId: string, message: Message) => Promise<void>;
  readonly #onAdd: (letter: DeadLetter) => void;

  constructor(
    resend: (kernelId: string, message: Message) => Promise<void>,
    onAdd: (letter: DeadLetter) => void,
    capacity = 10_000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(
        `deadLetterCapacity must be an integer >= 1; got ${describeValue(capacity)}`,
      );
    }
    this.capacity = capacity;
    this.#resend = resend;
    this.#onAdd = onAdd;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.length;
  }

  /** Entries ever added. */
  get total(): number {
    return this.#total;
  }

  /** Oldest entries discarded because the queue was full. */
  get discarded(): number {
    return this.#discarded;
  }

  /** Records a dead letter (the oldest goes when the queue is full) and tells the listeners. */
  add(letter: DeadLetter): void {
    this.#total++;
    this.#entries.push(letter);
    if (this.#entries.length > this.capacity) {
      this.#entries.shift();
      this.#discarded++;
    }
    this.#onAdd(letter);
  }

  /** The entries (oldest first), optionally filtered; they stay in the queue. */
  list(filter?: (letter: DeadLetter) => boolean): DeadLetter[] {
    return filter === undefined ? [...this.#entries] : this.#entries.filter(filter);
  }

  /** Removes and returns up to `max` entries (oldest first) that pass `filter`. */
  take(max = Infinity, filter?: (letter: DeadLetter) => boolean): DeadLetter[] {
    const taken: DeadLetter[] = [];
    const kept: DeadLetter[] = [];
    for (const letter of this.#entries) {
      if (taken.length < max && (filter === undefined || filter(letter))) taken.push(letter);
      else kept.push(letter);
    }
    this.#entries = kept;
    return taken;
  }

  /**
   * Re-sends matching entries to the kernel they were meant for (or `to`), removing each one that
   * was sent; an entry whose send fails stays. Resolves with the number re-sent.
   */
  async replay(filter?: (letter: DeadLetter) => boolean, to?: string): Promise<number> {
    let sent = 0;
    for (const letter of this.take(Infinity, filter)) {
      try {
        await this.#resend(to ?? letter.kernelId, letter.message);
        sent++;
      } catch (error) {
        this.#entries.push({ ...letter, error, at: Date.now() });
      }
    }
    return sent;
  }

  /** Empties the queue; returns how many entries were removed. */
  clear(): number {
    const count = this.#entries.length;
    this.#entries = [];
    return count;
  }
}
