import { InvalidArgumentError, describeValue } from '../errors.js';
import type { StateStore } from './state-store.js';

/** How a durable state value becomes bytes and back. Default: JSON (UTF-8). */
export interface StateSerializer<T> {
  /** The state as bytes for the store. */
  encode(value: T): Uint8Array;
  /** The state back from bytes `encode` made. */
  decode(bytes: Uint8Array): T;
}

/** Options of {@link durableState}. */
export interface DurableStateOptions<T> {
  readonly store: StateStore;
  /** Names the snapshot in the store (one per kernel, usually its id). */
  readonly key: string;
  /** The state when no snapshot exists yet. */
  readonly initial: () => T;
  /** Snapshot after this many `touch()` calls. Default: not by count. */
  readonly everyMessages?: number | undefined;
  /** Snapshot at most this often while changed (ms). Default: not by time. */
  readonly everyMs?: number | undefined;
  readonly serializer?: StateSerializer<T> | undefined;
  /**
   * Called with the error of each failed timer snapshot (`everyMs`). The changes stay pending and
   * the next tick tries again, so a transient failure heals by itself. Default: one
   * `console.warn` per distinct failure (same `code` and message count as one; a successful save
   * forgets it), never an exception: a failing store must not crash the process on every tick.
   * Errors of `snapshot()`, `touch()` and `close()` are not passed here: those calls reject.
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

const json: StateSerializer<unknown> = {
  encode: (value) => new TextEncoder().encode(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
};

/**
 * A kernel's state that survives restarts: loaded from the last snapshot at start, snapshotted
 * every N messages and/or every T ms while changed, and on `close()` / `await using` (shutdown).
 * A crash between snapshots loses the changes made since the last snapshot: at most
 * `everyMessages` messages (or `everyMs` of work).
 *
 * A failed save rejects the call that asked for it (`snapshot()`, `touch()`, `close()`) and
 * leaves the changes pending: the next snapshot calls `store.save` again (a failure never poisons
 * later snapshots). Failures of timer snapshots go to `onError` (see
 * {@link DurableStateOptions.onError}); {@link DurableState.lastError} holds the latest failure
 * until a save succeeds.
 *
 * @example
 * ```ts
 * const counter = ringKernel({ kernelId: 'counter', supervision: { restart: 'permanent' } }, async (ctx) => {
 *   await using state = await durableState({ store, key: ctx.kernelId, initial: () => ({ count: 0 }), everyMessages: 100 });
 *   for await (const request of ctx) {
 *     state.value.count += 1;
 *     await state.touch();
 *     await ctx.send(CounterResponse.reply(request, { count: state.value.count }));
 *   }
 * }); // leaving the block saves a final snapshot
 * ```
 */
export async function durableState<T>(options: DurableStateOptions<T>): Promise<DurableState<T>> {
  const serializer = (options.serializer ?? json) as StateSerializer<T>;
  const bytes = await options.store.load(options.key);
  const value = bytes === undefined ? options.initial() : serializer.decode(bytes);
  return new DurableState(options, serializer, value, bytes !== undefined);
}

/** Key of a failure for "report once per distinct failure": its `code` (if any) and message. */
function failureKey(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? code : ''}\u0000${error.name}\u0000${error.message}`;
  }
  return `\u0000${String(error)}`;
}

/**
 * The value and snapshot schedule returned by {@link durableState}. Use it with `await using` (or
 * call {@link DurableState.close}) so that leaving the kernel saves a final snapshot.
 */
export class DurableState<T> implements AsyncDisposable {
  /** The live state: mutate it, then call `touch()`. */
  value: T;
  /** True when the value came from a snapshot. */
  readonly restored: boolean;
  readonly #options: DurableStateOptions<T>;
  readonly #serializer: StateSerializer<T>;
  #changes = 0;
  #snapshots = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The tail of the save queue; never rejects (each caller gets its own save's outcome). */
  #saving: Promise<void> = Promise.resolve();
  #timerSnapshotRunning = false;
  /** Failure keys already reported by the default `onError` since the last successful save. */
  readonly #reported = new Set<string>();
  #lastError: unknown = undefined;
  #failed = false;
  #closed = false;

  constructor(options: DurableStateOptions<T>, serializer: StateSerializer<T>, value: T, restored: boolean) {
    const { everyMessages, everyMs } = options;
    if (everyMessages !== undefined && !(Number.isInteger(everyMessages) && everyMessages >= 1)) {
      throw new InvalidArgumentError(
        `everyMessages must be an integer >= 1; got ${describeValue(everyMessages)}`,
      );
    }
    if (everyMs !== undefined && !(typeof everyMs === 'number' && everyMs > 0)) {
      throw new InvalidArgumentError(`everyMs must be a number of ms > 0; got ${describeValue(everyMs)}`);
    }
    this.#options = options;
    this.#serializer = serializer;
    this.value = value;
    this.restored = restored;
    if (everyMs !== undefined) {
      const onError = options.onError ?? ((error: unknown) => this.#warnOnce(error));
      this.#timer = setInterval(() => {
        // A slow store must not pile up one snapshot per tick: skip ticks while one is running.
        if (this.#changes === 0 || this.#timerSnapshotRunning) return;
        this.#timerSnapshotRunning = true;
        this.snapshot()
          .catch(onError)
          .finally(() => {
            this.#timerSnapshotRunning = false;
          });
      }, everyMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  #warnOnce(error: unknown): void {
    const key = failureKey(error);
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    console.warn(
      `ringkernel: durable state '${this.#options.key}': snapshot failed; the changes stay pending ` +
        'and the next tick retries (this failure is reported once until a save succeeds; pass ' +
        'onError to handle it yourself):',
      error,
    );
  }

  /** Changes since the last snapshot. */
  get pendingChanges(): number {
    return this.#changes;
  }

  /** Snapshots written so far. */
  get snapshots(): number {
    return this.#snapshots;
  }

  /** Records one change (one message handled); snapshots when `everyMessages` is reached. */
  touch(): Promise<void> {
    this.#changes++;
    const every = this.#options.everyMessages;
    return every !== undefined && this.#changes >= every ? this.snapshot() : Promise.resolve();
  }

  /** The error of the latest failed save, or `undefined` once a save succeeded (or none failed). */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * Writes the current value now (after any snapshot in progress). Rejects with the store's error
   * if this save fails; the changes then stay pending and the next snapshot tries again.
   */
  snapshot(): Promise<void> {
    const changes = this.#changes;
    let bytes: Uint8Array;
    try {
      bytes = this.#serializer.encode(this.value);
    } catch (error) {
      return Promise.reject(error);
    }
    const save = async () => {
      try {
        await this.#options.store.save(this.#options.key, bytes);
      } catch (error) {
        this.#lastError = error;
        this.#failed = true;
        throw error;
      }
      this.#lastError = undefined;
      this.#failed = false;
      this.#reported.clear();
      this.#snapshots++;
      this.#changes -= Math.min(this.#changes, changes);
    };
    const result = this.#saving.then(save);
    // The queue waits for this save but does not inherit its failure.
    this.#saving = result.catch(() => undefined);
    return result;
  }

  /**
   * Final snapshot and stop the timer (the "save on shutdown" step). If the final save fails, the
   * returned promise rejects and calling `close()` again retries it; once it succeeded, further
   * calls resolve at once.
   */
  async close(): Promise<void> {
    if (this.#closed && !this.#failed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.snapshot();
  }

  /** Closes the state (saving what is pending): `await using state = await durableState({ ... })`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
