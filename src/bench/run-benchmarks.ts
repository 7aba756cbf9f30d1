import { InvalidBenchResultError } from './errors.js';
import { selectBenchmarks } from './filter.js';
import type { MachineDescription } from './machine.js';
import { describeMachine } from './machine-node.js';
import type { BenchContext, BenchResult, BenchSuite } from './types.js';

/** Where a benchmark run stands, for a progress bar. */
export interface BenchProgress {
  /** The suite running now. */
  readonly suite: string;
  /** Position of that suite among the selected ones (0-based) and their number. */
  readonly suiteIndex: number;
  readonly suiteCount: number;
  /** Progress of the whole run, 0..1. */
  readonly fraction: number;
  /** What the suite says it is doing, if it said. */
  readonly label?: string;
}

/** Options of {@link runBenchmarks}. */
export interface RunBenchmarksOptions {
  /** The suites to choose from (usually `benchSuites` from `src/bench/suites/index.ts`). */
  readonly suites: readonly BenchSuite[];
  /** Suite names or result-name prefixes to run; empty or absent: all (see `selectBenchmarks`). */
  readonly filter?: readonly string[];
  /** Fewer repetitions and smaller sizes, for smoke tests; figures are then not comparable (default false). */
  readonly quick?: boolean;
  /** Called whenever a suite reports progress (and at each suite's start and end). */
  readonly onProgress?: (progress: BenchProgress) => void;
  /** Receives the suites' diagnostic lines, prefixed with the suite name (default: discarded). */
  readonly log?: (line: string) => void;
  /** The machine to report (default: `describeMachine()`, this Node process's machine). */
  readonly machine?: MachineDescription;
}

/** The outcome of a benchmark run: the shape of `bench/results/latest.json` (plus optional targets). */
export interface BenchReport {
  readonly machine: MachineDescription;
  readonly results: readonly BenchResult[];
}

function checkResults(
  suite: BenchSuite,
  results: unknown,
  seen: Set<string>,
): asserts results is BenchResult[] {
  if (!Array.isArray(results)) throw new InvalidBenchResultError(suite.name, 'did not return an array');
  for (const result of results as Partial<BenchResult>[]) {
    if (typeof result.name !== 'string' || result.name === '') {
      throw new InvalidBenchResultError(suite.name, 'returned a result without a name');
    }
    if (typeof result.value !== 'number' || !Number.isFinite(result.value)) {
      throw new InvalidBenchResultError(suite.name, `returned ${String(result.value)} for '${result.name}'`);
    }
    if (typeof result.unit !== 'string') {
      throw new InvalidBenchResultError(suite.name, `returned no unit for '${result.name}'`);
    }
    if (seen.has(result.name)) {
      throw new InvalidBenchResultError(suite.name, `returned '${result.name}', a name already reported`);
    }
    seen.add(result.name);
  }
}

/**
 * Runs the selected suites one after the other and collects their figures.
 *
 * This is the engine behind `npm run bench` and `ringkernel bench` (see `runBenchCommand`, which
 * adds argument parsing, the table, the progress bar and the JSON file).
 *
 * @throws {UnknownBenchmarkError} when a filter term selects nothing.
 * @throws {InvalidBenchResultError} when a suite reports a result that cannot be written.
 * @example
 * ```ts
 * const report = await runBenchmarks({
 *   suites: benchSuites,
 *   filter: ['baseline'],
 *   log: (line) => console.error(line),
 * });
 * console.log(formatResultsTable(report.results));
 * ```
 */
export async function runBenchmarks(options: RunBenchmarksOptions): Promise<BenchReport> {
  const { suites, filter, quick = false, onProgress, log, machine = describeMachine() } = options;
  const selections = selectBenchmarks(suites, filter);
  const results: BenchResult[] = [];
  const seen = new Set<string>();
  for (const [suiteIndex, { suite, keeps }] of selections.entries()) {
    const report = (suiteFraction: number, label?: string): void => {
      if (onProgress === undefined) return;
      const clamped = suiteFraction >= 1 ? 1 : suiteFraction > 0 ? suiteFraction : 0;
      onProgress({
        suite: suite.name,
        suiteIndex,
        suiteCount: selections.length,
        fraction: (suiteIndex + clamped) / selections.length,
        ...(label === undefined ? {} : { label }),
      });
    };
    const context: BenchContext = {
      quick,
      progress: report,
      log: (line) => log?.(`[${suite.name}] ${line}`),
    };
    report(0);
    const suiteResults: unknown = await suite.run(context);
    checkResults(suite, suiteResults, seen);
    for (const result of suiteResults) if (keeps(result.name)) results.push(result);
    report(1);
  }
  return { machine, results };
}

/**
 * The report as written to `bench/results/latest.json`: exactly
 * `{ "machine": ..., "results": [{ "name", "value", "unit" }] }` (targets are for the table only).
 */
export function toResultsFile(report: BenchReport): {
  machine: MachineDescription;
  results: { name: string; value: number; unit: string }[];
} {
  return {
    machine: report.machine,
    results: report.results.map(({ name, value, unit }) => ({ name, value, unit })),
  };
}
