/** What identifies a compiled kernel: its full source, the compile options, and the device. */
export interface CompileKey {
  readonly source: string;
  /** Options that change the compiled result (entry point, workgroup size, constants...), serialised stably. */
  readonly options: string;
  /** The backend instance id (a compiled pipeline belongs to one device). */
  readonly device: string;
}

/** Counters of a {@link CompileCache}. */
export interface CompileCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Compilations that failed (they are not cached, so a fixed source compiles again). */
  readonly failures: number;
  readonly entries: number;
}

/**
 * Memoises compilations keyed by source + options + device, so each kernel compiles once per
 * device and dtype specialisation. Concurrent requests for the same key share one compilation.
 *
 * @example
 * ```ts
 * const cache = new CompileCache();
 * const compute = await createOrchestrator({ backend: 'webgpu', compileCache: cache });
 * await compute.run(kernel, args);
 * await compute.run(kernel, args);
 * cache.stats(); // { hits: 1, misses: 1, ... }
 * ```
 */
export class CompileCache {
  readonly #entries = new Map<string, Promise<unknown>>();
  #hits = 0;
  #misses = 0;
  #failures = 0;

  /** The cached result for `key`, or the result of `compile()` (stored for next time unless it rejects). */
  getOrCompile<T>(key: CompileKey, compile: () => Promise<T>): Promise<T> {
    const id = `${key.device}\u0000${key.options}\u0000${key.source}`;
    const cached = this.#entries.get(id);
    if (cached !== undefined) {
      this.#hits++;
      return cached as Promise<T>;
    }
    this.#misses++;
    const pending = compile();
    this.#entries.set(id, pending);
    pending.catch(() => {
      this.#failures++;
      if (this.#entries.get(id) === pending) this.#entries.delete(id);
    });
    return pending;
  }

  /** Hits, misses, failures and entries so far. */
  stats(): CompileCacheStats {
    return { hits: this.#hits, misses: this.#misses, failures: this.#failures, entries: this.#entries.size };
  }

  /** Forgets every entry whose device is `device` (all entries when omitted). */
  clear(device?: string): void {
    if (device === undefined) {
      this.#entries.clear();
      return;
    }
    for (const id of this.#entries.keys()) if (id.startsWith(`${device}\u0000`)) this.#entries.delete(id);
  }
}
