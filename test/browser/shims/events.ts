/**
 * `node:events`' `getEventListeners` for a browser page, where an EventTarget's listeners cannot be
 * listed: {@link trackEventListeners} wraps `addEventListener` / `removeEventListener` (once and
 * signal-bound listeners included) so that the suites' "no listener is left behind" checks hold.
 */
type Listener = EventListenerOrEventListenerObject;
const registry = new WeakMap<EventTarget, Map<string, Map<Listener, Listener>>>();

function listenersOf(target: EventTarget, type: string): Map<Listener, Listener> {
  let byType = registry.get(target);
  if (byType === undefined) registry.set(target, (byType = new Map<string, Map<Listener, Listener>>()));
  let listeners = byType.get(type);
  if (listeners === undefined) byType.set(type, (listeners = new Map<Listener, Listener>()));
  return listeners;
}

/** Starts tracking listeners (call once, before the code under test adds any). */
export function trackEventListeners(): void {
  const prototype = EventTarget.prototype;
  // Re-bound with call() below: the originals run on the target they were called on.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const add = prototype.addEventListener;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const remove = prototype.removeEventListener;
  prototype.addEventListener = function (
    this: EventTarget,
    type: string,
    listener: Listener | null,
    options?: boolean | AddEventListenerOptions,
  ) {
    if (listener === null) return;
    const listeners = listenersOf(this, type);
    if (listeners.has(listener)) return;
    const once = typeof options === 'object' && options.once === true;
    const wrapped: Listener = once
      ? (event: Event) => {
          listeners.delete(listener);
          return typeof listener === 'function'
            ? listener.call(event.currentTarget, event)
            : listener.handleEvent(event);
        }
      : listener;
    listeners.set(listener, wrapped);
    const signal = typeof options === 'object' ? options.signal : undefined;
    if (signal !== undefined) add.call(signal, 'abort', () => listeners.delete(listener), { once: true });
    add.call(this, type, wrapped, options);
  };
  prototype.removeEventListener = function (
    this: EventTarget,
    type: string,
    listener: Listener | null,
    options?: boolean | EventListenerOptions,
  ) {
    if (listener === null) return;
    const listeners = listenersOf(this, type);
    const wrapped = listeners.get(listener);
    listeners.delete(listener);
    remove.call(this, type, wrapped ?? listener, options);
  };
}

export function getEventListeners(target: EventTarget, type: string): Listener[] {
  return [...(registry.get(target)?.get(type)?.keys() ?? [])];
}

export default { getEventListeners };
