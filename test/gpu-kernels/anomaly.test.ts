import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anomalyDetector,
  anomalyMessages,
  detectionQuality,
  seededUniform,
  streamAnomalies,
  syntheticSignal,
  type AnomalyReport,
} from '../../src/gpu-kernels/anomaly/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { PATIENCE_MS, probeWebgpu } from './helpers.js';

interface DetectorSettings {
  readonly window: number;
  readonly warmup: number;
  readonly threshold: number;
}

/** The detector's defaults. */
const DEFAULTS: DetectorSettings = { window: 10_000, warmup: 30, threshold: 3 };

/** What the float64 reference says about each point of a stream. */
interface ReferenceScores {
  /** 1 where |z| > threshold. */
  readonly flags: Uint8Array;
  /** z² of each point (0 while fewer than `warmup` residuals precede it). */
  readonly squaredScores: Float64Array;
  /** Largest |z| of the stream. */
  readonly maxScore: number;
}

/**
 * The detector's documented method, written independently of it in float64 and without running
 * sums: residual r[t] = x[t] − median(x[t−1], x[t−2], x[t−3]) (0 for the first three points, which
 * still enter the window); point t is scored against the `min(t, window)` residuals before it, when
 * there are at least `warmup`, with that window's mean and population variance computed in two
 * passes from scratch; it is anomalous when z² = (r[t] − mean)² / variance > threshold².
 */
function referenceScores(values: Float32Array, settings: DetectorSettings): ReferenceScores {
  const { window, warmup, threshold } = settings;
  const count = values.length;
  const residuals = new Float64Array(count);
  for (let t = 3; t < count; t++) {
    const previous = [values[t - 1]!, values[t - 2]!, values[t - 3]!].sort((a, b) => a - b);
    residuals[t] = values[t]! - previous[1]!;
  }
  const flags = new Uint8Array(count);
  const squaredScores = new Float64Array(count);
  let maxSquared = 0;
  for (let t = warmup; t < count; t++) {
    const start = Math.max(0, t - window);
    const n = t - start;
    if (n < warmup) continue;
    let sum = 0;
    for (let i = start; i < t; i++) sum += residuals[i]!;
    const mean = sum / n;
    let squares = 0;
    for (let i = start; i < t; i++) squares += (residuals[i]! - mean) ** 2;
    const variance = squares / n;
    if (!(variance > 0)) throw new Error(`the scenario has a constant window before point ${t}`);
    const squared = (residuals[t]! - mean) ** 2 / variance;
    squaredScores[t] = squared;
    if (squared > threshold * threshold) flags[t] = 1;
    if (squared > maxSquared) maxSquared = squared;
  }
  return { flags, squaredScores, maxScore: Math.sqrt(maxSquared) };
}

/**
 * How far from the threshold (relative, in z²) a point may be and still be flagged differently
 * from the reference. The detector rounds residuals to float32 (2^-24 ≈ 6e-8 relative) and, on
 * WebGPU, keeps its window sums in float32, but only ever adds terms that are still in the window:
 * each sum of a 10,000-point window goes through fewer than 200 roundings (about 40 per lane and
 * 8 scan levels for the suffix sums, 8 scan levels and one per 256-point chunk for the current
 * block), so z² is off by less than about 1e-5 relative on these zero-mean residuals. Ten times that
 * excuses only points practically on the threshold; none are needed by the scenarios here.
 */
const BOUNDARY = 1e-4;

function assertMatchesReference(
  detected: Uint8Array,
  maxScore: number,
  reference: ReferenceScores,
  settings: DetectorSettings,
): void {
  const thresholdSquared = settings.threshold * settings.threshold;
  const differing: number[] = [];
  for (let index = 0; index < detected.length; index++)
    if (detected[index] !== reference.flags[index]) differing.push(index);
  const unexplained = differing.filter(
    (index) => Math.abs(reference.squaredScores[index]! / thresholdSquared - 1) > BOUNDARY,
  );
  assert.deepEqual(
    unexplained.slice(0, 10),
    [],
    `${unexplained.length} points flagged differently from the float64 reference, away from the threshold`,
  );
  assert.ok(
    Math.abs(maxScore - reference.maxScore) <= BOUNDARY * reference.maxScore,
    `max |z| ${maxScore}, reference ${reference.maxScore}`,
  );
}

const count = (flags: Uint8Array) => flags.reduce((sum, flag) => sum + flag, 0);

/** Standard normal draws (Box-Muller over mulberry32), deterministic for a seed. */
function gaussians(seed: number): () => number {
  const random = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** 400 points of N(0, 1000²) then 624 of N(0, 0.1²): a 10,000× drop in noise inside one 256-point window. */
function noiseDrop(): Float32Array {
  const gaussian = gaussians(5);
  return Float32Array.from({ length: 1024 }, (_, t) => (t < 400 ? 1000 : 0.1) * gaussian());
}

/**
 * Segments of 50..1500 points, each with its own level, loud (σ 30..1000) and quiet (σ 0.01..0.3)
 * in turn (log-uniform), with 1% of the points shifted by ±(4..8)σ.
 */
function noiseRegimes(points: number, seed: number): Float32Array {
  const random = seededUniform(seed);
  const gaussian = gaussians(seed + 1);
  const values = new Float32Array(points);
  let loud = true;
  for (let start = 0; start < points;) {
    const length = 50 + Math.floor(random() * 1450);
    const sigma = 10 ** ((loud ? 1.5 : -2) + 1.5 * random());
    loud = !loud;
    const level = (random() - 0.5) * 100;
    for (let t = start; t < Math.min(points, start + length); t++) {
      const spike = random() < 0.01 ? (random() < 0.5 ? -1 : 1) * (4 + 4 * random()) : 0;
      values[t] = level + sigma * (gaussian() + spike);
    }
    start += length;
  }
  return values;
}

async function detect(
  backend: 'cpu' | 'webgpu',
  values: Float32Array,
  batchSize: number,
  settings: DetectorSettings = DEFAULTS,
) {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('anomaly', anomalyDetector({ batchSize, backend, ...settings }));
    await runtime.activate('anomaly');
    const result = await streamAnomalies(runtime, 'anomaly', values, { batchSize, timeout: PATIENCE_MS });
    return { result, telemetry: runtime.getTelemetry('anomaly') };
  } finally {
    await runtime.terminateAll();
  }
}

