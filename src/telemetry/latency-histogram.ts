import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * Layout (fixed, so any two histograms merge): values below 2^6 ns get one exact bucket each; above,
 * every power of two is split into 64 equal sub-buckets. A bucket is therefore at most 1/64 (1.6 %)
 * of its lower bound wide, and reporting its midpoint keeps the error within 0.8 %.
 */
const SUB_BUCKET_BITS = 6;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS;
const SUB_BUCKET_MASK = SUB_BUCKET_COUNT - 1;
/** 2^42 ns ≈ 73 minutes: the top of the last octave. */
const HIGHEST_EXPONENT = 41;
const BUCKET_COUNT = (HIGHEST_EXPONENT - SUB_BUCKET_BITS + 2) * SUB_BUCKET_COUNT;
const CHUNK_COUNT = BUCKET_COUNT / SUB_BUCKET_COUNT;
const TWO_POW_32 = 4294967296;
const BEYOND_RANGE = 2 ** (HIGHEST_EXPONENT + 1);

/** `2^-(exponent - SUB_BUCKET_BITS)` per exponent, so wide values need a multiply, not a division. */
const SHIFT_SCALE = new Float64Array(64);
for (let exponent = SUB_BUCKET_BITS; exponent < 64; exponent++) {
  SHIFT_SCALE[exponent] = 2 ** -(exponent - SUB_BUCKET_BITS);
}

/** Index of the bucket holding integer `value` (0 ≤ value). Values beyond the range land in the last bucket. */
function bucketIndexOf(value: number): number {
  if (value < SUB_BUCKET_COUNT) return value;
  if (value < TWO_POW_32) {
    const exponent = 31 - Math.clz32(value);
    return (
      ((exponent - SUB_BUCKET_BITS + 1) << SUB_BUCKET_BITS) +
      ((value >>> (exponent - SUB_BUCKET_BITS)) & SUB_BUCKET_MASK)
    );
  }
  // Checked before clz32, whose ToUint32 conversion would wrap values of 2^64 and above.
  if (value >= BEYOND_RANGE) return BUCKET_COUNT - 1;
  const exponent = 63 - Math.clz32(value / TWO_POW_32);
  const shifted = Math.floor(value * (SHIFT_SCALE[exponent] as number));
  return ((exponent - SUB_BUCKET_BITS + 1) << SUB_BUCKET_BITS) + (shifted & SUB_BUCKET_MASK);
}

/** The value that stands for every sample of a bucket: its midpoint (exact for the one-value buckets). */
function representativeValueOf(index: number): number {
  if (index < SUB_BUCKET_COUNT) return index;
  const octave = (index >> SUB_BUCKET_BITS) - 1;
  const width = 2 ** octave;
  const lowerBound = ((index & SUB_BUCKET_MASK) + SUB_BUCKET_COUNT) * width;
  return lowerBound + (width - 1) / 2;
}

/** Plain-object summary of a {@link LatencyHistogram}, all durations in nanoseconds. */
export interface LatencySnapshot {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * A latency distribution in nanoseconds with percentiles, recorded in O(1) without allocation.
 *
 * Buckets are log-linear (HdrHistogram style), stored per octave and allocated on first use: exact below 64 ns, then
 * 64 sub-buckets per power of two up to 2^42 ns (about 73 minutes). Percentiles are reported within
 * 0.8 % of the true sample (bucket midpoints, clamped to the exact `min`/`max`); `count`, `min`,
 * `max` and `mean` are exact. Samples are truncated to whole nanoseconds for bucketing; larger
 * samples than 2^42 ns count in the top bucket but still set `max` and `mean` exactly.
 *
 * An empty histogram reports `0` for `min`, `max`, `mean` and every percentile (check `count`
 * to tell "no samples" from "all zero"); this keeps snapshots JSON-safe, where `NaN` would not be.
 *
 * @example
 * ```ts
 * const latency = new LatencyHistogram();
 * const start = performance.now();
 * handle(message);
 * latency.record((performance.now() - start) * 1e6);
 * const { p50, p99, max } = latency.snapshot();
 * ```
 */
export class LatencyHistogram {
  /** Number of buckets in every histogram (they all share one layout, so any two can merge). */
  static readonly bucketCount = BUCKET_COUNT;
  /** Largest duration (ns) with its own bucket: about 73 minutes. */
  static readonly highestTrackableNs = 2 ** (HIGHEST_EXPONENT + 1) - 1;

