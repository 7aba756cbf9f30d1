import type { Message } from '../messages/types.js';
import type { Mailbox } from '../queues/mailbox.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { KernelTelemetry } from '../telemetry/kernel-telemetry.js';
import type { BackpressureStrategy } from '../queues/backpressure.js';
import type { KernelState } from './kernel-state.js';
import type { Inspector } from './inspect.js';
import type { RouteOptions } from './routes.js';
import type { SupervisionOptions } from './supervision.js';
import type { DeadLetterReason } from './dead-letters.js';

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
  /**
   * True once the runtime is done with this life (force-stopped or replaced): what its code
   * finishes afterwards is not counted as processed (the report listed it as interrupted).
   */
  readonly ended?: boolean;
  /** Time one processing cycle in this many (1: every cycle); counts stay exact either way. */
  readonly latencySampling: number;
  /** Told of finished messages while `runtime.inspect` listens (check `watchingMessages` first). */
  readonly inspector?: Inspector | undefined;
  /** Delivers an output message: to a waiting `request`, else into the output queue. */
  emit(message: Out, options?: WaitOptions): Promise<void>;
  /**
   * Delivers an output without waiting: true when delivered (or dropped by the output queue's drop
   * strategy), false when a `block` queue on the way is full (those destinations did not get it).
   */
  post(message: Out): boolean;
  /** Resolves when the kernel is active or terminating. */
  waitActive(options?: WaitOptions): Promise<void>;
  /** Counts and reports an error the kernel handled. */
  reportError(error: unknown): void;
  /** Kernel-to-kernel send into another kernel's input queue (its backpressure applies). */
  sendTo?(kernelId: string, message: Message, options?: WaitOptions): Promise<void>;
  /** Puts `message` in the runtime's dead-letter queue on this kernel's behalf. */
  deadLetter?(message: Message, reason: DeadLetterReason, error?: unknown): void;
  /** Kernel-to-kernel send without waiting, with `runtime.post` semantics. */
  postTo?(kernelId: string, message: Message): boolean;
  /** Kernel-to-kernel request: resolves with the other kernel's reply. */
  request?(kernelId: string, message: Message, options?: WaitOptions): Promise<Message>;
  /** Publishes on a topic; resolves with the number of subscribers reached. */
  publish?(topic: string, message: Message, options?: { retain?: boolean }): Promise<number>;
  /** Subscribes this kernel's input queue to a topic pattern; returns the unsubscribe function. */
  subscribe?(pattern: string): () => void;
  /**
   * Reports that the code ended (threw: it crashed with `error`). Executions with `reportsEnd`
   * call it instead of the runtime watching `finished`: no promise chain per kernel.
   */
  codeEnded?(error: unknown, threw: boolean): void;
}

/** A running kernel's code, as the runtime sees it. */
export interface KernelExecution {
  /** Settles when the kernel's code has ended: resolves on return, rejects with what it threw. */
  readonly finished: Promise<void>;
  /** True when the execution reports its end through `port.codeEnded` (the runtime then does not watch `finished`). */
  readonly reportsEnd?: boolean;
  /** True once the code has ended (lets terminate skip waiting on `finished`). */
  readonly isFinished?: boolean;
  /** Told of every lifecycle change (worker kernels forward it to their thread). */
  stateChanged?(state: KernelState): void;
  /** Asked to finish (terminate or a group restart): the code should wind down and settle `finished`. */
  stop?(): void;
  /**
   * Checks a message before it is accepted for this kernel: an error refuses it at `send` / `post`
   * (e.g. a worker kernel refusing a type its thread does not know, or a frame too large for its ring).
   */
  admit?(message: Message): Error | undefined;
  /** Stops the code after the terminate timeout expired. */
  forceStop?(): Promise<void> | void;
  /** The messages the code was processing: after a crash they go to the dead-letter queue. */
  inFlight?(): readonly Message[];
  /**
   * Input messages the execution took from the runtime's queue but never handed to the kernel's
   * code (e.g. still in a worker's ring): listed first in the termination report's
   * `unprocessedInputs`.
   */
  leftoverInputs?(): readonly Message[];
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
  /** Restart policy, intensity and backoff. Default: none (a crash leaves the kernel `failed`). */
  readonly supervision?: SupervisionOptions | undefined;
  /** Input messages that waited longer than this (ms) go to the dead-letter queue instead. Default: no limit. */
  readonly messageTtl?: number | undefined;
  /** Remember this many recent messageIds and drop repeats (counted as `duplicates`). Default: off. */
  readonly dedupWindow?: number | undefined;
  /** Routes declared at launch: outputs go to these kernels instead of the output queue. */
  readonly routes?:
    readonly (string | ({ readonly to: string | readonly string[] } & RouteOptions))[] | undefined;
  /** Marks the kernel unhealthy when messages are queued but none was processed for `stallMs`. */
  readonly watchdog?: { readonly stallMs: number } | undefined;
  /**
   * The message definitions this kernel accepts. A message of another type is refused where it is
   * sent (`send`, `post`, `request`, `ctx.sendTo`; routes and topics dead-letter it) with
   * `MessageNotAcceptedError`, and the kernel never sees it. Default: any message.
   *
   * @example
   * ```ts
   * ringKernel({ kernelId: 'calc', accepts: [CalculateRequest, ResetRequest] }, handlers);
   * ```
   */
  readonly accepts?: readonly MessageDefinitionLike[] | undefined;
}

/** A message definition as `accepts` lists it (what `defineMessage` returns). */
export interface MessageDefinitionLike {
  /** The message type's name. */
  readonly name: string;
  /** True when `value` is a message of this type. */
  is(value: unknown): boolean;
}
