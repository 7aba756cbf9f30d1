import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anomalyDetector,
  anomalyMessages,
  detectionQuality,
  streamAnomalies,
  syntheticSignal,
  type AnomalyReport,
} from '../../src/gpu-kernels/anomaly/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { PATIENCE_MS, probeWebgpu } from './helpers.js';

async function detect(backend: 'cpu' | 'webgpu', values: Float32Array, batchSize: number, inFlight = 8) {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('anomaly', anomalyDetector({ batchSize, backend }));
    await runtime.activate('anomaly');
    const result = await streamAnomalies(runtime, 'anomaly', values, {
      batchSize,
      inFlight,
      timeout: PATIENCE_MS,
    });
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

for (const batchSize of [100, 500, 1000]) {
  test(`precision and recall >= 0.95 on the CPU at micro-batches of ${batchSize}`, async () => {
    const signal = syntheticSignal({ points: 200_000, seed: 7 });
    const { result, telemetry } = await detect('cpu', signal.values, batchSize);
    const quality = detectionQuality(result.detected, signal.labels);
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

test('the WebGPU implementation flags the same points as the CPU one', { skip: webgpu.skip }, async () => {
  // Small: the GPU here may be a software rasterizer.
  const signal = syntheticSignal({ points: 24_000, seed: 11 });
  const cpu = await detect('cpu', signal.values, 1000);
  const gpu = await detect('webgpu', signal.values, 1000);
  let differing = 0;
  for (let index = 0; index < signal.values.length; index++)
    if (cpu.result.detected[index] !== gpu.result.detected[index]) differing++;
  // float32 sums may put a point scoring exactly around the threshold on either side; none do here.
  assert.equal(differing, 0);
  assert.ok(Math.abs(cpu.result.maxScore - gpu.result.maxScore) <= 1e-3 * cpu.result.maxScore);
  assert.equal(gpu.telemetry.device?.backend, 'webgpu');
  const quality = detectionQuality(gpu.result.detected, signal.labels);
  assert.ok(quality.precision >= 0.95 && quality.recall >= 0.95);
});
