import type { Message } from '../messages/types.js';
import type { Mailbox } from '../queues/mailbox.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { KernelTelemetry } from '../telemetry/kernel-telemetry.js';
import type { BackpressureStrategy } from '../queues/backpressure.js';
import type { KernelState } from './kernel-state.js';
import type { Inspector } from './inspect.js';

/**
 * The runtime's side of one launched kernel, handed to a {@link KernelDefinition}'s `start`.
 * Event-loop kernels wrap it in a context directly; worker kernels pump it through their rings.
 */
export interface KernelPort<In extends Message = Message, Out extends Message = Message> {
  readonly kernelId: string;
  readonly state: KernelState;
  /** The kernel's input queue; taking is gated while the kernel is not active. */
  readonly input: Mailbox<In>;
  /** Aborts when termination is requested. */
  readonly signal: AbortSignal;
  /** Counters to update; timing is wanted only when `timing` is true. */
  readonly telemetry: KernelTelemetry;
  readonly timing: boolean;
  /** Told of finished messages while `runtime.inspect` listens (check `watchingMessages` first). */
  readonly inspector?: Inspector | undefined;
  /** Delivers an output message: to a waiting `request`, else into the output queue. */
  emit(message: Out, options?: WaitOptions): Promise<void>;
  /** Resolves when the kernel is active or terminating. */
  waitActive(options?: WaitOptions): Promise<void>;
  /** Counts and reports an error the kernel handled. */
  reportError(error: unknown): void;
}

/** A running kernel's code, as the runtime sees it. */
export interface KernelExecution {
  /** Settles when the kernel's code has ended: resolves on return, rejects with what it threw. */
  readonly finished: Promise<void>;
  /** Told of every lifecycle change (worker kernels forward it to their thread). */
  stateChanged?(state: KernelState): void;
  /** Stops the code after the terminate timeout expired. */
  forceStop?(): Promise<void> | void;
}

/** Anything the runtime can launch: `ringKernel(...)`, `workerKernel(...)`, ... */
export interface KernelDefinition<In extends Message = Message, Out extends Message = Message> {
  /** Default id to launch under (the runtime's `launch(id)` may give another). */
  readonly kernelId: string | undefined;
  readonly options: KernelOptions;
  /** Starts the kernel's code against the runtime; may wait for it to be ready. */
  start(port: KernelPort<In, Out>): KernelExecution | Promise<KernelExecution>;
}

/** Per-kernel settings; every field has a documented default. */
export interface KernelOptions {
  /** Default id for `runtime.launch`. */
  readonly kernelId?: string | undefined;
  /** Capacity of the input and the output queue, in messages. Default 4096. */
  readonly queueSize?: number | undefined;
  /** Capacity of the input queue; overrides `queueSize`. */
  readonly inputQueueSize?: number | undefined;
  /** Capacity of the output queue; overrides `queueSize`. */
  readonly outputQueueSize?: number | undefined;
  /** What a full input queue does with one more message. Default `'block'`. */
  readonly backpressure?: BackpressureStrategy | undefined;
  /** What a full output queue does when the kernel sends. Default `'block'` (the kernel waits). */
  readonly outputBackpressure?: BackpressureStrategy | undefined;
  /** How long `terminate` waits for the kernel function to return before force-stopping. Default 5000 ms. */
  readonly terminateTimeout?: number | undefined;
}
