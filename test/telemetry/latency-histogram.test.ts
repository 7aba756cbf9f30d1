import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../src/telemetry/index.js';
import { InvalidArgumentError } from '../../src/errors.js';

/** The histogram promises percentiles within 0.8 % of the true sample value (exact below 64 ns). */
const RELATIVE_PRECISION = 0.008;

function assertClose(actual: number, expected: number, label: string): void {
  const tolerance = Math.max(1, expected * RELATIVE_PRECISION);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${label}: ${actual} is not within ${tolerance} of ${expected}`,
  );
}

/** Nearest-rank percentile of sorted samples, the definition the histogram follows. */
function exactPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

test('an empty histogram reports count 0 and 0 for every statistic', () => {
  const histogram = new LatencyHistogram();
  assert.equal(histogram.count, 0);
  assert.equal(histogram.min, 0);
  assert.equal(histogram.max, 0);
  assert.equal(histogram.mean, 0);
  assert.equal(histogram.percentile(50), 0);
  assert.equal(histogram.percentile(100), 0);
  assert.deepEqual(histogram.snapshot(), { count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 });
});

test('a constant distribution reports the constant exactly at every percentile', () => {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < 1000; i++) histogram.record(12_345);
  assert.deepEqual(histogram.snapshot(), {
    count: 1000,
    min: 12_345,
    max: 12_345,
    mean: 12_345,
    p50: 12_345,
    p95: 12_345,
    p99: 12_345,
  });
  assert.equal(histogram.percentile(0.1), 12_345);
});

test('uniform 1..1e6 ns: exact count, min, max, mean; percentiles within the stated precision', () => {
  const histogram = new LatencyHistogram();
  for (let ns = 1; ns <= 1_000_000; ns++) histogram.record(ns);
  assert.equal(histogram.count, 1_000_000);
  assert.equal(histogram.min, 1);
  assert.equal(histogram.max, 1_000_000);
  assert.equal(histogram.mean, 500_000.5);
  const snapshot = histogram.snapshot();
  assertClose(snapshot.p50, 500_000, 'p50');
  assertClose(snapshot.p95, 950_000, 'p95');
  assertClose(snapshot.p99, 990_000, 'p99');
  for (const p of [0.01, 1, 10, 25, 33.3, 75, 99.9, 99.99]) {
    assertClose(histogram.percentile(p), Math.ceil(p * 10_000), `p${p}`);
  }
  assert.equal(histogram.percentile(0), 1);
  assert.equal(histogram.percentile(100), 1_000_000);
});

test('bimodal: percentiles land in the right mode', () => {
  const histogram = new LatencyHistogram();
  const samples: number[] = [];
  // 90 % fast (200..299 ns), 10 % slow (5..5.099 ms): a p95 that averaged the modes would be wrong.
  for (let i = 0; i < 9000; i++) samples.push(200 + (i % 100));
  for (let i = 0; i < 1000; i++) samples.push(5_000_000 + i * 99);
  for (const sample of samples) histogram.record(sample);
  samples.sort((a, b) => a - b);
  const snapshot = histogram.snapshot();
  assertClose(snapshot.p50, exactPercentile(samples, 50), 'p50');
  assertClose(snapshot.p95, exactPercentile(samples, 95), 'p95');
  assertClose(snapshot.p99, exactPercentile(samples, 99), 'p99');
  assert.ok(snapshot.p50 < 300 && snapshot.p95 > 5_000_000);
  assertClose(histogram.percentile(90), 299, 'p90 (last fast sample)');
  assertClose(histogram.percentile(90.01), 5_000_000, 'p90.01 (first slow sample)');
});

test('precision holds from 1 ns to one hour', () => {
  for (let value = 1; value <= 3.6e12; value = Math.ceil(value * 1.07)) {
    const histogram = new LatencyHistogram();
    // Neighbours on both sides so the clamp to min/max cannot hide the bucket's own error.
    histogram.record(0);
    histogram.record(value);
    histogram.record(value * 10);
    const reported = histogram.percentile(50);
    if (value < 64) assert.equal(reported, value);
    else assert.ok(Math.abs(reported - value) / value <= RELATIVE_PRECISION, `${reported} for ${value}`);
  }
});

test('small samples follow the nearest-rank definition exactly', () => {
  const histogram = new LatencyHistogram();
  for (const ns of [40, 10, 30, 20]) histogram.record(ns);
  assert.equal(histogram.percentile(25), 10);
  assert.equal(histogram.percentile(26), 20);
  assert.equal(histogram.percentile(50), 20);
  assert.equal(histogram.percentile(75), 30);
  assert.equal(histogram.percentile(99), 40);
});

test('samples beyond the trackable range keep exact max and mean', () => {
  const histogram = new LatencyHistogram();
  histogram.record(100);
  histogram.record(1e15);
  histogram.record(1e25);
  assert.equal(histogram.max, 1e25);
  assert.equal(histogram.percentile(100), 1e25);
  assert.ok(histogram.percentile(60) >= LatencyHistogram.highestTrackableNs / 2);
  assert.equal(histogram.mean, (100 + 1e15 + 1e25) / 3);
});

test('fractional nanoseconds count exactly in min, max and mean', () => {
  const histogram = new LatencyHistogram();
  histogram.record(0.25);
  histogram.record(1.75);
  assert.equal(histogram.min, 0.25);
  assert.equal(histogram.max, 1.75);
  assert.equal(histogram.mean, 1);
});

test('invalid samples and percentiles throw InvalidArgumentError and record nothing', () => {
  const histogram = new LatencyHistogram();
  for (const bad of [-1, Number.NaN, Infinity, -Infinity]) {
    assert.throws(() => histogram.record(bad), InvalidArgumentError);
  }
  assert.equal(histogram.count, 0);
  histogram.record(5);
  for (const bad of [-0.1, 100.1, Number.NaN]) {
    assert.throws(
      () => histogram.percentile(bad),
      (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.match(error.message, /within 0\.\.100/);
        return true;
      },
    );
  }
});

test('merge gives the same histogram as recording everything in one', () => {
  const left = new LatencyHistogram();
  const right = new LatencyHistogram();
  const all = new LatencyHistogram();
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const ns = (seed % 10_000_000) * (i % 3 === 0 ? 100 : 1);
    (i % 2 === 0 ? left : right).record(ns);
    all.record(ns);
  }
  const empty = new LatencyHistogram();
  assert.equal(left.merge(empty), left);
  left.merge(right);
  assert.deepEqual(left.snapshot(), all.snapshot());
  for (const p of [0, 1, 12.5, 50, 87, 99.9, 100]) assert.equal(left.percentile(p), all.percentile(p));
  assert.equal(right.count, 10_000, 'merge leaves its argument alone');

  const fresh = new LatencyHistogram().merge(all);
  assert.deepEqual(fresh.snapshot(), all.snapshot());
});

test('record with a count equals recording the value that many times', () => {
  const batched = new LatencyHistogram();
  const single = new LatencyHistogram();
  batched.record(1500, 3);
  batched.record(90_000, 1);
  for (let i = 0; i < 3; i++) single.record(1500);
  single.record(90_000);
  assert.deepEqual(batched.snapshot(), single.snapshot());
  assert.equal(batched.count, 4);
  for (const bad of [0, -2, 1.5, Number.NaN]) {
    assert.throws(() => batched.record(10, bad), /count to be a positive integer/);
  }
  assert.equal(batched.count, 4);
});

test('reset forgets every sample', () => {
  const histogram = new LatencyHistogram();
  histogram.record(1_000_000);
  histogram.reset();
  assert.deepEqual(histogram.snapshot(), { count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 });
  histogram.record(70);
  assert.equal(histogram.min, 70);
  assert.equal(histogram.percentile(50), 70);
});
