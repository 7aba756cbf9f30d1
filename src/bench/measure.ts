import { InvalidArgumentError, describeValue } from '../errors.js';

function sortedCopy(values: ArrayLike<number>, caller: string): Float64Array {
  if (values.length === 0) throw new InvalidArgumentError(`${caller} needs at least one value, got none`);
  // A Float64Array sorts numerically without a comparator, and copying keeps the caller's order.
  return Float64Array.from(values).sort();
}

/**
 * The median of `values` (the mean of the two middle values for an even count).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * median([4, 1, 3, 2]); // 2.5
 * ```
 */
export function median(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values, 'median');
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The nearest-rank percentile `p` (0..100) of `values`: the smallest value such that at least
 * `p` % of the values are less than or equal to it (`p = 0` gives the minimum).
 *
 * @example
 * ```ts
 * percentile([10, 20, 30, 40], 50); // 20
 * percentile(roundTripTimes, 99);
 * ```
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(values, 'percentile'), p);
}

/** {@link percentile} of values already sorted ascending (several percentiles, one sort). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) {
    throw new InvalidArgumentError(`percentile expects p within 0..100, got ${describeValue(p)}`);
  }
  if (sorted.length === 0) throw new InvalidArgumentError('percentile needs at least one value, got none');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/**
 * Milliseconds `work` takes (awaited), timed with `performance.now()` (available in Node and
 * browsers; Node's has sub-microsecond resolution).
 *
 * @example
 * ```ts
 * const elapsedMs = await measureElapsedMs(() => pump(100_000));
 * ```
 */
export async function measureElapsedMs(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Options of {@link repeat}. */
export interface RepeatOptions {
  /** Runs whose figures are thrown away, to let the JIT and caches settle (default 2). */
  readonly warmupRuns?: number;
  /** Runs whose figures count (default 7). */
  readonly runs?: number;
  /** Called after every run, warm-up included, with the runs done and the total (for progress). */
  readonly onRun?: (completed: number, total: number) => void;
}

/** What {@link repeat} returns: the median of every figure, and each timed run's figures. */
export interface RepeatResult<Figure extends string> {
  readonly medians: Readonly<Record<Figure, number>>;
  readonly runs: readonly Readonly<Record<Figure, number>>[];
}

/**
 * Runs `measureOnce` for `warmupRuns` discarded runs, then `runs` timed runs, and returns the
 * median of each figure it reports. One run may report several figures (a p50 and a p99 of the
 * same round trips, for example).
 *
 * @example
 * ```ts
 * const { medians } = await repeat(async () => {
 *   const elapsedMs = await measureElapsedMs(() => pump(messages));
 *   return { msgsPerSecond: messages / (elapsedMs / 1000) };
 * }, { warmupRuns: 2, runs: 7 });
 * ```
 */
export async function repeat<Figure extends string>(
  measureOnce: () => Promise<Readonly<Record<Figure, number>>> | Readonly<Record<Figure, number>>,
  options: RepeatOptions = {},
): Promise<RepeatResult<Figure>> {
  const { warmupRuns = 2, runs = 7, onRun } = options;
  if (!Number.isInteger(warmupRuns) || warmupRuns < 0) {
    throw new InvalidArgumentError(
      `repeat warmupRuns must be an integer >= 0, got ${describeValue(warmupRuns)}`,
    );
  }
  if (!Number.isInteger(runs) || runs < 1) {
    throw new InvalidArgumentError(`repeat runs must be an integer >= 1, got ${describeValue(runs)}`);
  }
  const total = warmupRuns + runs;
  const timed: Readonly<Record<Figure, number>>[] = [];
  for (let run = 0; run < total; run++) {
    const figures = await measureOnce();
    if (run >= warmupRuns) timed.push(figures);
    onRun?.(run + 1, total);
  }
  const first = timed[0] as Readonly<Record<Figure, number>>;
  const medians = {} as Record<Figure, number>;
  for (const figure of Object.keys(first) as Figure[]) {
    medians[figure] = median(timed.map((figures) => figures[figure]));
  }
  return { medians, runs: timed };
}
