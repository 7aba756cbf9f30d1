import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cudaSuite } from '../../src/bench/suites/cuda.js';
import { probeCudaDevice } from '../../src/gpu-kernels/cuda/index.js';

test('the cuda bench suite runs (quick); without a GPU it names the emulator in every figure', async () => {
  const lines: string[] = [];
  const results = await cudaSuite.run({ quick: true, progress: () => {}, log: (line) => lines.push(line) });
  const onGpu = (await probeCudaDevice()).available;
  const where = onGpu ? 'persistent' : 'emulator';
  for (const name of ['rtt.p50_us', 'rtt.p99_us', 'msgs_per_s', 'anomaly.points_per_s'])
    assert.ok(
      results.some((result) => result.name === `cuda.${where}.${name}`),
      `cuda.${where}.${name}`,
    );
  assert.ok(results.some((result) => result.name === 'cuda.anomaly.cpu_peer.b1000.points_per_s'));
  for (const result of results)
    assert.ok(Number.isFinite(result.value) && result.value > 0, `${result.name} = ${result.value}`);
  if (!onGpu) {
    assert.ok(
      !results.some((result) => result.name.startsWith('cuda.persistent.')),
      'no GPU figure without a GPU',
    );
    assert.match(lines.join('\n'), /no device .*reporting the device emulator as cuda\.emulator\.\*/);
  }
});
