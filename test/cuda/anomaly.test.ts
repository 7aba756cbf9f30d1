import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cudaAnomalyDetector } from '../../src/gpu-kernels/cuda/index.js';
import {
  anomalyDetector,
  anomalyMessages,
  syntheticSignal,
  type AnomalyReport,
} from '../../src/gpu-kernels/index.js';
import type { Message } from '../../src/messages/index.js';
import { RingKernelRuntime, type KernelDefinition } from '../../src/runtime/index.js';

async function detect<In extends Message, Out extends Message>(
  kernel: KernelDefinition<In, Out>,
  values: Float32Array,
  batchSize: number,
) {
  const { Batch } = anomalyMessages(batchSize);
  const runtime = new RingKernelRuntime();
  await runtime.launch('anomaly', kernel);
  await runtime.activate('anomaly');
  const reports: AnomalyReport[] = [];
  for (let from = 0; from < values.length; from += batchSize)
    reports.push(
      await runtime.request<AnomalyReport>(
        'anomaly',
        Batch.create({ values: values.subarray(from, from + batchSize), count: batchSize }),
        { timeout: 20_000 },
      ),
    );
  await runtime.terminate('anomaly');
  return reports;
}

test('the persistent anomaly detector (emulator) flags the same points as the CPU detector', async () => {
  const batchSize = 100;
  const signal = syntheticSignal({ points: 6_000 });
  const options = { batchSize, window: 1_000 };
  const onCpu = await detect(anomalyDetector({ ...options, backend: 'cpu' }), signal.values, batchSize);
  const onEmulator = await detect(
    cudaAnomalyDetector({ ...options, device: 'emulator' }),
    signal.values,
    batchSize,
  );
  let total = 0;
  onCpu.forEach((cpu, index) => {
    const emulated = onEmulator[index]!;
    assert.equal(emulated.position, cpu.position);
    assert.deepEqual([...emulated.flags], [...cpu.flags], `flags of batch ${index}`);
    total += emulated.anomalies;
  });
  assert.ok(
    total >= signal.anomalyCount * 0.5,
    `found ${total} of ${signal.anomalyCount} injected anomalies`,
  );
});
