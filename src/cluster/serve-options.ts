import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * How an exported kernel is reached:
 * - `direct`: core NATS subjects, at most once, lowest latency (a message in flight when a node
 *   dies is lost; a request then times out).
 * - `durable`: a JetStream work-queue stream; acked after the kernel processed the message,
 *   redelivered when a node dies, dead-lettered after `maxDeliver` failed deliveries.
 */
export type DeliveryMode = 'direct' | 'durable';

/** Options of `link.serve(kernelId, options)`; every field has a default. */
export interface ServeOptions {
  /** Default `direct`. */
  readonly mode?: DeliveryMode | undefined;
  /** Durable: deliveries of one stream message before its failed messages are dead-lettered. Default 5. */
  readonly maxDeliver?: number | undefined;
  /**
   * Durable: how long the server waits for an ack before redelivering to another node, ms.
   * Failover time follows it (work held by a dead node moves after this long); the link tells the
   * server it is still working on what it holds every third of it. Default 1000.
   */
  readonly ackWaitMs?: number | undefined;
  /** Durable: stream messages (batches) one node holds unacked at most: the bounded pull. Default 8. */
  readonly maxInFlight?: number | undefined;
  /** Durable: the stream's duplicate window for `Nats-Msg-Id`, ms. Default 120,000. */
  readonly duplicateWindowMs?: number | undefined;
}

export interface ResolvedServeOptions {
  readonly mode: DeliveryMode;
  readonly maxDeliver: number;
  readonly ackWaitMs: number;
  readonly maxInFlight: number;
  readonly duplicateWindowMs: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (Number.isInteger(value) && value >= 1) return value;
  throw new InvalidArgumentError(`serve: ${name} must be an integer >= 1; got ${describeValue(value)}`);
}

export function resolveServeOptions(options: ServeOptions): ResolvedServeOptions {
  const mode = options.mode ?? 'direct';
  if (mode !== 'direct' && mode !== 'durable') {
    throw new InvalidArgumentError(`serve: mode is 'direct' or 'durable'; got ${describeValue(mode)}`);
  }
  return {
    mode,
    maxDeliver: positiveInteger(options.maxDeliver, 5, 'maxDeliver'),
    ackWaitMs: positiveInteger(options.ackWaitMs, 1000, 'ackWaitMs'),
    maxInFlight: positiveInteger(options.maxInFlight, 8, 'maxInFlight'),
    duplicateWindowMs: positiveInteger(options.duplicateWindowMs, 120_000, 'duplicateWindowMs'),
  };
}
