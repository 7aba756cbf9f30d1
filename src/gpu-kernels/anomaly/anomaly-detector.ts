import { InvalidArgumentError, describeValue } from '../../errors.js';
import type { KernelOptions } from '../../runtime/index.js';
import type { KernelBackendOption } from '../backend-selection.js';
import { gpuRingKernel, type GpuRingKernelDefinition } from '../gpu-ring-kernel.js';
import { anomalyMessages, type AnomalyMessages } from './anomaly-messages.js';

/** Options of {@link anomalyDetector}. */
export interface AnomalyDetectorOptions extends KernelOptions {
  /** Points per request message. Default 1000. */
  readonly batchSize?: number;
  /** Residuals in the sliding window. Default 10,000. */
  readonly window?: number;
  /** |z| above which a point is anomalous. Default 3. */
  readonly threshold?: number;
  /** Points seen before anything is flagged. Default 30. */
  readonly warmup?: number;
  /** Most request messages per device batch. Default 64. */
  readonly maxBatch?: number;
  readonly backend?: KernelBackendOption;
}

type Definitions = AnomalyMessages;
type DetectorKernel = GpuRingKernelDefinition<
  Definitions['Batch']['fields'],
  Definitions['Report']['fields']
>;

/**
 * A streaming anomaly detector as a device-resident ring kernel. Each request is a micro-batch of
 * points; the reply flags the anomalous ones.
 *
 * Method: each point's residual is its difference from the last accepted point (the signal's own
 * prediction of itself); a point is anomalous when the z-score of its residual against the sliding
 * window of the last `window` residuals exceeds `threshold`. Anomalous points do not become the
 * prediction (after two in a row the level is accepted, so a genuine shift is followed). The window's
 * mean and variance come from running sums, so each point costs O(1); the sums are recomputed from the
 * window every `window` points so float32 rounding cannot drift. Window, sums and counters live in
 * device buffers for the kernel's life; a batch is processed in stream order (`order: 'sequential'`).
 *
 * @example
 * ```ts
 * const detector = anomalyDetector({ kernelId: 'anomaly', batchSize: 1000, backend: 'best' });
 * await runtime.launch('anomaly', detector);
 * await runtime.activate('anomaly');
 * const { Batch } = anomalyMessages(1000);
 * const report = await runtime.request<AnomalyReport>('anomaly', Batch.create({ values, count: 1000 }));
 * ```
 */
