import { InvalidArgumentError, describeValue } from '../../errors.js';
import type { RingKernelRuntime } from '../../runtime/index.js';
import { anomalyMessages, type AnomalyReport } from './anomaly-messages.js';

/** Options of {@link streamAnomalies}. */
export interface StreamAnomaliesOptions {
  /** Points per request; must match the detector's. Default 1000. */
  readonly batchSize?: number;
  /**
   * Requests sent before waiting for the oldest reply. 1 = strictly one batch at a time (per-batch
   * latency); more lets the kernel take several per device batch (throughput). Default 8.
   */
  readonly inFlight?: number;
  /** Called after each reply with the fraction of points done. */
  readonly onProgress?: (fraction: number) => void;
  /** Bound on each request's wait, ms. Default 30,000. */
  readonly timeout?: number;
}

/** What a stream run produced. */
export interface AnomalyStreamResult {
  /** 1 per point flagged anomalous. */
  readonly detected: Uint8Array;
  readonly batches: number;
  readonly anomalies: number;
  readonly maxScore: number;
  readonly elapsedMs: number;
  readonly pointsPerSecond: number;
}

/**
 * Streams `values` through the anomaly detector `kernelId` in micro-batches, keeping up to
 * `inFlight` requests outstanding, and collects per-point flags.
 *
 * @example
 * ```ts
 * const result = await streamAnomalies(runtime, 'anomaly', signal.values, { batchSize: 1000 });
 * console.log(detectionQuality(result.detected, signal.labels));
 * ```
 */
export async function streamAnomalies(
  runtime: RingKernelRuntime,
  kernelId: string,
  values: Float32Array,
  options: StreamAnomaliesOptions = {},
): Promise<AnomalyStreamResult> {
  const batchSize = options.batchSize ?? 1000;
  const inFlight = options.inFlight ?? 8;
  if (!Number.isSafeInteger(inFlight) || inFlight < 1)
    throw new InvalidArgumentError(`inFlight must be a positive integer, got ${describeValue(inFlight)}`);
  const { Batch } = anomalyMessages(batchSize);
  const requestOptions = { timeout: options.timeout ?? 30_000 };
  const total = values.length;
  const batches = Math.ceil(total / batchSize);
  const detected = new Uint8Array(total);
  const pending: Promise<AnomalyReport>[] = [];
  const starts: number[] = [];
  let anomalies = 0;
  let maxScore = 0;
  let done = 0;
  const collect = (report: AnomalyReport, start: number): void => {
    const end = Math.min(start + batchSize, total);
    const flags = report.flags;
    for (let word = 0; word < flags.length; word++) {
      let bits = flags[word]!;
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits & -bits);
        const point = start + word * 32 + bit;
        if (point < end) detected[point] = 1;
        bits &= bits - 1;
      }
    }
    anomalies += report.anomalies;
    if (report.maxScore > maxScore) maxScore = report.maxScore;
    done++;
    options.onProgress?.(done / batches);
  };
  const started = performance.now();
  try {
    for (let start = 0; start < total; start += batchSize) {
      const end = Math.min(start + batchSize, total);
      let chunk = values.subarray(start, start + batchSize);
      if (chunk.length < batchSize) {
        chunk = new Float32Array(batchSize);
        chunk.set(values.subarray(start, end));
      }
      pending.push(
        runtime.request<AnomalyReport>(
          kernelId,
          Batch.create({ values: chunk, count: end - start }),
          requestOptions,
        ),
      );
      starts.push(start);
      if (pending.length >= inFlight) collect(await pending.shift()!, starts.shift()!);
    }
    while (pending.length > 0) collect(await pending.shift()!, starts.shift()!);
  } catch (error) {
    // Settle what is still outstanding so no rejection goes unhandled.
    await Promise.allSettled(pending);
    throw error;
  }
  const elapsedMs = performance.now() - started;
  return { detected, batches, anomalies, maxScore, elapsedMs, pointsPerSecond: (total / elapsedMs) * 1000 };
}
