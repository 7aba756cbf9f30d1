import type { Message } from '../messages/types.js';
import type { DropReason } from '../queues/mailbox.js';
import type { KernelState } from './kernel-state.js';
import type { DeadLetter } from './dead-letters.js';
import type { TerminationReport } from './termination-report.js';

/** The events a runtime emits, by name. */
export interface RuntimeEventMap {
  /** A kernel changed state (`from` is undefined at launch). */
  stateChange: {
    readonly kernelId: string;
    readonly from: KernelState | undefined;
    readonly to: KernelState;
  };
  /** A message was dropped by backpressure `dropOldest` / `dropNewest`. */
  dropped: {
    readonly kernelId: string;
    readonly queue: 'input' | 'output';
    readonly message: Message;
    readonly reason: DropReason;
  };
  /** A send was refused (backpressure `reject`). */
  rejected: {
    readonly kernelId: string;
    readonly queue: 'input' | 'output';
    readonly message: Message;
    readonly error: Error;
  };
  /** A kernel crashed (`fatal`) or reported an error it handled (`ctx.reportError`). */
  kernelError: { readonly kernelId: string; readonly error: unknown; readonly fatal: boolean };
  /** A kernel was terminated; the report lists what it left behind. */
  terminated: TerminationReport;
  /** A supervised kernel is about to be restarted after `delayMs`. */
  kernelRestart: {
    readonly kernelId: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: unknown;
    readonly group?: string | undefined;
  };
  /** Restart intensity was exceeded: the kernel stays `failed`. */
  escalated: { readonly kernelId: string; readonly error: unknown; readonly group?: string | undefined };
  /** A message went to the dead-letter queue. */
  deadLetter: DeadLetter;
  /** The watchdog saw queued messages and no progress for `stallMs`. */
  unhealthy: { readonly kernelId: string; readonly queued: number; readonly stalledMs: number };
  /** A kernel the watchdog marked unhealthy made progress again. */
  healthy: { readonly kernelId: string };
  /** A send was dropped as a repeat of a recent messageId. */
  duplicate: { readonly kernelId: string; readonly message: Message };
}

/** The names of the runtime's events (`runtime.on(name, listener)`). */
export type RuntimeEventName = keyof RuntimeEventMap;
/** A listener of the runtime event `Name`. */
export type RuntimeListener<Name extends RuntimeEventName> = (event: RuntimeEventMap[Name]) => void;

/**
 * A small typed event emitter (the core avoids `node:events` so it runs in browsers too).
 * Emitting with no listeners costs one array-length check. A listener that throws does not
 * disturb the runtime: the error is rethrown on a fresh task, like an uncaught exception.
 */
export class RuntimeEvents {
  readonly #listeners: { [Name in RuntimeEventName]?: RuntimeListener<Name>[] } = {};

  /** Adds a listener; returns a function that removes it. */
  on<Name extends RuntimeEventName>(name: Name, listener: RuntimeListener<Name>): () => void {
    const list = (this.#listeners[name] ??= []) as RuntimeListener<Name>[];
    list.push(listener);
    return () => this.off(name, listener);
  }

  off<Name extends RuntimeEventName>(name: Name, listener: RuntimeListener<Name>): void {
    const list = this.#listeners[name];
    const index = list?.indexOf(listener) ?? -1;
    if (index >= 0) list!.splice(index, 1);
  }

  /** True when `name` has a listener: check it before building an event object on a hot path. */
  has(name: RuntimeEventName): boolean {
    const list = this.#listeners[name];
    return list !== undefined && list.length !== 0;
  }

  emit<Name extends RuntimeEventName>(name: Name, event: RuntimeEventMap[Name]): void {
    const list = this.#listeners[name];
    if (list === undefined || list.length === 0) return;
    for (const listener of [...list]) {
      try {
        listener(event);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}
