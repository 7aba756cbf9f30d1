import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerSuite } from '../../src/bench/suites/worker.js';

test('the worker bench suite runs (quick) and reports every figure, finite and positive', async () => {
  const lines: string[] = [];
  const results = await workerSuite.run({ quick: true, progress: () => {}, log: (line) => lines.push(line) });
  assert.deepEqual(
    results.map((result) => result.name),
    [
      'worker.rtt.p50_us',
      'worker.rtt.p99_us',
      'worker.throughput.msgs_per_s',
      'worker.handler_rtt.p50_us',
      'worker.handler_rtt.p99_us',
      'worker.request.msgs_per_s',
      'worker.post.msgs_per_s',
      'worker.rtt_lowcpu.p50_us',
      'worker.rtt_lowcpu.p99_us',
      'worker.throughput_lowcpu.msgs_per_s',
    ],
  );
  for (const result of results) {
    assert.ok(Number.isFinite(result.value) && result.value > 0, `${result.name} = ${result.value}`);
  }
  assert.equal(lines.length, 3);
});
