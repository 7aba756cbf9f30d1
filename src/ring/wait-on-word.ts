/**
 * `Atomics.waitAsync` behind a small function, with a polling fallback for engines that lack it
 * (some browsers); the fallback keeps the same contract, only with coarser wake-up latency.
 */
import { isSharedMemory } from './memory.js';

export type WordWaitResult = 'ok' | 'not-equal' | 'timed-out';

type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

type WaitAsyncFunction = (
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs?: number,
) => WaitAsyncResult;

// The project's lib target (ES2023) predates the typing of Atomics.waitAsync.
const nativeWaitAsync = (Atomics as unknown as { waitAsync?: WaitAsyncFunction }).waitAsync;

/** Milliseconds between checks when the engine has no `Atomics.waitAsync`. */
const POLL_INTERVAL_MS = 1;

/**
 * Resolves when `view[index]` is notified, no longer equals `expected`, or `timeoutMs` passes.
 * Never rejects.
 */
export function waitOnWordAsync(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<WordWaitResult> {
  if (!isSharedMemory(view.buffer)) return waitOnLocalWord(view, index, expected, timeoutMs);
  if (nativeWaitAsync !== undefined) {
    const result = nativeWaitAsync(view, index, expected, timeoutMs);
    if (!result.async) return Promise.resolve(result.value);
    if (timeoutMs === Number.POSITIVE_INFINITY) return result.value;
    return holdEventLoop(result.value, timeoutMs);
  }
  return pollWord(view, index, expected, timeoutMs);
}

/**
 * Node does not count a pending `Atomics.waitAsync` as pending work, so a process whose only
 * activity is a finite wait would exit under it. A timer, as any timeout has, keeps it alive.
 */
function holdEventLoop(pending: Promise<'ok' | 'timed-out'>, timeoutMs: number): Promise<WordWaitResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    void pending.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** The fallback on its own (exported for tests: Node always has the native wait). */
export function pollWord(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<WordWaitResult> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (Atomics.load(view, index) !== expected) resolve('not-equal');
      else if (performance.now() >= deadline) resolve('timed-out');
      else setTimeout(check, POLL_INTERVAL_MS);
    };
    check();
  });
}

/** Validates a `{ timeout }` option: a non-negative number of milliseconds, `Infinity` for none. */
export function isValidTimeout(timeoutMs: number): boolean {
  return typeof timeoutMs === 'number' && timeoutMs >= 0 && !Number.isNaN(timeoutMs);
}

interface LocalWaiter {
  readonly view: Int32Array;
  readonly index: number;
  readonly expected: number;
  readonly resolve: (result: WordWaitResult) => void;
}

/** Waits on words of per-thread (mirrored) memory: no other thread can notify, so they are polled. */
const localWaiters = new Set<LocalWaiter>();

/**
 * Waits on a word of a plain ArrayBuffer (mirrored ring memory): `Atomics.waitAsync` needs shared
 * memory. Polled, and rechecked at once whenever a mirror applies the peer's changes
 * ({@link wakeLocalWaiters}).
 */
function waitOnLocalWord(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<WordWaitResult> {
  if (Atomics.load(view, index) !== expected) return Promise.resolve('not-equal');
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waiter: LocalWaiter = {
      view,
      index,
      expected,
      resolve: (result) => {
        localWaiters.delete(waiter);
        clearTimeout(timer);
        resolve(result);
      },
    };
    localWaiters.add(waiter);
    const check = (): void => {
      if (Atomics.load(view, index) !== expected) waiter.resolve('ok');
      else if (performance.now() >= deadline) waiter.resolve('timed-out');
      else timer = setTimeout(check, POLL_INTERVAL_MS);
    };
    timer = setTimeout(check, POLL_INTERVAL_MS);
  });
}

/**
 * Wakes every wait on per-thread memory (called after a mirror wrote the peer's changes). All of
 * them, not only those whose word changed: the peer's changes (an index, say) may be what a waiter
 * needs even when the peer did not ring its doorbell, because it could not yet see the waiter's
 * sleeping flag. Waiters recheck their condition, so an early wake-up costs one check.
 */
export function wakeLocalWaiters(): void {
  for (const waiter of localWaiters) waiter.resolve('ok');
}
