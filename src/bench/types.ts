/** One figure of a benchmark run, as written to `bench/results/latest.json`. */
export interface BenchResult {
  /** Dotted name, e.g. `runtime.rtt.p50_us`. */
  readonly name: string;
  /** The median over repeated runs after warm-up. */
  readonly value: number;
  /** Unit of `value`, e.g. `us`, `ns`, `msgs/s`, `GB/s`. */
  readonly unit: string;
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
  run(context: BenchContext): Promise<BenchResult[]>;
}
