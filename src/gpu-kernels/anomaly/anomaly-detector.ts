import { InvalidArgumentError, describeValue } from '../../errors.js';
import type { KernelOptions } from '../../runtime/index.js';
import type { KernelBackendOption } from '../backend-selection.js';
import { gpuRingKernel, type GpuRingKernelDefinition } from '../gpu-ring-kernel.js';
import { WORKGROUP_LANES } from '../wgsl-program.js';
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
 * Method: each point's residual is its difference from the median of the three points before it
 * (a prediction an isolated spike cannot drag along); a point is anomalous when the z-score of its
 * residual against the sliding window of the last `window` residuals exceeds `threshold`. The
 * window's mean and variance come from running sums, so each point costs O(1); the sums are
 * recomputed from the window every `window` points so float32 rounding cannot drift. Window, sums,
 * counters and the last three points live in device buffers for the kernel's life.
 *
 * On WebGPU one work-group of 256 lanes processes the stream in order, 256 points at a time: the
 * window statistics before each point come from a prefix scan of (residual − evicted residual), so
 * no point waits for the previous one. The CPU implementation walks the points one by one with the
 * same arithmetic.
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
    ['window', window, WORKGROUP_LANES],
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
    order: 'workgroup',
    maxBatch: options.maxBatch ?? 64,
    state: {
      window: { type: 'f32', length: window },
      /** Running sum and sum of squares of the window's residuals. */
      sums: { type: 'f32', length: 2 },
      /** Residuals in the window, next write slot, points seen. */
      counters: { type: 'u32', length: 3 },
      /** The last three points, most recent first. */
      history: { type: 'f32', length: 3 },
    },
    wgslHelpers: `
const WINDOW: u32 = ${window}u;
const WARMUP: u32 = ${warmup}u;
const THRESHOLD_SQUARED: f32 = ${thresholdSquared.toFixed(8)};
const BATCH_POINTS: u32 = ${batchSize}u;
struct ChunkState {
  filled: u32,
  cursor: u32,
  s1: f32,
  s2: f32,
}
var<workgroup> chunk: ChunkState;
var<workgroup> wrapped: u32;
var<workgroup> scanA: array<f32, WORKGROUP_LANES>;
var<workgroup> scanB: array<f32, WORKGROUP_LANES>;
var<workgroup> laneFlags: array<u32, WORKGROUP_LANES>;

fn median3(a: f32, b: f32, c: f32) -> f32 {
  return max(min(a, b), min(max(a, b), c));
}

/** Inclusive prefix sums of scanA and scanB across the lanes (Hillis-Steele). */
fn scan_pairs(lane: u32) {
  for (var offset = 1u; offset < WORKGROUP_LANES; offset <<= 1u) {
    workgroupBarrier();
    var a = 0.0;
    var b = 0.0;
    if (lane >= offset) {
      a = scanA[lane - offset];
      b = scanB[lane - offset];
    }
    workgroupBarrier();
    scanA[lane] += a;
    scanB[lane] += b;
  }
  workgroupBarrier();
}

/** scanA[0] = max over lanes of scanA, scanB[0] = sum over lanes of scanB. */
fn reduce_max_sum(lane: u32) {
  for (var stride = WORKGROUP_LANES / 2u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lane < stride) {
      scanA[lane] = max(scanA[lane], scanA[lane + stride]);
      scanB[lane] += scanB[lane + stride];
    }
  }
  workgroupBarrier();
}`,
    wgsl: `
  let count = min(input.count, BATCH_POINTS);
  let position = counters[2];
  if (lane == 0u) {
    chunk.filled = counters[0];
    chunk.cursor = counters[1];
    chunk.s1 = sums[0];
    chunk.s2 = sums[1];
  }
  workgroupBarrier();
  var laneMax = 0.0;
  var laneCount = 0u;
  for (var base = 0u; base < count; base += WORKGROUP_LANES) {
    let p = base + lane;
    let inside = p < count;
    let filled0 = chunk.filled;
    let cursor0 = chunk.cursor;
    var residual = 0.0;
    var evicted = 0.0;
    if (inside) {
      let x = input.values[p];
      if (position + p >= 3u) {
        var previous: array<f32, 3>;
        for (var k = 1u; k <= 3u; k++) {
          if (p >= k) { previous[k - 1u] = input.values[p - k]; } else { previous[k - 1u] = history[k - 1u - p]; }
        }
        residual = x - median3(previous[0], previous[1], previous[2]);
      }
      if (filled0 + lane >= WINDOW) { evicted = window[(cursor0 + lane) % WINDOW]; }
    }
    scanA[lane] = residual - evicted;
    scanB[lane] = residual * residual - evicted * evicted;
    scan_pairs(lane);
    var flag = 0u;
    if (inside) {
      let n = min(filled0 + lane, WINDOW);
      if (n >= WARMUP) {
        var s1 = chunk.s1;
        var s2 = chunk.s2;
        if (lane > 0u) {
          s1 += scanA[lane - 1u];
          s2 += scanB[lane - 1u];
        }
        let mean = s1 / f32(n);
        let variance = max(s2 / f32(n) - mean * mean, 1e-12);
        let deviation = residual - mean;
        let ratio = deviation * deviation / variance;
        laneMax = max(laneMax, ratio);
        if (ratio > THRESHOLD_SQUARED) {
          flag = 1u;
          laneCount += 1u;
        }
      }
      window[(cursor0 + lane) % WINDOW] = residual;
    }
    laneFlags[lane] = flag;
    storageBarrier();
    workgroupBarrier();
    if (lane < WORKGROUP_LANES / 32u && base + lane * 32u < count) {
      var bits = 0u;
      for (var bit = 0u; bit < 32u; bit++) { bits |= laneFlags[lane * 32u + bit] << bit; }
      output.flags[base / 32u + lane] = bits;
    }
    if (lane == 0u) {
      let taken = min(WORKGROUP_LANES, count - base);
      chunk.s1 += scanA[taken - 1u];
      chunk.s2 += scanB[taken - 1u];
      chunk.filled = min(filled0 + taken, WINDOW);
      wrapped = select(0u, 1u, cursor0 + taken >= WINDOW);
      chunk.cursor = (cursor0 + taken) % WINDOW;
    }
    if (workgroupUniformLoad(&wrapped) == 1u) {
      // The sums restart from the window itself, so rounding never accumulates.
      var a = 0.0;
      var b = 0.0;
      for (var j = lane; j < WINDOW; j += WORKGROUP_LANES) {
        let value = window[j];
        a += value;
        b += value * value;
      }
      scanA[lane] = a;
      scanB[lane] = b;
      scan_pairs(lane);
      if (lane == 0u) {
        chunk.s1 = scanA[WORKGROUP_LANES - 1u];
        chunk.s2 = scanB[WORKGROUP_LANES - 1u];
      }
    }
    workgroupBarrier();
  }
  scanA[lane] = laneMax;
  scanB[lane] = f32(laneCount);
  reduce_max_sum(lane);
  if (lane == 0u) {
    output.anomalies = u32(scanB[0]);
    output.maxScore = sqrt(scanA[0]);
    output.position = position;
    var recent: array<f32, 3>;
    for (var k = 0u; k < 3u; k++) {
      if (count > k) { recent[k] = input.values[count - 1u - k]; } else { recent[k] = history[k - count]; }
    }
    history[0] = recent[0];
    history[1] = recent[1];
    history[2] = recent[2];
    counters[0] = chunk.filled;
    counters[1] = chunk.cursor;
    counters[2] = position + count;
    sums[0] = chunk.s1;
    sums[1] = chunk.s2;
  }`,
    cpu: (request, state) => {
      const flags = new Uint32Array(flagWords);
      const position = state.counters[2]!;
      const count = Math.min(request.count, batchSize);
      const scan = scanPoints(request.values, count, state, flags, window, warmup, thresholdSquared);
      state.counters[2] = position + count;
      return { flags, anomalies: scan.anomalies, maxScore: Math.sqrt(scan.maxRatio), position };
    },
  });
}

