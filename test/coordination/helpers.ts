import { defineMessage, field, type MessageOf } from '../../src/messages/index.js';
import type { RingKernelRuntime, RuntimeEventMap, RuntimeEventName } from '../../src/runtime/index.js';

export const Job = defineMessage('CoordinationJob', {
  n: field.i32({ default: 0 }),
  action: field.string({ default: 'work' }),
  key: field.string({ default: '' }),
});
export type Job = MessageOf<typeof Job>;

export const Done = defineMessage('CoordinationDone', {
  n: field.i32({ default: 0 }),
  by: field.string({ default: '' }),
});
export type Done = MessageOf<typeof Done>;

/** Resolves with the `count`-th event `name` that passes `accept` (all of them, in order). */
export function events<Name extends RuntimeEventName>(
  runtime: RingKernelRuntime,
  name: Name,
  count: number,
  accept: (event: RuntimeEventMap[Name]) => boolean = () => true,
): Promise<RuntimeEventMap[Name][]> {
  return new Promise((resolve) => {
    const seen: RuntimeEventMap[Name][] = [];
    const off = runtime.on(name, (event) => {
      if (!accept(event)) return;
      seen.push(event);
      if (seen.length === count) {
        off();
        resolve(seen);
      }
    });
  });
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}