  /**
   * Bucket counts in chunks of one octave (64 buckets), each allocated when a sample first lands in
   * it: a kernel's latencies usually span a few octaves, so a histogram costs ~1–2 KB, not the
   * 19 KB of the whole range.
   */
  readonly #chunks: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(CHUNK_COUNT);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  /**
   * Adds one sample of `ns` nanoseconds (a finite number ≥ 0; fractions are truncated for bucketing),
   * or `count` samples of that value at once (a batch whose per-message time is known only on average).
   *
   * @throws {InvalidArgumentError} when `ns` is negative, NaN or infinite, or `count` is not a
   * positive integer: a bad clock reading is a bug in the caller, and silently dropping it would
   * skew the figures.
   */
  record(ns: number, count = 1): void {
    if (!(ns >= 0 && ns < Infinity)) {
      throw new InvalidArgumentError(
        `LatencyHistogram.record expects a duration in nanoseconds (finite, >= 0), got ${describeValue(ns)}`,
      );
    }
    if (count !== 1 && !(Number.isSafeInteger(count) && count > 0)) {
      throw new InvalidArgumentError(
        `LatencyHistogram.record expects count to be a positive integer, got ${describeValue(count)}`,
      );
    }
    const index = bucketIndexOf(Math.floor(ns));
    const chunk = (this.#chunks[index >> SUB_BUCKET_BITS] ??= new Float64Array(SUB_BUCKET_COUNT));
    chunk[index & SUB_BUCKET_MASK] = (chunk[index & SUB_BUCKET_MASK] as number) + count;
    this.#count += count;
    this.#sum += ns * count;
    if (ns < this.#min) this.#min = ns;
    if (ns > this.#max) this.#max = ns;
  }

  /** Number of samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** Smallest sample (exact), or 0 when empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** Largest sample (exact), or 0 when empty. */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }

  /** Arithmetic mean of the samples (exact), or 0 when empty. */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The sample value at percentile `p` (0..100) by nearest rank: at least `p` % of the samples are
   * less than or equal to it. `percentile(0)` is `min`, `percentile(100)` is `max`; 0 when empty.
   *
   * @throws {InvalidArgumentError} when `p` is not a number within 0..100.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) {
      throw new InvalidArgumentError(`percentile expects p within 0..100, got ${describeValue(p)}`);
    }
    if (this.#count === 0) return 0;
    if (p === 0) return this.#min;
    if (p === 100) return this.#max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    const last = bucketIndexOf(Math.floor(this.#max));
    let seen = 0;
    for (let index = bucketIndexOf(Math.floor(this.#min)); index <= last; index++) {
      seen += this.#countAt(index);
      if (seen >= rank) return this.#clampToRange(representativeValueOf(index));
    }
    return this.#max;
  }

  /** Forgets every sample. */
  reset(): void {
    this.#chunks.fill(undefined);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
  }

  /** Adds every sample of `other` to this histogram (for example per-kernel histograms into a summary). */
  merge(other: LatencyHistogram): this {
    if (other.#count === 0) return this;
    const source = other.#chunks;
    const target = this.#chunks;
    for (let chunk = 0; chunk < CHUNK_COUNT; chunk++) {
      const from = source[chunk];
      if (from === undefined) continue;
      const into = (target[chunk] ??= new Float64Array(SUB_BUCKET_COUNT));
      for (let sub = 0; sub < SUB_BUCKET_COUNT; sub++)
        into[sub] = (into[sub] as number) + (from[sub] as number);
    }
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
    return this;
  }

  /** Count, min, max, mean, p50, p95 and p99 as a plain object (durations in ns). */
  snapshot(): LatencySnapshot {
    if (this.#count === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 };
    // One pass over the buckets for the three percentiles.
    const ranks = [0.5, 0.95, 0.99].map((fraction) => Math.max(1, Math.ceil(fraction * this.#count)));
    const values = [this.#max, this.#max, this.#max];
    const last = bucketIndexOf(Math.floor(this.#max));
    let seen = 0;
    let next = 0;
    for (let index = bucketIndexOf(Math.floor(this.#min)); index <= last && next < 3; index++) {
      seen += this.#countAt(index);
      while (next < 3 && seen >= (ranks[next] as number)) {
        values[next] = this.#clampToRange(representativeValueOf(index));
        next++;
      }
    }
    return {
      count: this.#count,
      min: this.#min,
      max: this.#max,
      mean: this.#sum / this.#count,
      p50: values[0] as number,
      p95: values[1] as number,
      p99: values[2] as number,
    };
  }

  #countAt(index: number): number {
    const chunk = this.#chunks[index >> SUB_BUCKET_BITS];
    return chunk === undefined ? 0 : (chunk[index & SUB_BUCKET_MASK] as number);
  }

  #clampToRange(value: number): number {
    return value < this.#min ? this.#min : value > this.#max ? this.#max : value;
  }
}
