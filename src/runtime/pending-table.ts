/**
 * Requests waiting for their reply, by request id: an open-addressing table (linear probing,
 * deletion by backward shift) that keeps its
 * capacity. A `Map` used this way (a thousand requests in flight, then none, again and again)
 * reallocates its backing store as it grows and shrinks every burst; the garbage and the copying
 * showed up as promoted objects and full collections on the request path. Ids are UUIDs, whose
 * first eight hex digits are random: they index the table directly (other strings are hashed).
 */
export class PendingTable<V> {
  #keys: (string | undefined)[];
  #values: (V | undefined)[];
  #mask: number;
  #size = 0;

  constructor(capacity = 8) {
    this.#keys = new Array<string | undefined>(capacity);
    this.#values = new Array<V | undefined>(capacity);
    this.#mask = capacity - 1;
  }

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let slot = slotOf(key) & mask; ; slot = (slot + 1) & mask) {
      const found = keys[slot];
      if (found === undefined) return undefined;
      if (found === key) return this.#values[slot];
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `key` unless it is present (one probe run for both); false when it was. */
  insertIfAbsent(key: string, value: V): boolean {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    const mask = this.#mask;
    let slot = slotOf(key) & mask;
    for (let found = keys[slot]; found !== undefined; found = keys[slot]) {
      if (found === key) return false;
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    this.#values[slot] = value;
    this.#size++;
    return true;
  }

  /** Adds `key` (not present: check with {@link has} first). Grows to stay at most half full. */
  set(key: string, value: V): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    const mask = this.#mask;
    let slot = slotOf(key) & mask;
    while (keys[slot] !== undefined) slot = (slot + 1) & mask;
    keys[slot] = key;
    this.#values[slot] = value;
    this.#size++;
  }

  /** Removes `key` and returns its value, or undefined when absent. */
  take(key: string): V | undefined {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let slot = slotOf(key) & mask; ; slot = (slot + 1) & mask) {
      const found = keys[slot];
      if (found === undefined) return undefined;
      if (found === key) {
        const value = this.#values[slot];
        this.#removeAt(slot);
        return value;
      }
    }
  }

  /** Removes `key` only if it maps to `value`. */
  deleteIf(key: string, value: V): void {
    if (this.get(key) === value) this.take(key);
  }

  /** The entries as `[key, value]`, in no particular order (a copy: safe to delete while walking it). */
  entries(): [string, V][] {
    const out: [string, V][] = [];
    const keys = this.#keys;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (key !== undefined) out.push([key, this.#values[slot]!]);
    }
    return out;
  }

  /** The values, in no particular order. */
  values(): V[] {
    const out: V[] = [];
    const keys = this.#keys;
    for (let slot = 0; slot < keys.length; slot++)
      if (keys[slot] !== undefined) out.push(this.#values[slot]!);
    return out;
  }

  /**
   * Empties `slot` and shifts the rest of its probe run back (linear probing without tombstones):
   * deleting leaves nothing behind, so churn never forces a rebuild.
   */
  #removeAt(slot: number): void {
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    let hole = slot;
    let next = (hole + 1) & mask;
    while (keys[next] !== undefined) {
      const home = slotOf(keys[next]!) & mask;
      // Move the entry back into the hole unless its home lies cyclically in (hole, next].
      if ((next > hole && (home <= hole || home > next)) || (next < hole && home <= hole && home > next)) {
        keys[hole] = keys[next];
        values[hole] = values[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    keys[hole] = undefined;
    values[hole] = undefined;
    this.#size--;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const capacity = oldKeys.length * 2;
    this.#keys = new Array<string | undefined>(capacity);
    this.#values = new Array<V | undefined>(capacity);
    this.#mask = capacity - 1;
    this.#size = 0;
    for (let slot = 0; slot < oldKeys.length; slot++) {
      const key = oldKeys[slot];
      if (key !== undefined) this.set(key, oldValues[slot]!);
    }
  }
}

const HEX = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** The first eight hex digits of a UUID as a 32-bit number; other strings get an FNV-1a hash. */
function slotOf(key: string): number {
  if (key.length >= 8) {
    let value = 0;
    for (let index = 0; index < 8; index++) {
      const code = key.charCodeAt(index);
      const digit = code < 128 ? HEX[code]! : -1;
      if (digit < 0) return fnv(key);
      value = (value << 4) | digit;
    }
    return value >>> 0;
  }
  return fnv(key);
}

function fnv(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
