import type { Message } from '../messages/types.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { KernelState } from './kernel-state.js';

/**
 * What a kernel function sees of the world: its messages, its lifecycle, and its output.
 * The same interface is offered to event-loop kernels and to worker-thread kernels.
 *
 * @example
 * ```ts
 * const echo = ringKernel({ kernelId: 'echo' }, async (ctx) => {
 *   for await (const message of ctx) await ctx.send(Echo.reply(message, { text: message.text }));
 * });
 * ```
 */
export interface KernelContext<In extends Message = Message, Out extends Message = Message> {
  /** The id the kernel was launched under. */
  readonly kernelId: string;
  /** The kernel's lifecycle state now. */
  readonly state: KernelState;
  /** True once terminate was requested: finish up and return. */
  readonly shouldTerminate: boolean;
  /** True while the kernel is activated (not launched-only, deactivated or terminating). */
  readonly isActive: boolean;
  /** Aborts when termination is requested; pass it to your own async work. */
  readonly signal: AbortSignal;
  /**
   * Resolves once the kernel is active, or at once when it is terminating (so loops can exit).
   * Rejects with `TimeoutError` / `signal.reason` when given and they expire first.
   */
  waitActive(options?: WaitOptions): Promise<void>;
  /**
   * The next input message, highest priority first. Waits while none is queued or while the kernel
   * is not active. Rejects with `TimeoutError` on timeout, and with `KernelTerminatingError` (a
   * `TimeoutError`) once the kernel is terminating.
   */
  receive(options?: WaitOptions): Promise<In>;
  /** Like {@link receive}, but resolves `undefined` instead of rejecting on timeout or termination. */
  tryReceive(options?: WaitOptions): Promise<In | undefined>;
  /**
   * Waits for at least one message like {@link receive}, then takes up to `max` that are queued,
   * in priority order: the guide's "process multiple messages per iteration".
   */
  receiveBatch(max: number, options?: WaitOptions): Promise<In[]>;
  /**
   * Sends an output message: to the caller waiting in `runtime.request` for its correlationId, or
   * else into the output queue (applying its backpressure).
   */
  send(message: Out, options?: WaitOptions): Promise<void>;
  /**
   * Records an error the kernel handled itself (counted in telemetry, emitted as a `kernelError`
   * event) so that "log and continue" never means "nobody knows".
   */
  reportError(error: unknown): void;
  /**
   * Sends a message into another kernel's input queue (its backpressure applies). Rejects with
   * `KernelNotFoundError` when there is no such kernel.
   */
  sendTo(kernelId: string, message: Message, options?: WaitOptions): Promise<void>;
  /** Sends a request to another kernel and resolves with its reply (matched by correlationId). */
  request<Reply extends Message = Message>(
    kernelId: string,
    message: Message,
    options?: WaitOptions,
  ): Promise<Reply>;
  /** Publishes on a topic; resolves with the number of subscribers reached once all accepted it. */
  publish(topic: string, message: Message, options?: { retain?: boolean }): Promise<number>;
  /** Subscribes this kernel to a topic pattern: matching messages arrive through `receive`. */
  subscribe(pattern: string): () => void;
  /** Input messages until termination; waits through deactivation. */
  [Symbol.asyncIterator](): AsyncIterator<In, undefined>;
}
