import { InvalidArgumentError, TimeoutError, describeValue } from '../errors.js';

/** Bounds a blocking call. Both may be given; whichever comes first ends the wait. */
export interface WaitOptions {
  /** Milliseconds to wait before rejecting with `TimeoutError`. Omitted: wait without limit. */
  readonly timeout?: number | undefined;
  /** Rejects with `signal.reason` when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Why `options` is not a valid `{ timeout, signal }` (an `InvalidArgumentError` naming `operation`),
 * or undefined when it is. Checked where a call starts, so a bad option fails at once and not only
 * when the call would have had to wait.
 */
export function invalidWaitOptions(options: unknown, operation: string): InvalidArgumentError | undefined {
  if (typeof options !== 'object' || options === null)
    return new InvalidArgumentError(
      `${operation} options must be an object like { timeout, signal }; got ${describeValue(options)}`,
    );
  const { timeout, signal } = options as WaitOptions;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0))
    return new InvalidArgumentError(
      `${operation}: timeout must be a number of milliseconds >= 0 (Infinity to wait forever); got ${describeValue(timeout)}`,
    );
  if (
    signal !== undefined &&
    !(
      typeof signal === 'object' &&
      signal !== null &&
      typeof signal.aborted === 'boolean' &&
      'reason' in signal
    )
  )
    return new InvalidArgumentError(
      `${operation}: signal must be an AbortSignal (new AbortController().signal); got ${describeValue(signal)}`,
    );
  return undefined;
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

/**
 * One promise bounded by `{ timeout, signal }`. `register(resolve, reject)` installs the waiter and
 * returns how to remove it; that removal runs only when the timeout (`TimeoutError(operation,
 * timeout, subject)`) or the signal (`signal.reason`) ends the wait first: a waiter settled through
 * `resolve`/`reject` cleans up after itself. The timer and the abort listener are always removed,
 * and without a timeout or signal nothing but the promise is allocated (this is on the request path).
 *
 * @example
 * ```ts
 * return boundedWait(options, 'waitActive', kernelId, (resolve) => {
 *   waiters.push(resolve);
 *   return () => waiters.splice(waiters.indexOf(resolve), 1);
 * });
 * ```
 */
export function boundedWait<T>(
  options: WaitOptions | undefined,
  operation: string,
  subject: string,
  register: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  const signal = options?.signal;
  const timeout = options?.timeout;
  if (signal === undefined && timeout === undefined) {
    return new Promise<T>((resolve, reject) => void register(resolve, reject));
  }
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  let deadline: number;
  try {
    deadline = deadlineOf(timeout);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const detach = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const unregister = register(
      (value) => {
        detach();
        resolve(value);
      },
      (error) => {
        detach();
        reject(error);
      },
    );
    const end = (error: unknown) => {
      detach();
      unregister();
      reject(error);
    };
    const onAbort = () => end(signal!.reason);
    if (deadline !== Infinity) {
      timer = setTimeout(
        () => end(new TimeoutError(operation, timeout!, subject)),
        deadline - performance.now(),
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
