import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThroughputMeter } from '../../src/telemetry/index.js';
import { InvalidArgumentError } from '../../src/errors.js';

/** A clock the test moves by hand. */
function fakeClock(startMs = 5_000): { now: () => number; advance: (ms: number) => void } {
  let current = startMs;
  return { now: () => current, advance: (ms) => (current += ms) };
}

test('a steady stream reports its rate over the window and over the lifetime', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ windowBuckets: 5, clock: clock.now });
  for (let tick = 0; tick < 200; tick++) {
    meter.record(100);
    clock.advance(100);
  }
  assert.equal(meter.total, 20_000);
  assert.equal(meter.rate(), 1000);
  assert.equal(meter.lifetimeRate(), 1000);
});

test('a young meter divides by its age, not by the whole window', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ windowBuckets: 10, clock: clock.now });
  clock.advance(500);
  meter.record(50);
  assert.equal(meter.rate(), 100);
  assert.equal(meter.lifetimeRate(), 100);
});

test('the window follows a change of rate while the lifetime average remembers', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ windowBuckets: 4, clock: clock.now });
  for (let second = 0; second < 10; second++) {
    meter.record(1000);
    clock.advance(1000);
  }
  for (let second = 0; second < 10; second++) {
    meter.record(10);
    clock.advance(1000);
  }
  assert.equal(meter.rate(), 10);
  assert.equal(meter.lifetimeRate(), 10_100 / 20);
});

test('events older than the window roll out; an idle meter reports 0', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ windowBuckets: 3, bucketMs: 1000, clock: clock.now });
  meter.record(600);
  clock.advance(1500);
  assert.equal(meter.rate(), 400);
  clock.advance(3000);
  assert.equal(meter.rate(), 0);
  assert.equal(meter.lifetimeRate(), 600 / 4.5);
  // Recording after a gap longer than the window does not resurrect stale buckets.
  meter.record(7);
  assert.equal(meter.rate(), 7 / 2.5);
});

test('the rate covers exactly the buckets in the window', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ windowBuckets: 3, bucketMs: 1000, clock: clock.now });
  meter.record(300); // bucket 0
  clock.advance(1000);
  meter.record(30); // bucket 1
  clock.advance(1000);
  meter.record(3); // bucket 2
  clock.advance(1000);
  // Now in bucket 3 (just started): buckets 1..3 cover 2 s.
  assert.equal(meter.rate(), 33 / 2);
  clock.advance(500);
  assert.equal(meter.rate(), 33 / 2.5);
});

test('explicit timestamps work and a stale one counts in the current bucket', () => {
  const clock = fakeClock(0);
  const meter = new ThroughputMeter({ windowBuckets: 2, clock: clock.now });
  meter.record(10, 1500);
  meter.record(5, 200);
  assert.equal(meter.total, 15);
  assert.equal(meter.rate(2000), 15);
  assert.deepEqual(meter.snapshot(2000), { total: 15, ratePerSecond: 15, lifetimeRatePerSecond: 7.5 });
});

test('no time elapsed means a rate of 0, not a division by zero', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ clock: clock.now });
  meter.record(3);
  assert.equal(meter.rate(), 0);
  assert.equal(meter.lifetimeRate(), 0);
});

test('reset forgets events and restarts the lifetime', () => {
  const clock = fakeClock();
  const meter = new ThroughputMeter({ clock: clock.now });
  clock.advance(1000);
  meter.record(1000);
  meter.reset();
  clock.advance(2000);
  meter.record(20);
  assert.equal(meter.total, 20);
  assert.equal(meter.rate(), 10);
  assert.equal(meter.lifetimeRate(), 10);
});

test('the default clock is performance.now', () => {
  const meter = new ThroughputMeter();
  meter.record(4);
  assert.equal(meter.total, 4);
  assert.ok(meter.rate(performance.now() + 1000) > 0);
});

test('invalid options throw InvalidArgumentError naming the option', () => {
  assert.throws(
    () => new ThroughputMeter({ windowBuckets: 0 }),
    /windowBuckets must be an integer >= 1, got 0/,
  );
  assert.throws(() => new ThroughputMeter({ windowBuckets: 1.5 }), InvalidArgumentError);
  assert.throws(() => new ThroughputMeter({ bucketMs: 0 }), /bucketMs must be a finite number > 0/);
  assert.throws(() => new ThroughputMeter({ bucketMs: Number.NaN }), InvalidArgumentError);
});
