import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ringSuite } from '../../src/bench/suites/ring.js';

test('the ring bench suite runs end to end in quick mode and reports every figure', async () => {
  const lines: string[] = [];
  let lastProgress = 0;
  const results = await ringSuite.run({
    quick: true,
    progress: (fraction) => (lastProgress = fraction),
    log: (line) => lines.push(line),
  });
  assert.deepEqual(
    results.map((result) => result.name),
    [
      'ring.frames_per_s',
      'ring.unbatched.frames_per_s',
      'ring.rtt.p50_us',
      'ring.rtt.p99_us',
      'ring.rtt_sleeping.p50_us',
      'ring.rtt_sleeping.p99_us',
      'ring.rtt_wait_async.p50_us',
      'ring.rtt_wait_async.p99_us',
    ],
  );
  for (const result of results) assert.ok(Number.isFinite(result.value) && result.value > 0, result.name);
  assert.equal(lastProgress, 1);
  assert.ok(lines.some((line) => line.startsWith('ring frames/s per run')));
});
