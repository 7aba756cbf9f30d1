/** One figure of a benchmark run, as written to `bench/results/latest.json`. */
export interface BenchResult {
  /** Dotted name, e.g. `runtime.rtt.p50_us`. */
  readonly name: string;
  /** The median over repeated runs after warm-up. */
  readonly value: number;
  /** Unit of `value`, e.g. `us`, `ns`, `msgs/s`, `GB/s`. */
  readonly unit: string;
  /**
   * The goal for this figure as shown in the results table, e.g. `<= 2 us` (optional; printed in a
   * Target column, not written to the JSON file).
   */
  readonly target?: string;
}

/** What a suite may use while it runs. */
export interface BenchContext {
  /** Fewer repetitions and smaller sizes (for smoke tests); figures are then not comparable. */
  readonly quick: boolean;
  /** Reports progress within the suite, 0..1, for the progress bar. */
  progress(fraction: number, label?: string): void;
  /** A line of diagnostic output (kept off the results table). */
  log(line: string): void;
}

/** A named group of benchmarks. Suites are listed in `src/bench/suites/index.ts`. */
export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  /**
   * Prefixes of result names that do not start with `<name>.` (e.g. `['mailbox.']` for a suite that
   * also reports `mailbox.offer_poll.ns`), so `npm run bench mailbox` knows which suite to run.
   */
  readonly resultPrefixes?: readonly string[];
  /**
   * Runs only when named (e.g. `browser`, which needs Chromium): a run of every suite leaves it out.
   */
  readonly optIn?: boolean;
  run(context: BenchContext): Promise<BenchResult[]>;
}