interface DetectorState {
  readonly window: Float32Array;
  readonly sums: Float32Array;
  readonly counters: Uint32Array;
  readonly history: Float32Array;
}

/**
 * The CPU implementation's per-point loop (the WGSL body's arithmetic, one point at a time).
 * Module-level so every detector shares its optimised code: V8 keeps type feedback per closure,
 * and a fresh closure per kernel would start cold. Sets the flags and updates window, sums,
 * history and counters 0..1.
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
  const history = state.history;
  const position = counters[2]!;
  let filled = counters[0]!;
  let cursor = counters[1]!;
  let s1 = state.sums[0]!;
  let s2 = state.sums[1]!;
  let previous1 = history[0]!;
  let previous2 = history[1]!;
  let previous3 = history[2]!;
  let anomalies = 0;
  let maxRatio = 0;
  for (let i = 0; i < count; i++) {
    const x = values[i]!;
    let residual = 0;
    if (position + i >= 3) {
      const median = Math.max(
        Math.min(previous1, previous2),
        Math.min(Math.max(previous1, previous2), previous3),
      );
      residual = Math.fround(x - median);
    }
    if (filled >= warmup) {
      const mean = s1 / filled;
      const variance = Math.max(s2 / filled - mean * mean, 1e-12);
      const deviation = residual - mean;
      const ratio = (deviation * deviation) / variance;
      if (ratio > maxRatio) maxRatio = ratio;
      if (ratio > thresholdSquared) {
        anomalies++;
        flags[i >>> 5] = flags[i >>> 5]! | (1 << (i & 31));
      }
    }
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
    previous3 = previous2;
    previous2 = previous1;
    previous1 = x;
  }
  counters[0] = filled;
  counters[1] = cursor;
  state.sums[0] = s1;
  state.sums[1] = s2;
  history[0] = previous1;
  history[1] = previous2;
  history[2] = previous3;
  return { anomalies, maxRatio };
}
