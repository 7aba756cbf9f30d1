import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * What a full mailbox does with one more message.
 *
 * - `block`: the sender waits for room (bounded by its `timeout` / `signal`); nothing is lost.
 * - `reject`: the send fails at once with `QueueFullError`.
 * - `dropOldest`: the message that has waited longest at the LOWEST priority level queued is evicted
 *   to make room (so a flood of low-priority traffic never evicts high-priority work); an incoming
 *   message below every queued level is itself that message and is dropped. The drop is counted and
 *   reported through the `dropped` event.
 * - `dropNewest`: the incoming message is discarded; counted and reported through the `dropped` event.
 */
export type BackpressureStrategy = 'block' | 'reject' | 'dropOldest' | 'dropNewest';

/** Every {@link BackpressureStrategy}, for validation and documentation. */
export const backpressureStrategies: readonly BackpressureStrategy[] = [
  'block',
  'reject',
  'dropOldest',
  'dropNewest',
];

/** Throws `InvalidArgumentError` unless `value` names a strategy. */
export function checkBackpressure(value: unknown, what: string): BackpressureStrategy {
  if (typeof value === 'string' && (backpressureStrategies as readonly string[]).includes(value)) {
    return value as BackpressureStrategy;
  }
  throw new InvalidArgumentError(
    `${what} must be one of ${backpressureStrategies.map((s) => `'${s}'`).join(', ')}; got ${describeValue(value)}`,
  );
}

/** Throws `InvalidArgumentError` unless `value` is an integer in 1..2^24. */
export function checkCapacity(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1 << 24) return value;
  throw new InvalidArgumentError(
    `${what} must be an integer from 1 to ${1 << 24}; got ${describeValue(value)}`,
  );
}

/** Throws `InvalidArgumentError` unless `value` is an integer priority in 0..255. */
export function checkPriority(value: unknown): number {
  if (typeof value === 'number' && (value & 255) === value) return value;
  throw new InvalidArgumentError(
    `message priority must be an integer from 0 to 255 (higher is served first); got ${describeValue(value)}`,
  );
}
