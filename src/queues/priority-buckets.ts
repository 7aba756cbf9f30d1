import { Fifo } from './fifo.js';

const LEVELS = 256;
const NONE = -1;

/**
 * A bounded priority queue of 256 levels (higher level served first), FIFO within a level.
 *
 * Most queues only ever hold one priority (every message at the default 128), so storage is
 * adaptive: while every queued item shares one level, items sit in a single growable `Fifo`;
 * the first item of a second level switches the queue to one FIFO per level in use plus a 256-bit
 * bitmap of non-empty levels. `offer`, `poll` and `pollLowest` are O(1) either way, and an idle
 * queue allocates nothing but itself: memory grows with what is queued, not with the capacity.
 *
 * @example
 * ```ts
 * const buckets = new PriorityBuckets<string>(4);
 * buckets.offer('low', 1);
 * buckets.offer('high', 200);
 * buckets.poll(); // 'high'
 * ```
 */
export class PriorityBuckets<T> {
  readonly capacity: number;
  #size = 0;
  readonly #trackAge: boolean;
  /** Single-level mode: the items (all at `#singleLevel`), allocated on the first offer. */
  #single: Fifo<T> | undefined;
  #singleStamps: Fifo<number> | undefined;
  #singleLevel = NONE;
  /** Multi-level mode, entered for good on the first item of a second level. */
  #levels: (Fifo<T> | undefined)[] | undefined;
  #levelStamps: (Fifo<number> | undefined)[] | undefined;
  #nonEmpty: Uint32Array | undefined;

  constructor(capacity: number, trackAge = false) {
    this.capacity = capacity;
    this.#trackAge = trackAge;
  }

  get size(): number {
    return this.#size;
  }

  get isEmpty(): boolean {
    return this.#size === 0;
  }

  get isFull(): boolean {
    return this.#size === this.capacity;
  }

  /** Appends `item` at `priority` (an integer 0..255, unchecked). Returns false when full. */
  offer(item: T, priority: number): boolean {
    if (this.#size === this.capacity) return false;
    const levels = this.#levels;
    if (levels === undefined) {
      if (this.#size === 0 || priority === this.#singleLevel) {
        this.#singleLevel = priority;
        (this.#single ??= new Fifo<T>()).push(item);
        if (this.#trackAge) (this.#singleStamps ??= new Fifo<number>()).push(performance.now());
        this.#size++;
        return true;
      }
      return this.#offerMulti(item, priority, this.#enterMultiLevel());
    }
    return this.#offerMulti(item, priority, levels);
  }

  /** Removes and returns the oldest item of the highest non-empty level. */
  poll(): T | undefined {
    if (this.#size === 0) return undefined;
    if (this.#levels === undefined) {
      this.#size--;
      this.#singleStamps?.shift();
      return this.#single!.shift();
    }
    return this.#take(this.#highestLevel());
  }

  /** Removes and returns the oldest item of the lowest non-empty level (the `dropOldest` victim). */
  pollLowest(): T | undefined {
    if (this.#size === 0) return undefined;
    if (this.#levels === undefined) return this.poll();
    return this.#take(this.#lowestLevel());
  }

  /** When the item `poll` would return next was offered (performance.now), or NaN (empty or untracked). */
  peekEnqueuedAt(): number {
    if (this.#size === 0 || !this.#trackAge) return NaN;
    const stamps = this.#levels === undefined ? this.#singleStamps : this.#levelStamps![this.#highestLevel()];
    return stamps!.peek()!;
  }

  /** The level `poll` would serve next, or -1 when empty. */
  peekPriority(): number {
    if (this.#size === 0) return NONE;
    return this.#levels === undefined ? this.#singleLevel : this.#highestLevel();
  }

  /** The level `pollLowest` would take from, or -1 when empty. */
  peekLowestPriority(): number {
    if (this.#size === 0) return NONE;
    return this.#levels === undefined ? this.#singleLevel : this.#lowestLevel();
  }

  /** Removes every item, in the order `poll` would return them. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#size > 0) out.push(this.poll() as T);
    return out;
  }

  #enterMultiLevel(): (Fifo<T> | undefined)[] {
    const levels = new Array<Fifo<T> | undefined>(LEVELS);
    this.#nonEmpty = new Uint32Array(LEVELS / 32);
    if (this.#trackAge) this.#levelStamps = new Array<Fifo<number> | undefined>(LEVELS);
    const level = this.#singleLevel;
    levels[level] = this.#single;
    if (this.#trackAge) this.#levelStamps![level] = this.#singleStamps;
    this.#nonEmpty[level >>> 5]! |= 1 << (level & 31);
    this.#single = undefined;
    this.#singleStamps = undefined;
    this.#levels = levels;
    return levels;
  }

  #offerMulti(item: T, priority: number, levels: (Fifo<T> | undefined)[]): boolean {
    (levels[priority] ??= new Fifo<T>()).push(item);
    if (this.#trackAge) (this.#levelStamps![priority] ??= new Fifo<number>()).push(performance.now());
    this.#nonEmpty![priority >>> 5]! |= 1 << (priority & 31);
    this.#size++;
    return true;
  }

  #highestLevel(): number {
    const words = this.#nonEmpty!;
    for (let word = words.length - 1; word >= 0; word--) {
      const bits = words[word]!;
      if (bits !== 0) return (word << 5) + 31 - Math.clz32(bits);
    }
    return NONE;
  }

  #lowestLevel(): number {
    const words = this.#nonEmpty!;
    for (let word = 0; word < words.length; word++) {
      const bits = words[word]!;
      if (bits !== 0) return (word << 5) + 31 - Math.clz32(bits & -bits);
    }
    return NONE;
  }

  #take(level: number): T {
    const fifo = this.#levels![level]!;
    const item = fifo.shift() as T;
    if (this.#trackAge) this.#levelStamps![level]!.shift();
    if (fifo.size === 0) this.#nonEmpty![level >>> 5]! &= ~(1 << (level & 31));
    this.#size--;
    return item;
  }
}
