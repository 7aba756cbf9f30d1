import type { Message } from '../messages/types.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { KernelState } from './kernel-state.js';

/**
 * What every kernel's code sees of the world, whatever its shape: its identity and lifecycle, and
 * the ways to send. Handler kernels get exactly this (the runtime hands them their messages);
 * loop kernels get the {@link KernelContext}, which adds receiving.
 *
 * @example
 * ```ts
 * const counter = ringKernel<Increment, Count>({ kernelId: 'counter' }, {
 *   init: () => ({ count: 0 }),
 *   onMessage(message, ctx, state) {
 *     state.count += message.by;
 *     return ctx.send(Count.reply(message, { count: state.count }));
 *   },
 * });
 * ```
 */
export interface HandlerContext<Out extends Message = Message> {
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
   * Sends an output message: to the caller waiting in `runtime.request` for its correlationId, or
   * else along the kernel's routes or into its output queue (applying their backpressure). When
   * every destination had room it returns an already settled promise without allocating one, so
   * `return ctx.send(reply)` from a handler costs nothing extra.
   */
  send(message: Out, options?: WaitOptions): Promise<void>;
  /**
   * Sends an output message without waiting, like `runtime.post`: true when delivered (or dropped
   * by a drop strategy, counted), false when a full `block` queue on the way refused it (with
   * several routes, the destinations that had room keep their copy). Throws what `send` rejects with.
   */
  post(message: Out): boolean;
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
  /** {@link sendTo} without waiting, with `runtime.post` semantics (true, false when full under `block`, or throws). */
  postTo(kernelId: string, message: Message): boolean;
  /** Sends a request to another kernel and resolves with its reply (matched by correlationId). */
  request<Reply extends Message = Message>(
    kernelId: string,
    message: Message,
    options?: WaitOptions,
  ): Promise<Reply>;
  /** Publishes on a topic; resolves with the number of subscribers reached once all accepted it. */
  publish(topic: string, message: Message, options?: { retain?: boolean }): Promise<number>;
  /** Subscribes this kernel to a topic pattern: matching messages arrive as input. */
  subscribe(pattern: string): () => void;
}

/**
 * What a loop kernel's function sees: everything a handler sees, plus receiving its input.
 * The same interface is offered to event-loop kernels and to worker-thread kernels.
 *
 * @example
 * ```ts
 * const echo = ringKernel({ kernelId: 'echo' }, async (ctx) => {
 *   for await (const message of ctx) await ctx.send(Echo.reply(message, { text: message.text }));
 * });
 * ```
 */
export interface KernelContext<
  In extends Message = Message,
  Out extends Message = Message,
> extends HandlerContext<Out> {
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
  /** Input messages until termination; waits through deactivation. */
  [Symbol.asyncIterator](): AsyncIterator<In, undefined>;
}
