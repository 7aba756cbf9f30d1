import { TimeoutError } from '../errors.js';
import { KernelFailedError, KernelTerminatedError } from './errors.js';
import type { Message } from '../messages/types.js';
import { Mailbox } from '../queues/mailbox.js';
import { deadlineOf, type WaitOptions } from '../queues/wait-options.js';
import { KernelTelemetry } from '../telemetry/kernel-telemetry.js';
import type { RuntimeEvents } from './events.js';
import type { Inspector } from './inspect.js';
import type { KernelExecution, KernelOptions, KernelPort } from './kernel-port.js';
import type { KernelState } from './kernel-state.js';
import type { TerminationReport } from './termination-report.js';

const RESOLVED: Promise<void> = Promise.resolve();
const priorityOf = (message: Message): number => message.priority;

/** A `runtime.request` waiting for the output whose correlationId is its message's id. */
export interface PendingRequest {
  resolve(message: Message): void;
  reject(error: unknown): void;
}

/** Defaults applied to {@link KernelOptions}. */
export const defaultQueueSize = 4096;
export const defaultTerminateTimeout = 5000;

/**
 * Everything the runtime holds for one launched kernel: its queues, state, telemetry, pending
 * requests and execution. It is the {@link KernelPort} its code talks to.
 */
export class KernelRecord implements KernelPort {
  readonly kernelId: string;
  readonly options: KernelOptions;
  readonly input: Mailbox<Message>;
  readonly output: Mailbox<Message>;
  readonly telemetry: KernelTelemetry;
  readonly timing: boolean;
  readonly inspector: Inspector | undefined;
  readonly pending = new Map<string, PendingRequest>();
  readonly #abort = new AbortController();
  readonly #events: RuntimeEvents;
  #state: KernelState = 'launched';
  #activeWaiters: (() => void)[] = [];
  execution: KernelExecution | undefined;
  /** Set when the kernel failed: what it threw. */
  failure: unknown;
  termination: Promise<TerminationReport> | undefined;

  constructor(
    kernelId: string,
    options: KernelOptions,
    events: RuntimeEvents,
    timing: boolean,
    inspector?: Inspector,
  ) {
    this.kernelId = kernelId;
    this.inspector = inspector;
    this.options = options;
    this.#events = events;
    this.timing = timing;
    this.telemetry = new KernelTelemetry();
    const telemetry = this.telemetry;
    const queueSize = options.queueSize ?? defaultQueueSize;
    this.input = new Mailbox<Message>({
      name: `input queue of '${kernelId}'`,
      capacity: options.inputQueueSize ?? queueSize,
      backpressure: options.backpressure ?? 'block',
      priorityOf,
      observer: {
        dropped: (message, reason) => {
          telemetry.dropped++;
          events.emit('dropped', { kernelId, queue: 'input', message, reason });
        },
        rejected: (message, error) => {
          telemetry.rejected++;
          events.emit('rejected', { kernelId, queue: 'input', message, error });
        },
      },
    });
    this.output = new Mailbox<Message>({
      name: `output queue of '${kernelId}'`,
      capacity: options.outputQueueSize ?? queueSize,
      backpressure: options.outputBackpressure ?? 'block',
      priorityOf,
      observer: {
        dropped: (message, reason) => {
          telemetry.dropped++;
          events.emit('dropped', { kernelId, queue: 'output', message, reason });
        },
        rejected: (message, error) => {
          telemetry.rejected++;
          events.emit('rejected', { kernelId, queue: 'output', message, error });
        },
      },
    });
    this.input.takeable = false;
  }

  get state(): KernelState {
    return this.#state;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get terminateTimeout(): number {
    return this.options.terminateTimeout ?? defaultTerminateTimeout;
  }

  /** Moves to `state`, gating the input queue and waking `waitActive` as the state requires. */
  setState(state: KernelState): void {
    const from = this.#state;
    if (from === state) return;
    this.#state = state;
    this.input.takeable = state === 'active';
    if (state === 'active' || state === 'terminating' || state === 'terminated' || state === 'failed') {
      const waiters = this.#activeWaiters;
      this.#activeWaiters = [];
      for (const wake of waiters) wake();
    }
    this.execution?.stateChanged?.(state);
    this.#events.emit('stateChange', { kernelId: this.kernelId, from, to: state });
  }

  /** Signals termination to the kernel's code (the AbortSignal, and pending receives). */
  requestTermination(reason: Error): void {
    this.#abort.abort(reason);
  }

  emit(message: Message, options?: WaitOptions): Promise<void> {
    const state = this.#state;
    if (state === 'terminated' || state === 'failed') {
      return Promise.reject(
        state === 'failed'
          ? new KernelFailedError(this.kernelId, this.failure)
          : new KernelTerminatedError(this.kernelId),
      );
    }
    this.telemetry.sent++;
    if (this.pending.size !== 0) {
      const correlationId = message.correlationId;
      if (correlationId !== undefined) {
        const request = this.pending.get(correlationId);
        if (request !== undefined) {
          this.pending.delete(correlationId);
          if (this.inspector?.watchingMessages === true) this.inspector.sent(this.kernelId, message, true);
          request.resolve(message);
          return RESOLVED;
        }
      }
    }
    if (this.inspector?.watchingMessages === true) this.inspector.sent(this.kernelId, message, false);
    return this.output.offer(message, options);
  }

  waitActive(options?: WaitOptions): Promise<void> {
    const state = this.#state;
    if (state !== 'launched' && state !== 'deactivated') return RESOLVED;
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    let deadline: number;
    try {
      deadline = deadlineOf(options?.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.#activeWaiters.indexOf(wake);
        if (index >= 0) this.#activeWaiters.splice(index, 1);
      };
      const wake = () => {
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(signal!.reason);
      };
      if (deadline !== Infinity) {
        timer = setTimeout(() => {
          cleanup();
          reject(new TimeoutError('waitActive', options!.timeout!, this.kernelId));
        }, deadline - performance.now());
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#activeWaiters.push(wake);
    });
  }

  reportError(error: unknown): void {
    this.telemetry.recordError(error);
    this.#events.emit('kernelError', { kernelId: this.kernelId, error, fatal: false });
  }
}
