import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureElapsedMs, median, percentile, percentileOfSorted, repeat } from '../../src/bench/index.js';
import { InvalidArgumentError } from '../../src/errors.js';

test('median of odd and even counts, without reordering the input', () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median(new Float64Array([7])), 7);
  assert.equal(median([10, 2, 33]), 10, 'numeric, not lexicographic, order');
});

test('percentile is nearest-rank', () => {
  const values = [40, 10, 30, 20];
  assert.equal(percentile(values, 0), 10);
  assert.equal(percentile(values, 25), 10);
  assert.equal(percentile(values, 25.1), 20);
  assert.equal(percentile(values, 50), 20);
  assert.equal(percentile(values, 99), 40);
  assert.equal(percentile(values, 100), 40);
  const hundred = Array.from({ length: 100 }, (_, index) => 100 - index);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentileOfSorted([1, 2, 3], 50), 2);
});

test('empty inputs and out-of-range percentiles throw InvalidArgumentError', () => {
  assert.throws(() => median([]), InvalidArgumentError);
  assert.throws(() => percentile([], 50), /at least one value/);
  assert.throws(() => percentile([1], 101), /within 0\.\.100/);
  assert.throws(() => percentile([1], Number.NaN), InvalidArgumentError);
});

test('repeat discards the warm-up runs and reports the median of each figure', async () => {
  let call = 0;
  const progress: string[] = [];
  const outcome = await repeat(
    // Warm-up runs report huge figures that must not count.
    () => {
      call++;
      return call <= 2 ? { a: 1e9, b: 1e9 } : { a: call, b: 100 - call };
    },
    { warmupRuns: 2, runs: 5, onRun: (done, total) => progress.push(`${done}/${total}`) },
  );
  assert.equal(call, 7);
  assert.deepEqual(outcome.medians, { a: 5, b: 95 });
  assert.deepEqual(
    outcome.runs.map((run) => run.a),
    [3, 4, 5, 6, 7],
  );
  assert.deepEqual(progress, ['1/7', '2/7', '3/7', '4/7', '5/7', '6/7', '7/7']);
});

test('repeat awaits asynchronous runs one after the other', async () => {
  let running = 0;
  let overlapped = false;
  const outcome = await repeat(
    async () => {
      running++;
      if (running > 1) overlapped = true;
      await Promise.resolve();
      running--;
      return { value: 1 };
    },
    { warmupRuns: 0, runs: 3 },
  );
  assert.equal(overlapped, false);
  assert.deepEqual(outcome.medians, { value: 1 });
});

test('repeat rejects impossible run counts', async () => {
  await assert.rejects(
    repeat(() => ({ x: 1 }), { runs: 0 }),
    /runs must be an integer >= 1/,
  );
  await assert.rejects(
    repeat(() => ({ x: 1 }), { warmupRuns: -1 }),
    InvalidArgumentError,
  );
});

test('measureElapsedMs times an awaited piece of work', async () => {
  let finished = false;
  const elapsed = await measureElapsedMs(async () => {
    await Promise.resolve();
    finished = true;
  });
  assert.equal(finished, true);
  assert.ok(elapsed >= 0 && Number.isFinite(elapsed));
});