test('the synthetic stream has 1% labelled anomalies and is deterministic', () => {
  const first = syntheticSignal({ points: 20_000 });
  const second = syntheticSignal({ points: 20_000 });
  assert.equal(first.anomalyCount, 200);
  assert.equal(
    first.labels.reduce((sum, label) => sum + label, 0),
    200,
  );
  assert.deepEqual(first.values, second.values);
});

const benchmarkSignal = syntheticSignal({ points: 200_000, seed: 7 });
let benchmarkReference: ReferenceScores | undefined;

for (const batchSize of [100, 500, 1000]) {
  test(`at micro-batches of ${batchSize} the CPU detector flags what the float64 reference flags`, async () => {
    // About 2 s for 200,000 points against 10,000-point windows; computed once for all batch sizes.
    benchmarkReference ??= referenceScores(benchmarkSignal.values, DEFAULTS);
    const { result, telemetry } = await detect('cpu', benchmarkSignal.values, batchSize);
    assertMatchesReference(result.detected, result.maxScore, benchmarkReference, DEFAULTS);
    const quality = detectionQuality(result.detected, benchmarkSignal.labels);
    assert.ok(quality.precision >= 0.95, `precision ${quality.precision}`);
    assert.ok(quality.recall >= 0.95, `recall ${quality.recall}`);
    assert.equal(result.anomalies, quality.truePositives + quality.falsePositives);
    assert.equal(result.batches, 200_000 / batchSize);
    assert.equal(telemetry.messagesProcessed, result.batches);
  });
}

test('each report covers its own batch: positions follow the stream, flags only within count', async () => {
  const runtime = new RingKernelRuntime();
  const { Batch } = anomalyMessages(100);
  try {
    await runtime.launch('anomaly', anomalyDetector({ batchSize: 100, warmup: 10 }));
    await runtime.activate('anomaly');
    const quiet = new Float32Array(100).fill(1);
    const first = await runtime.request<AnomalyReport>(
      'anomaly',
      Batch.create({ values: quiet, count: 100 }),
    );
    const spiky = new Float32Array(100).fill(1);
    spiky[40] = 50; // an anomaly inside count
    spiky[90] = 50; // beyond count: must be ignored
    const second = await runtime.request<AnomalyReport>(
      'anomaly',
      Batch.create({ values: spiky, count: 60 }),
    );
    assert.deepEqual([first.position, second.position], [0, 100]);
    assert.equal(second.anomalies, 1);
    assert.equal(second.flags[1], 1 << (40 - 32));
    assert.equal(second.flags[2], 0);
  } finally {
    await runtime.terminateAll();
  }
});

const webgpu = await probeWebgpu();

for (const backend of ['cpu', 'webgpu'] as const) {
  const options = { skip: backend === 'webgpu' ? webgpu.skip : false };

  test(
    `after a 10,000× drop in noise the ${backend} detector flags what the float64 reference flags`,
    options,
    async () => {
      const settings = { window: 256, warmup: 30, threshold: 3 };
      const values = noiseDrop();
      const reference = referenceScores(values, settings);
      assert.equal(count(reference.flags.subarray(400)), 0, 'the quiet stretch has no anomalies');
      const { result } = await detect(backend, values, 64, settings);
      // Running sums that subtract the σ = 1000 residuals as they leave kept only rounding noise of
      // them: the quiet stretch was flagged (110 points with these values) until the window wrapped.
      assert.equal(count(result.detected.subarray(400)), 0);
      assertMatchesReference(result.detected, result.maxScore, reference, settings);
    },
  );

  test(
    `through random noise regimes (σ 0.01..1000) the ${backend} detector flags what the float64 reference flags`,
    options,
    async () => {
      // Window, batch size, stream length and the 256 lanes of a WebGPU chunk divide none of each
      // other: chunks end mid-batch and mid-word where the window turns, the last batch is partial.
      const settings = { window: 700, warmup: 30, threshold: 3.5 };
      const values = noiseRegimes(15_500, 21);
      const reference = referenceScores(values, settings);
      assert.ok(count(reference.flags) > 100, 'the scenario has anomalies to find');
      const { result } = await detect(backend, values, 1000, settings);
      assertMatchesReference(result.detected, result.maxScore, reference, settings);
    },
  );
}

test(
  'on the synthetic stream the WebGPU detector flags what the float64 reference flags',
  { skip: webgpu.skip },
  async () => {
    // Small: the GPU here may be a software rasterizer.
    const signal = syntheticSignal({ points: 24_000, seed: 11 });
    const gpu = await detect('webgpu', signal.values, 1000);
    assertMatchesReference(
      gpu.result.detected,
      gpu.result.maxScore,
      referenceScores(signal.values, DEFAULTS),
      DEFAULTS,
    );
    assert.equal(gpu.telemetry.device?.backend, 'webgpu');
    const quality = detectionQuality(gpu.result.detected, signal.labels);
    assert.ok(quality.precision >= 0.95 && quality.recall >= 0.95);
  },
);
