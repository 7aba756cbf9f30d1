/**
 * Bounds for waits in tests: a regression must fail the test with a message, never hang it.
 */

/** A bound for waits that only expire when the behaviour under test is broken. */
export const PATIENCE_MS = 10_000;

/** Resolves like `promise`, or rejects naming `what` if it has not settled within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = PATIENCE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Checks `condition` once per macrotask (setImmediate) until it holds; rejects naming `what` after
 * `ms`. For states that no event announces; prefer awaiting an event where there is one.
 */
export async function pollUntil(condition: () => boolean, what: string, ms = PATIENCE_MS): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
