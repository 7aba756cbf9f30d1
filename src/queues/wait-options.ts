import { InvalidArgumentError, TimeoutError, describeValue } from '../errors.js';

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

/** What {@link boundedWait} hands the code that registers a waiter. */
export interface WaitHandle<T> {
  /** Ends the wait with `value` (cleans up the timer and signal listener). */
  readonly resolve: (value: T) => void;
  /** Ends the wait with `error`. */
  readonly reject: (error: unknown) => void;
}

/**
 * One promise bounded by `{ timeout, signal }`: `register` installs the waiter (and returns how to
 * remove it); the wait ends with the first of `handle.resolve`, `handle.reject`, the timeout
 * (`TimeoutError(operation, timeout, subject)`) or the signal (`signal.reason`). The timer and the
 * abort listener are always removed, so nothing is left behind.
 *
 * @example
 * ```ts
 * return boundedWait(options, 'waitActive', kernelId, (handle) => {
 *   waiters.push(handle);
 *   return () => waiters.splice(waiters.indexOf(handle), 1);
 * });
 * ```
 */
export function boundedWait<T>(
  options: WaitOptions | undefined,
  operation: string,
  subject: string,
  register: (handle: WaitHandle<T>) => () => void,
): Promise<T> {
  const signal = options?.signal;
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  let deadline: number;
  try {
    deadline = deadlineOf(options?.timeout);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    let unregister: (() => void) | undefined;
    const finish = () => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      unregister?.();
    };
    const handle: WaitHandle<T> = {
      resolve: (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      reject: (error) => {
        if (settled) return;
        finish();
        reject(error);
      },
    };
    const onAbort = () => handle.reject(signal!.reason);
    if (deadline !== Infinity) {
      timer = setTimeout(
        () => handle.reject(new TimeoutError(operation, options!.timeout!, subject)),
        deadline - performance.now(),
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const remove = register(handle);
    if (settled) remove();
    else unregister = remove;
  });
}
