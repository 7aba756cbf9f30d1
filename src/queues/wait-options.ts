import { InvalidArgumentError, describeValue } from '../errors.js';

/** Bounds a blocking call. Both may be given; whichever comes first ends the wait. */
export interface WaitOptions {
  /** Milliseconds to wait before rejecting with `TimeoutError`. Omitted: wait without limit. */
  readonly timeout?: number | undefined;
  /** Rejects with `signal.reason` when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** Returns the absolute deadline (performance.now() clock) for `timeout`, or Infinity. */
export function deadlineOf(timeout: number | undefined): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw new InvalidArgumentError(
      `timeout must be a number of milliseconds >= 0 (or omitted to wait forever); got ${describeValue(timeout)}`,
    );
  }
  return performance.now() + timeout;
}
