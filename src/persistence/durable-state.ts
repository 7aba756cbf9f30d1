import { InvalidArgumentError, describeValue } from '../errors.js';
import type { StateStore } from './state-store.js';

/** How a durable state value becomes bytes and back. Default: JSON (UTF-8). */
export interface StateSerializer<T> {
  encode(value: T): Uint8Array;
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
  /** Called with snapshot errors from the timer (default: rethrown on a fresh task). */
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
  #saving: Promise<void> = Promise.resolve();
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
      this.#timer = setInterval(() => {
        if (this.#changes > 0) {
          this.snapshot().catch(
            options.onError ??
              ((error: unknown) => {
                setTimeout(() => {
                  throw error;
                }, 0);
              }),
          );
        }
      }, everyMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
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

  /** Writes the current value now (after any snapshot in progress). */
  snapshot(): Promise<void> {
    const changes = this.#changes;
    const bytes = this.#serializer.encode(this.value);
    this.#saving = this.#saving.then(async () => {
      await this.#options.store.save(this.#options.key, bytes);
      this.#snapshots++;
      this.#changes -= Math.min(this.#changes, changes);
    });
    return this.#saving;
  }

  /** Final snapshot and stop the timer (the "save on shutdown" step). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.snapshot();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
