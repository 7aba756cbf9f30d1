export type { BenchContext, BenchResult, BenchSuite } from './types.js';
export { BenchUsageError, InvalidBenchResultError, UnknownBenchmarkError } from './errors.js';
export {
  median,
  percentile,
  percentileOfSorted,
  measureElapsedMs,
  repeat,
  type RepeatOptions,
  type RepeatResult,
} from './measure.js';
export type { MachineDescription } from './machine.js';
export { describeMachine } from './machine-node.js';
export { selectBenchmarks, type BenchSelection } from './filter.js';
export {
  runBenchmarks,
  toResultsFile,
  type BenchProgress,
  type BenchReport,
  type RunBenchmarksOptions,
} from './run-benchmarks.js';
export { formatBenchValue, formatResultsTable, type ResultsTableOptions } from './results-table.js';
export { writeResultsFile } from './results-file-node.js';
export { createProgressBar, type ProgressBar, type ProgressStream } from './progress-bar-node.js';
export {
  DEFAULT_RESULTS_PATH,
  benchUsage,
  parseBenchArguments,
  runBenchCommand,
  type BenchArguments,
  type BenchCommandOptions,
} from './command-node.js';
export { benchSuites } from './suites/index.js';
