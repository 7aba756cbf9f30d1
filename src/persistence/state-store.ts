/**
 * Where durable kernel state is kept. `save` must be atomic: after a crash at any moment, `load`
 * returns either the previous snapshot or the new one, never a mix.
 */
export interface StateStore {
  /** The bytes saved under `key`, or undefined. */
  load(key: string): Promise<Uint8Array | undefined>;
  /** Replaces what is saved under `key` (atomically: a reader sees the old or the new bytes). */
  save(key: string, bytes: Uint8Array): Promise<void>;
  /** Forgets `key` (no error when absent). */
  delete(key: string): Promise<void>;
}

/**
 * A store in memory (tests, or state that must survive restarts but not the process).
 *
 * @example
 * ```ts
 * const store = new MemoryStateStore();
 * ```
 */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, Uint8Array>();

  load(key: string): Promise<Uint8Array | undefined> {
    const bytes = this.#entries.get(key);
    return Promise.resolve(bytes === undefined ? undefined : bytes.slice());
  }

  save(key: string, bytes: Uint8Array): Promise<void> {
    this.#entries.set(key, bytes.slice());
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }
}
