/**
 * Remembers the last `size` message ids (a Set plus a ring of insertion order), for duplicate
 * suppression: O(1) per check, no allocation once full beyond the Set's own entries.
 */
export class RecentIds {
  readonly #ring: (string | undefined)[];
  readonly #seen = new Set<string>();
  #next = 0;

  constructor(size: number) {
    this.#ring = new Array<string | undefined>(size).fill(undefined);
  }

  /** Records `id`; returns true when it was already among the recent ids. */
  checkAndAdd(id: string): boolean {
    if (this.#seen.has(id)) return true;
    const evicted = this.#ring[this.#next];
    if (evicted !== undefined) this.#seen.delete(evicted);
    this.#ring[this.#next] = id;
    this.#seen.add(id);
    this.#next = (this.#next + 1) % this.#ring.length;
    return false;
  }
}
