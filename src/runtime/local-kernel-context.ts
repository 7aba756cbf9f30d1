import type { Message } from '../messages/types.js';
import { checkPriority } from '../queues/backpressure.js';
import type { WaitOptions } from '../queues/wait-options.js';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { KernelContext } from './kernel-context.js';
import type { KernelPort } from './kernel-port.js';
import { KernelTerminatingError } from './errors.js';
import type { KernelState } from './kernel-state.js';

function unsupported(operation: string): Error {
  return new InvalidArgumentError(`ctx.${operation} is not available to this kind of kernel`);
}

function isStopping(state: KernelState): boolean {
  return state === 'terminating' || state === 'terminated' || state === 'failed';
}

/**
 * {@link KernelContext} over a {@link KernelPort}: used by event-loop kernels, and inside worker
 * threads over a port that talks to the rings.
 */
export class LocalKernelContext<In extends Message, Out extends Message> implements KernelContext<In, Out> {
  readonly #port: KernelPort<In, Out>;
  /** Messages handed out and not yet finished, and when the first of them was taken. */
  #inFlight = 0;
  #takenAt = 0;
  readonly #inFlightMessages: In[] = [];

  constructor(port: KernelPort<In, Out>) {
    this.#port = port;
    port.input.onTaken = port.timing
      ? (message) => {
          if (this.#inFlight === 0) this.#takenAt = performance.now();
          this.#inFlight++;
          this.#inFlightMessages.push(message);
        }
      : (message) => {
          this.#inFlight++;
          this.#inFlightMessages.push(message);
        };
  }

  get kernelId(): string {
    return this.#port.kernelId;
  }

  get state(): KernelState {
    return this.#port.state;
  }

  get shouldTerminate(): boolean {
    return isStopping(this.#port.state);
  }

  get isActive(): boolean {
    return this.#port.state === 'active';
  }

  get signal(): AbortSignal {
    return this.#port.signal;
  }

  waitActive(options?: WaitOptions): Promise<void> {
    return this.#port.waitActive(options);
  }

  receive(options?: WaitOptions): Promise<In> {
    this.finish();
    if (this.shouldTerminate) return this.#refuseLater();
    return this.#port.input.take(options);
  }

  tryReceive(options?: WaitOptions): Promise<In | undefined> {
    this.finish();
    if (this.shouldTerminate) return Promise.resolve(undefined);
    return this.#port.input.tryTake(options);
  }

  receiveBatch(max: number, options?: WaitOptions): Promise<In[]> {
    if (!Number.isInteger(max) || max < 1) {
      return Promise.reject(
        new InvalidArgumentError(`receiveBatch needs max >= 1 (an integer); got ${describeValue(max)}`),
      );
    }
    this.finish();
    if (this.shouldTerminate) return this.#refuseLater();
    return this.#port.input.takeBatch(max, options);
  }

  send(message: Out, options?: WaitOptions): Promise<void> {
    try {
      checkPriority(message.priority);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#port.emit(message, options);
  }

  reportError(error: unknown): void {
    this.#port.reportError(error);
  }

  sendTo(kernelId: string, message: Message, options?: WaitOptions): Promise<void> {
    const port = this.#port;
    if (port.sendTo === undefined) return Promise.reject(unsupported('sendTo'));
    return port.sendTo(kernelId, message, options);
  }

  request<Reply extends Message = Message>(
    kernelId: string,
    message: Message,
    options?: WaitOptions,
  ): Promise<Reply> {
    const port = this.#port;
    if (port.request === undefined) return Promise.reject(unsupported('request'));
    return port.request(kernelId, message, options) as Promise<Reply>;
  }

  publish(topic: string, message: Message, options?: { retain?: boolean }): Promise<number> {
    const port = this.#port;
    if (port.publish === undefined) return Promise.reject(unsupported('publish'));
    return port.publish(topic, message, options);
  }

  subscribe(pattern: string): () => void {
    const port = this.#port;
    if (port.subscribe === undefined) throw unsupported('subscribe');
    return port.subscribe(pattern);
  }

  /** The messages taken and not finished: what a crash interrupted. */
  inFlightMessages(): readonly In[] {
    return this.#inFlightMessages;
  }

  [Symbol.asyncIterator](): AsyncIterator<In, undefined> {
    return {
      next: () => {
        this.finish();
        if (this.shouldTerminate) return Promise.resolve({ value: undefined, done: true });
        return this.#port.input.next();
      },
      // Called when a for-await loop exits early, by break or by a throw: the message in flight is
      // finished by the next receive or the function's return, or dead-lettered if it crashed.
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }

  /** Counts the messages handed out so far as processed (the kernel came back for more, or ended). */
  finish(): void {
    if (this.#inFlight === 0) return;
    const port = this.#port;
    let elapsedMs: number | undefined;
    if (port.timing) {
      const now = performance.now();
      elapsedMs = now - this.#takenAt;
      port.telemetry.recordProcessed(this.#inFlight, elapsedMs, now);
    } else {
      port.telemetry.processed += this.#inFlight;
    }
    this.#inFlightMessages.length = 0;
    if (port.inspector?.watchingMessages === true)
      port.inspector.processed(port.kernelId, this.#inFlight, elapsedMs);
    this.#inFlight = 0;
  }

  /**
   * Rejects on a later task, not a microtask: a loop that ignores `shouldTerminate` and retries
   * `receive` would otherwise starve the event loop and the terminate timeout could never fire.
   */
  #refuseLater(): Promise<never> {
    return new Promise((_, reject) => setTimeout(() => reject(new KernelTerminatingError(this.kernelId)), 0));
  }
}
