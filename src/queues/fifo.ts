/**
 * A growable FIFO on a power-of-two circular array: `push` and `shift` are O(1) and allocate only
 * when the array doubles. Storage starts small, so an idle queue costs a few words, not its
 * capacity. Used for the priority levels of a mailbox and for its waiter lists.
 *
 * @example
 * ```ts
 * const fifo = new Fifo<string>();
 * fifo.push('a');
 * fifo.push('b');
 * fifo.shift(); // 'a'
 * ```
 */
export class Fifo<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(initialSlots = 4) {
    this.#items = new Array<T | undefined>(initialSlots);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    let items = this.#items;
    if (this.#size === items.length) items = this.#grow();
    items[(this.#head + this.#size) & (items.length - 1)] = item;
    this.#size++;
  }

  /** Removes and returns the oldest item; `undefined` when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const head = this.#head;
    const item = items[head];
    items[head] = undefined;
    this.#head = (head + 1) & (items.length - 1);
    this.#size--;
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** The item `index` places behind the oldest (0 = oldest); unchecked. */
  at(index: number): T {
    return this.#items[(this.#head + index) & (this.#items.length - 1)] as T;
  }

  /** Keeps the items `keep` accepts, in order; O(size). Returns how many were removed. */
  retain(keep: (item: T) => boolean): number {
    const size = this.#size;
    let kept = 0;
    for (let index = 0; index < size; index++) {
      const item = this.at(index);
      if (keep(item)) {
        this.#items[(this.#head + kept) & (this.#items.length - 1)] = item;
        kept++;
      }
    }
    for (let index = kept; index < size; index++)
      this.#items[(this.#head + index) & (this.#items.length - 1)] = undefined;
    this.#size = kept;
    return size - kept;
  }

  /** Removes every item and returns them oldest first. */
  drain(): T[] {
    const out = new Array<T>(this.#size);
    for (let index = 0; index < out.length; index++) out[index] = this.at(index);
    this.#items.fill(undefined);
    this.#head = 0;
    this.#size = 0;
    return out;
  }

  #grow(): (T | undefined)[] {
    const old = this.#items;
    const grown = new Array<T | undefined>(Math.max(4, old.length * 2));
    for (let index = 0; index < this.#size; index++)
      grown[index] = old[(this.#head + index) & (old.length - 1)];
    this.#items = grown;
    this.#head = 0;
    return grown;
  }
}