export function anomalyDetector(options: AnomalyDetectorOptions = {}): DetectorKernel {
  const batchSize = options.batchSize ?? 1000;
  const window = options.window ?? 10_000;
  const threshold = options.threshold ?? 3;
  const warmup = options.warmup ?? 30;
  for (const [name, value, min] of [
    ['window', window, 2],
    ['warmup', warmup, 2],
  ] as const)
    if (!Number.isSafeInteger(value) || value < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  if (!(threshold > 0))
    throw new InvalidArgumentError(`threshold must be > 0, got ${describeValue(threshold)}`);
  const { Batch, Report } = anomalyMessages(batchSize);
  const thresholdSquared = threshold * threshold;
  const flagWords = Math.ceil(batchSize / 32);

  return gpuRingKernel({
    ...options,
    kernelId: options.kernelId ?? 'anomaly',
    input: Batch,
    output: Report,
    order: 'sequential',
    maxBatch: options.maxBatch ?? 64,
    state: {
      window: { type: 'f32', length: window },
      /** Running sum and sum of squares of the window's residuals. */
      sums: { type: 'f32', length: 2 },
      /** Residuals in the window, next write slot, anomalies in a row, points seen. */
      counters: { type: 'u32', length: 4 },
      /** The last accepted point: the prediction of the next one. */
      last: { type: 'f32', length: 1 },
    },
    wgslHelpers: `
const WINDOW: u32 = ${window}u;
const WARMUP: u32 = ${warmup}u;
const THRESHOLD_SQUARED: f32 = ${thresholdSquared.toFixed(8)};
const BATCH_POINTS: u32 = ${batchSize}u;`,
    wgsl: `
  let count = min(input.count, BATCH_POINTS);
  var filled = counters[0];
  var cursor = counters[1];
  var run = counters[2];
  var s1 = sums[0];
  var s2 = sums[1];
  var previous = last[0];
  var anomalies = 0u;
  var maxRatio = 0.0;
  for (var i = 0u; i < count; i++) {
    let x = input.values[i];
    var residual = 0.0;
    if (filled > 0u) { residual = x - previous; }
    var flagged = false;
    if (filled >= WARMUP) {
      let n = f32(filled);
      let mean = s1 / n;
      let variance = max(s2 / n - mean * mean, 1e-12);
      let deviation = residual - mean;
      let ratio = deviation * deviation / variance;
      maxRatio = max(maxRatio, ratio);
      flagged = ratio > THRESHOLD_SQUARED;
    }
    if (flagged) {
      anomalies += 1u;
      output.flags[i / 32u] |= 1u << (i % 32u);
    }
    if (!flagged || run >= 2u) {
      previous = x;
      run = select(0u, run + 1u, flagged);
    } else {
      run += 1u;
    }
    if (filled == WINDOW) {
      let old = window[cursor];
      s1 -= old;
      s2 -= old * old;
    } else {
      filled += 1u;
    }
    window[cursor] = residual;
    s1 += residual;
    s2 += residual * residual;
    cursor += 1u;
    if (cursor == WINDOW) {
      cursor = 0u;
      s1 = 0.0;
      s2 = 0.0;
      for (var j = 0u; j < WINDOW; j++) {
        let value = window[j];
        s1 += value;
        s2 += value * value;
      }
    }
  }
  counters[0] = filled;
  counters[1] = cursor;
  counters[2] = run;
  output.position = counters[3];
  counters[3] += count;
  sums[0] = s1;
  sums[1] = s2;
  last[0] = previous;
  output.anomalies = anomalies;
  output.maxScore = sqrt(maxRatio);`,
    cpu: (request, state) => {
      const flags = new Uint32Array(flagWords);
      const position = state.counters[3]!;
      const count = Math.min(request.count, batchSize);
      const scan = scanPoints(request.values, count, state, flags, window, warmup, thresholdSquared);
      state.counters[3] = position + count;
      return { flags, anomalies: scan.anomalies, maxScore: Math.sqrt(scan.maxRatio), position };
    },
  });
}

interface DetectorState {
  readonly window: Float32Array;
  readonly sums: Float32Array;
  readonly counters: Uint32Array;
  readonly last: Float32Array;
}

/**
 * The CPU implementation's per-point loop (same steps as the WGSL body). Module-level so every
 * detector shares its optimised code: V8 keeps type feedback per closure, and a fresh closure per
 * kernel would start cold. Sets the flags and updates the window, sums and counters 0..2.
 */
function scanPoints(
  values: Float32Array,
  count: number,
  state: DetectorState,
  flags: Uint32Array,
  window: number,
  warmup: number,
  thresholdSquared: number,
): { anomalies: number; maxRatio: number } {
  const windowValues = state.window;
  const counters = state.counters;
  let filled = counters[0]!;
  let cursor = counters[1]!;
  let run = counters[2]!;
  let s1 = state.sums[0]!;
  let s2 = state.sums[1]!;
  let previous = state.last[0]!;
  let anomalies = 0;
  let maxRatio = 0;
  for (let i = 0; i < count; i++) {
    const x = values[i]!;
    const residual = filled > 0 ? Math.fround(x - previous) : 0;
    let flagged = false;
    if (filled >= warmup) {
      const mean = s1 / filled;
      const variance = Math.max(s2 / filled - mean * mean, 1e-12);
      const deviation = residual - mean;
      const ratio = (deviation * deviation) / variance;
      if (ratio > maxRatio) maxRatio = ratio;
      flagged = ratio > thresholdSquared;
    }
    if (flagged) {
      anomalies++;
      flags[i >>> 5] = flags[i >>> 5]! | (1 << (i & 31));
    }
    if (!flagged || run >= 2) {
      previous = x;
      run = flagged ? run + 1 : 0;
    } else run++;
    if (filled === window) {
      const old = windowValues[cursor]!;
      s1 -= old;
      s2 -= old * old;
    } else filled++;
    windowValues[cursor] = residual;
    s1 += residual;
    s2 += residual * residual;
    cursor++;
    if (cursor === window) {
      cursor = 0;
      s1 = 0;
      s2 = 0;
      for (let j = 0; j < window; j++) {
        const value = windowValues[j]!;
        s1 += value;
        s2 += value * value;
      }
    }
  }
  counters[0] = filled;
  counters[1] = cursor;
  counters[2] = run;
  state.sums[0] = s1;
  state.sums[1] = s2;
  state.last[0] = previous;
  return { anomalies, maxRatio };
}
