import { RingKernelError } from '../errors.js';

/** A bounded queue with backpressure `reject` was full. */
export class QueueFullError extends RingKernelError {
  /** The queue's capacity in messages. */
  readonly capacity: number;

  constructor(queueName: string, capacity: number) {
    super(
      'QUEUE_FULL',
      `${queueName} is full (${capacity} messages); retry later, raise queueSize, ` +
        "or choose backpressure 'block' (wait for room) or 'dropOldest'/'dropNewest'",
    );
    this.capacity = capacity;
  }
}

/** The queue was closed (its kernel terminated or failed) while a caller waited on it. */
export class QueueClosedError extends RingKernelError {
  constructor(message: string, options?: ErrorOptions) {
    super('QUEUE_CLOSED', message, options);
  }
}
