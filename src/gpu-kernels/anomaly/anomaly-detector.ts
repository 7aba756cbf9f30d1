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
 * residual against the sliding window of the last `window` residuals exceeds `threshold`. Window,
 * sums, counters and the last three points live in device buffers for the kernel's life.
 *
 * The window's mean and variance come from sums that never subtract a residual, so each point costs
 * O(1) and float32 rounding stays relative to the residuals in the window. Running sums that add
 * residuals as they arrive and subtract them as they leave keep, after the noise drops by a large
 * factor (σ 1000 → 0.1), only the rounding error of the loud residuals, and flag the quiet ones as
 * anomalous. Instead the stream is cut into blocks of `window` points (the ring buffer's turns): the
 * window before the point in slot `c` is slots `0..c−1` of the current block plus slots `c..` of
 * the previous one, so its sums are the current block's running sums (additions only) plus the
 * previous block's suffix sums from `c`, which are computed once, back to front, when a block
 * completes.
 *
 * On WebGPU one work-group of 256 lanes processes the stream in order, up to 256 points at a time
 * (a chunk ends where a block does): the current block's sums before each point come from a prefix
 * scan of the chunk's residuals, so no point waits for the previous one. The CPU implementation
 * walks the points one by one with the same method in float64.
 *
 * @example
 * ```ts
 * const detector = anomalyDetector({ kernelId: 'anomaly', batchSize: 1000, backend: 'auto' });
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
      /**
       * The residuals by slot (`0..window−1`), then the previous block's suffix sums of residuals
       * (`window + c` = Σ slots `c..window−1`) and of their squares (`2·window + c`).
       */
      window: { type: 'f32', length: 3 * window },
      /** The current block's sum and sum of squares of residuals (slots before the cursor). */
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
/** Where the previous block's suffix sums of residuals and of squares start in the window buffer. */
const SUFFIX1: u32 = WINDOW;
const SUFFIX2: u32 = 2u * WINDOW;
/** Window slots per lane when a completed block's suffix sums are computed. */
const SPAN: u32 = ${Math.ceil(window / WORKGROUP_LANES)}u;
/** Points in the window and the next slot when the batch starts. */
var<workgroup> start: vec2<u32>;
/** The current block's sum and sum of squares before the chunk. */
var<workgroup> head: vec2<f32>;
var<workgroup> scanA: array<f32, WORKGROUP_LANES>;
var<workgroup> scanB: array<f32, WORKGROUP_LANES>;
var<workgroup> laneFlags: array<u32, WORKGROUP_LANES>;

fn median3(a: f32, b: f32, c: f32) -> f32 {
  return max(min(a, b), min(max(a, b), c));
}

/** Inclusive prefix (forward) or suffix (backward) sums of scanA and scanB across the lanes (Hillis-Steele). */
fn scan_pairs(lane: u32, backward: bool) {
  for (var offset = 1u; offset < WORKGROUP_LANES; offset <<= 1u) {
    workgroupBarrier();
    var a = 0.0;
    var b = 0.0;
    if (backward) {
      if (lane + offset < WORKGROUP_LANES) {
        a = scanA[lane + offset];
        b = scanB[lane + offset];
      }
    } else if (lane >= offset) {
      a = scanA[lane - offset];
      b = scanB[lane - offset];
    }
    workgroupBarrier();
    scanA[lane] += a;
    scanB[lane] += b;
  }
  workgroupBarrier();
}

/**
 * The completed block's suffix sums (slot c: Σ slots c..WINDOW−1) of residuals and of squares.
 * Back to front, additions only: each sum holds only residuals that are still in the window
 * whenever it is read. Lane k covers slots k·SPAN .. (k+1)·SPAN − 1.
 */
fn store_suffix_sums(lane: u32) {
  let first = min(lane * SPAN, WINDOW);
  let end = min(first + SPAN, WINDOW);
  var a = 0.0;
  var b = 0.0;
  for (var slot = first; slot < end; slot++) {
    let value = window[slot];
    a += value;
    b += value * value;
  }
  scanA[lane] = a;
  scanB[lane] = b;
  scan_pairs(lane, true);
  var after1 = 0.0;
  var after2 = 0.0;
  if (lane + 1u < WORKGROUP_LANES) {
    after1 = scanA[lane + 1u];
    after2 = scanB[lane + 1u];
  }
  for (var slot = end; slot > first; slot--) {
    let value = window[slot - 1u];
    after1 += value;
    after2 += value * value;
    window[SUFFIX1 + slot - 1u] = after1;
    window[SUFFIX2 + slot - 1u] = after2;
  }
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
    start = vec2<u32>(counters[0], counters[1]);
    head = vec2<f32>(sums[0], sums[1]);
  }
  // Every lane tracks the same fill and cursor, so loops and branches on them stay uniform.
  let started = workgroupUniformLoad(&start);
  var filled = started.x;
  var cursor = started.y;
  var laneMax = 0.0;
  var laneCount = 0u;
  var base = 0u;
  while (base < count) {
    // A chunk ends where the block does, so all its points pair with the same previous block.
    let taken = min(min(WORKGROUP_LANES, count - base), WINDOW - cursor);
    let p = base + lane;
    let inside = lane < taken;
    let slot = cursor + lane;
    var residual = 0.0;
    if (inside && position + p >= 3u) {
      var previous: array<f32, 3>;
      for (var k = 1u; k <= 3u; k++) {
        if (p >= k) { previous[k - 1u] = input.values[p - k]; } else { previous[k - 1u] = history[k - 1u - p]; }
      }
      residual = input.values[p] - median3(previous[0], previous[1], previous[2]);
    }
    scanA[lane] = residual;
    scanB[lane] = residual * residual;
    scan_pairs(lane, false);
    var flag = 0u;
    if (inside) {
      let n = min(filled + lane, WINDOW);
      if (n >= WARMUP) {
        // This block's slots before this one, then the previous block's from this one on.
        var s1 = head.x + window[SUFFIX1 + slot];
        var s2 = head.y + window[SUFFIX2 + slot];
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
      window[slot] = residual;
    }
    laneFlags[lane] = flag;
    storageBarrier();
    workgroupBarrier();
    // The flag words this chunk's points fall in; a chunk may start inside a word.
    let firstWord = base / 32u;
    if (lane <= (base + taken - 1u) / 32u - firstWord) {
      let word = firstWord + lane;
      var bits = output.flags[word];
      for (var bit = 0u; bit < 32u; bit++) {
        let point = word * 32u + bit;
        if (point >= base && point < base + taken) { bits |= laneFlags[point - base] << bit; }
      }
      output.flags[word] = bits;
    }
    if (lane == 0u) { head += vec2<f32>(scanA[taken - 1u], scanB[taken - 1u]); }
    workgroupBarrier();
    filled = min(filled + taken, WINDOW);
    cursor += taken;
    base += taken;
    if (cursor == WINDOW) {
      store_suffix_sums(lane);
      cursor = 0u;
      if (lane == 0u) { head = vec2<f32>(0.0, 0.0); }
    }
    storageBarrier();
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
    counters[0] = filled;
    counters[1] = cursor;
    counters[2] = position + count;
    sums[0] = head.x;
    sums[1] = head.y;
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
 * The CPU implementation's per-point loop (the WGSL body's method, one point at a time, in
 * float64). Module-level so every detector shares its optimised code: V8 keeps type feedback per
 * closure, and a fresh closure per kernel would start cold. Sets the flags and updates window,
 * sums, history and counters 0..1.
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
  const slots = state.window;
  const counters = state.counters;
  const history = state.history;
  const position = counters[2]!;
  const suffix1 = window;
  const suffix2 = 2 * window;
  let filled = counters[0]!;
  let cursor = counters[1]!;
  // The current block's sums (slots before the cursor); the previous block's are suffix sums.
  let head1 = state.sums[0]!;
  let head2 = state.sums[1]!;
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
      const s1 = head1 + slots[suffix1 + cursor]!;
      const s2 = head2 + slots[suffix2 + cursor]!;
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
    slots[cursor] = residual;
    head1 += residual;
    head2 += residual * residual;
    if (filled < window) filled++;
    cursor++;
    if (cursor === window) {
      storeSuffixSums(slots, window);
      cursor = 0;
      head1 = 0;
      head2 = 0;
    }
    previous3 = previous2;
    previous2 = previous1;
    previous1 = x;
  }
  counters[0] = filled;
  counters[1] = cursor;
  state.sums[0] = head1;
  state.sums[1] = head2;
  history[0] = previous1;
  history[1] = previous2;
  history[2] = previous3;
  return { anomalies, maxRatio };
}

/**
 * Stores the completed block's suffix sums of residuals (`window + c`) and of squares
 * (`2·window + c`) behind its residuals (`0..window−1`), back to front: additions only.
 */
function storeSuffixSums(slots: Float32Array, window: number): void {
  let sum = 0;
  let squares = 0;
  for (let slot = window - 1; slot >= 0; slot--) {
    const value = slots[slot]!;
    sum += value;
    squares += value * value;
    slots[window + slot] = sum;
    slots[2 * window + slot] = squares;
  }
}
