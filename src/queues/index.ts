export { Mailbox, type MailboxOptions, type MailboxObserver, type DropReason } from './mailbox.js';
export { PriorityBuckets } from './priority-buckets.js';
export { type BackpressureStrategy, backpressureStrategies } from './backpressure.js';
export type { WaitOptions } from './wait-options.js';
export { QueueFullError, QueueClosedError } from './errors.js';
