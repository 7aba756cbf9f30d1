const LEVELS = 256;
const NONE = -1;

/**
 * A bounded priority queue of 256 levels (higher level served first), FIFO within a level.
 *
 * All storage is preallocated: one slot array shared by every level, intrusive singly linked lists
 * per level, a free list, and a 256-bit bitmap of non-empty levels, so `offer`, `poll` and
 * `pollLowest` are O(1) and allocate nothing.
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
  readonly #items: (T | undefined)[];
  readonly #next: Int32Array;
  readonly #heads = new Int32Array(LEVELS).fill(NONE);
  readonly #tails = new Int32Array(LEVELS).fill(NONE);
  readonly #nonEmpty = new Uint32Array(LEVELS / 32);
  #free: number;
  /** Enqueue times (performance.now) per slot, only when ages are tracked (message TTL). */
  readonly #stamps: Float64Array | undefined;

  constructor(capacity: number, trackAge = false) {
    this.capacity = capacity;
    this.#stamps = trackAge ? new Float64Array(capacity) : undefined;
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
    this.#next = new Int32Array(capacity);
    for (let slot = 0; slot < capacity; slot++) this.#next[slot] = slot + 1 < capacity ? slot + 1 : NONE;
    this.#free = capacity > 0 ? 0 : NONE;
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
    const slot = this.#free;
    if (slot === NONE) return false;
    const next = this.#next;
    this.#free = next[slot]!;
    this.#items[slot] = item;
    if (this.#stamps !== undefined) this.#stamps[slot] = performance.now();
    next[slot] = NONE;
    const tail = this.#tails[priority]!;
    if (tail === NONE) {
      this.#heads[priority] = slot;
      this.#nonEmpty[priority >>> 5]! |= 1 << (priority & 31);
    } else {
      next[tail] = slot;
    }
    this.#tails[priority] = slot;
    this.#size++;
    return true;
  }

  /** Removes and returns the oldest item of the highest non-empty level. */
  poll(): T | undefined {
    if (this.#size === 0) return undefined;
    return this.#take(this.#highestLevel());
  }

  /** Removes and returns the oldest item of the lowest non-empty level (the `dropOldest` victim). */
  pollLowest(): T | undefined {
    if (this.#size === 0) return undefined;
    return this.#take(this.#lowestLevel());
  }

  /** When the item `poll` would return next was offered (performance.now), or NaN (empty or untracked). */
  peekEnqueuedAt(): number {
    if (this.#size === 0 || this.#stamps === undefined) return NaN;
    return this.#stamps[this.#heads[this.#highestLevel()]!]!;
  }

  /** The level `poll` would serve next, or -1 when empty. */
  peekPriority(): number {
    return this.#size === 0 ? -1 : this.#highestLevel();
  }

  /** The level `pollLowest` would take from, or -1 when empty. */
  peekLowestPriority(): number {
    return this.#size === 0 ? -1 : this.#lowestLevel();
  }

  /** Removes every item, in the order `poll` would return them. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.poll(); item !== undefined || this.#size > 0; item = this.poll())
      out.push(item as T);
    return out;
  }

  #highestLevel(): number {
    const words = this.#nonEmpty;
    for (let word = words.length - 1; word >= 0; word--) {
      const bits = words[word]!;
      if (bits !== 0) return (word << 5) + 31 - Math.clz32(bits);
    }
    return NONE;
  }

  #lowestLevel(): number {
    const words = this.#nonEmpty;
    for (let word = 0; word < words.length; word++) {
      const bits = words[word]!;
      if (bits !== 0) return (word << 5) + 31 - Math.clz32(bits & -bits);
    }
    return NONE;
  }

  #take(level: number): T {
    const slot = this.#heads[level]!;
    const next = this.#next;
    const following = next[slot]!;
    this.#heads[level] = following;
    if (following === NONE) {
      this.#tails[level] = NONE;
      this.#nonEmpty[level >>> 5]! &= ~(1 << (level & 31));
    }
    const item = this.#items[slot] as T;
    this.#items[slot] = undefined;
    next[slot] = this.#free;
    this.#free = slot;
    this.#size--;
    return item;
  }
}
