import { InvalidArgumentError, describeValue } from '../errors.js';

/** Options of {@link ThroughputMeter}; every field has a default. */
export interface ThroughputMeterOptions {
  /** Number of buckets in the sliding window (default 10: the last 9 to 10 seconds with 1 s buckets). */
  readonly windowBuckets?: number;
  /** Width of one bucket in milliseconds (default 1000). */
  readonly bucketMs?: number;
  /**
   * Monotonic clock in milliseconds (default `performance.now()`). Inject a fake one in tests so
   * they never sleep.
   */
  readonly clock?: () => number;
  /** When the meter's lifetime starts (ms on `clock`); default: now. */
  readonly startMs?: number;
}

/** Plain-object summary of a {@link ThroughputMeter}. */
export interface ThroughputSnapshot {
  /** Events since creation or the last `reset()`. */
  readonly total: number;
  /** Events per second over the sliding window. */
  readonly ratePerSecond: number;
  /** Events per second since creation or the last `reset()`. */
  readonly lifetimeRatePerSecond: number;
}

/**
 * Events per second over a sliding window (a ring of fixed-width buckets, 1 s by default) and
 * over the meter's lifetime. `record` is O(1) and allocates nothing.
 *
 * The window is the current, partly elapsed bucket plus the `windowBuckets - 1` before it, and the
 * rate divides by the time those buckets really cover (never more than the meter's age), so a
 * young meter is not under-reported and the rate does not saw-tooth as buckets roll over.
 *
 * @example
 * ```ts
 * const processed = new ThroughputMeter({ windowBuckets: 10 });
 * processed.record();        // one event now
 * processed.record(64);      // a batch of 64
 * processed.rate();          // events/s over the last ~10 s
 * processed.lifetimeRate();  // events/s since creation
 * ```
 */
export class ThroughputMeter {
  readonly #clock: () => number;
  readonly #bucketMs: number;
  readonly #buckets: Float64Array;
  #startMs: number;
  /** Absolute number (since start) of the bucket that `record` currently adds to. */
  #currentBucket = 0;
  #total = 0;

  constructor(options: ThroughputMeterOptions = {}) {
    const { windowBuckets = 10, bucketMs = 1000, clock = () => performance.now() } = options;
    if (!Number.isInteger(windowBuckets) || windowBuckets < 1) {
      throw new InvalidArgumentError(
        `ThroughputMeter windowBuckets must be an integer >= 1, got ${describeValue(windowBuckets)}`,
      );
    }
    if (!(bucketMs > 0 && bucketMs < Infinity)) {
      throw new InvalidArgumentError(
        `ThroughputMeter bucketMs must be a finite number > 0, got ${describeValue(bucketMs)}`,
      );
    }
    this.#clock = clock;
    this.#bucketMs = bucketMs;
    this.#buckets = new Float64Array(windowBuckets);
    this.#startMs = options.startMs ?? clock();
  }

  /**
   * Counts `count` events (default 1; a count ≥ 0, not checked on this hot path) at time `nowMs`
   * (default: read the clock; pass a timestamp you already hold to save the clock call, about 45 ns).
   */
  record(count = 1, nowMs: number = this.#clock()): void {
    const slot = this.#advanceTo(nowMs);
    this.#buckets[slot] = (this.#buckets[slot] as number) + count;
    this.#total += count;
  }

  /** Events since creation or the last `reset()`. */
  get total(): number {
    return this.#total;
  }

  /** Events per second over the sliding window, as of `nowMs` (default: now); 0 before any time passed. */
  rate(nowMs: number = this.#clock()): number {
    this.#advanceTo(nowMs);
    const elapsedMs = nowMs - this.#startMs;
    if (!(elapsedMs > 0)) return 0;
    const windowBuckets = this.#buckets.length;
    const intoCurrentMs = elapsedMs - this.#currentBucket * this.#bucketMs;
    const coveredMs = Math.min(elapsedMs, (windowBuckets - 1) * this.#bucketMs + intoCurrentMs);
    let events = 0;
    for (let slot = 0; slot < windowBuckets; slot++) events += this.#buckets[slot] as number;
    return coveredMs > 0 ? (events * 1000) / coveredMs : 0;
  }

  /** Events per second since creation or the last `reset()`, as of `nowMs` (default: now). */
  lifetimeRate(nowMs: number = this.#clock()): number {
    const elapsedMs = nowMs - this.#startMs;
    return elapsedMs > 0 ? (this.#total * 1000) / elapsedMs : 0;
  }

  /** Total, windowed rate and lifetime rate as a plain object. */
  snapshot(nowMs: number = this.#clock()): ThroughputSnapshot {
    return {
      total: this.#total,
      ratePerSecond: this.rate(nowMs),
      lifetimeRatePerSecond: this.lifetimeRate(nowMs),
    };
  }

  /** Forgets every event and restarts the lifetime at `nowMs` (default: now). */
  reset(nowMs: number = this.#clock()): void {
    this.#buckets.fill(0);
    this.#startMs = nowMs;
    this.#currentBucket = 0;
    this.#total = 0;
  }

  /** Rolls the ring forward to the bucket of `nowMs`, zeroing the buckets it skips; returns its slot. */
  #advanceTo(nowMs: number): number {
    const windowBuckets = this.#buckets.length;
    const bucket = Math.floor((nowMs - this.#startMs) / this.#bucketMs);
    // A clock that steps back (or a caller's stale timestamp) counts in the current bucket.
    if (bucket > this.#currentBucket) {
      if (bucket - this.#currentBucket >= windowBuckets) {
        this.#buckets.fill(0);
      } else {
        for (let skipped = this.#currentBucket + 1; skipped <= bucket; skipped++) {
          this.#buckets[skipped % windowBuckets] = 0;
        }
      }
      this.#currentBucket = bucket;
    }
    return this.#currentBucket % windowBuckets;
  }
}
