import { InvalidArgumentError, describeValue } from '../../errors.js';
import { defineMessage, field, type MessageOf } from '../../messages/index.js';

function batchDefinition(batchSize: number) {
  return defineMessage(`AnomalyBatch${batchSize}`, {
    /** The micro-batch's points; only the first `count` are read. */
    values: field.array('f32', batchSize),
    count: field.u32(),
  });
}

function reportDefinition(batchSize: number) {
  return defineMessage(`AnomalyReport${batchSize}`, {
    /** Bit `i % 32` of word `i / 32` is set when point `i` of the batch is anomalous. */
    flags: field.array('u32', Math.ceil(batchSize / 32)),
    anomalies: field.u32(),
    /** Largest |z| in the batch (0 while the window is warming up). */
    maxScore: field.f32(),
    /** Points the detector had seen before this batch. */
    position: field.u32(),
  });
}

/** The request and reply schemas of an anomaly detector for one micro-batch size. */
export interface AnomalyMessages {
  readonly batchSize: number;
  readonly Batch: ReturnType<typeof batchDefinition>;
  readonly Report: ReturnType<typeof reportDefinition>;
}
/** A batch of points sent to an anomaly detector kernel. */
export type AnomalyBatch = MessageOf<AnomalyMessages['Batch']>;
/** A detector's reply to one batch: how many points it flagged, and the strongest. */
export type AnomalyReport = MessageOf<AnomalyMessages['Report']>;

const byBatchSize = new Map<number, AnomalyMessages>();

/**
 * The message types for micro-batches of `batchSize` points (fixed-length arrays, so each has a
 * GPU struct layout). Cached: the same size always gives the same definitions.
 *
 * @example
 * ```ts
 * const { Batch } = anomalyMessages(1000);
 * const request = Batch.create({ values: points.subarray(0, 1000), count: 1000 });
 * ```
 */
export function anomalyMessages(batchSize: number): AnomalyMessages {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 65_536)
    throw new InvalidArgumentError(
      `batchSize must be an integer in 1..65536, got ${describeValue(batchSize)}`,
    );
  let messages = byBatchSize.get(batchSize);
  if (messages === undefined) {
    messages = { batchSize, Batch: batchDefinition(batchSize), Report: reportDefinition(batchSize) };
    byBatchSize.set(batchSize, messages);
  }
  return messages;
}
