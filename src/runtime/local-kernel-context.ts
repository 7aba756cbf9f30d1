import type { Message } from '../messages/types.js';
import type { WaitOptions } from '../queues/wait-options.js';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { KernelContext } from './kernel-context.js';
import type { KernelPort } from './kernel-port.js';
import { KernelTerminatingError } from './errors.js';
import { PortContext } from './port-context.js';
import { ProcessingClock } from './processing-clock.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true as const });
const RESOLVED_DONE = Promise.resolve(DONE);
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

/**
 * {@link KernelContext} over a {@link KernelPort}: used by event-loop loop kernels, and inside
 * worker threads over a port that talks to the rings.
 */
export class LocalKernelContext<In extends Message, Out extends Message>
  extends PortContext<In, Out>
  implements KernelContext<In, Out>
{
  /** Messages handed out and not yet finished. */
  readonly #inFlightMessages: In[] = [];
  readonly #clock: ProcessingClock;

  constructor(port: KernelPort<In, Out>) {
    super(port);
    this.#clock = new ProcessingClock(port);
    const inFlight = this.#inFlightMessages;
    const clock = this.#clock;
    port.input.onTaken = (message) => {
      if (inFlight.length === 0) clock.begin();
      inFlight.push(message);
    };
  }

  waitActive(options?: WaitOptions): Promise<void> {
    return this.port.waitActive(options);
  }

  receive(options?: WaitOptions): Promise<In> {
    this.finish();
    if (this.shouldTerminate) return this.#refuseLater();
    return this.port.input.take(options);
  }

  tryReceive(options?: WaitOptions): Promise<In | undefined> {
    this.finish();
    if (this.shouldTerminate) return RESOLVED_UNDEFINED;
    return this.port.input.tryTake(options);
  }

  receiveBatch(max: number, options?: WaitOptions): Promise<In[]> {
    if (!Number.isInteger(max) || max < 1) {
      return Promise.reject(
        new InvalidArgumentError(`receiveBatch needs max >= 1 (an integer); got ${describeValue(max)}`),
      );
    }
    this.finish();
    if (this.shouldTerminate) return this.#refuseLater();
    return this.port.input.takeBatch(max, options);
  }

  /** The messages taken and not finished: what a crash interrupted. */
  inFlightMessages(): readonly In[] {
    return this.#inFlightMessages;
  }

  [Symbol.asyncIterator](): AsyncIterator<In, undefined> {
    return {
      next: () => {
        this.finish();
        if (this.shouldTerminate) return RESOLVED_DONE;
        // Queued messages come back as settled promises straight from the mailbox; only an empty
        // (or paused) queue allocates a waiter, once per idle period.
        return this.port.input.next();
      },
      // Called when a for-await loop exits early, by break or by a throw: the message in flight is
      // finished by the next receive or the function's return, or dead-lettered if it crashed.
      return: () => RESOLVED_DONE,
    };
  }

  /** Counts the messages handed out so far as processed (the kernel came back for more, or ended). */
  finish(): void {
    const inFlight = this.#inFlightMessages;
    const count = inFlight.length;
    if (count === 0) return;
    inFlight.length = 0;
    // Force-stopped meanwhile: the termination report listed these as interrupted, not processed.
    if (this.port.ended === true) return;
    this.#clock.end(count);
  }

  /**
   * Rejects on a later task, not a microtask: a loop that ignores `shouldTerminate` and retries
   * `receive` would otherwise starve the event loop and the terminate timeout could never fire.
   */
  #refuseLater(): Promise<never> {
    return new Promise((_, reject) => setTimeout(() => reject(new KernelTerminatingError(this.kernelId)), 0));
  }
}
