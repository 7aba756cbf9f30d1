import assert from 'node:assert/strict';
import type { RingKernelRuntime, RuntimeEventMap, RuntimeEventName } from '../../src/runtime/index.js';
import { defineMessage, field, type MessageOf } from '../../src/messages/index.js';

/** Test input: `n` identifies it, `text` carries whatever the test wants. */
export const Ping = defineMessage('RuntimeTestPing', {
  n: field.i32({ default: 0 }),
  text: field.string({ default: '' }),
});
export type Ping = MessageOf<typeof Ping>;

/** Test output. */
export const Pong = defineMessage('RuntimeTestPong', {
  n: field.i32({ default: 0 }),
  text: field.string({ default: '' }),
});
export type Pong = MessageOf<typeof Pong>;

/** A bound for waits that only expire when the behaviour under test is broken. */
export const PATIENCE_MS = 10_000;

/** Resolves with the first event `name` that satisfies `accept`. */
export function nextEvent<Name extends RuntimeEventName>(
  runtime: RingKernelRuntime,
  name: Name,
  accept: (event: RuntimeEventMap[Name]) => boolean = () => true,
): Promise<RuntimeEventMap[Name]> {
  return new Promise((resolve) => {
    const off = runtime.on(name, (event) => {
      if (!accept(event)) return;
      off();
      resolve(event);
    });
  });
}

/**
 * Resolves once every microtask queued so far, and everything they queue, has run (a macrotask runs
 * only when the microtask queue is empty): event-loop kernels are then parked in their next wait.
 */
export async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** A promise with its resolve function, for kernels that wait on the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

export function asPong(message: unknown): Pong {
  assert.ok(Pong.is(message), 'expected a RuntimeTestPong');
  return message;
}

/** Rejection value of `promise`; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  );
}
