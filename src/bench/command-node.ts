import { RingKernelError } from '../errors.js';
import { BenchUsageError } from './errors.js';
import { createProgressBar, type ProgressStream } from './progress-bar-node.js';
import { formatResultsTable } from './results-table.js';
import { writeResultsFile } from './results-file-node.js';
import { runBenchmarks } from './run-benchmarks.js';
import { benchSuites } from './suites/index.js';
import type { BenchSuite } from './types.js';

/** Where results go unless `--json` says otherwise. */
export const DEFAULT_RESULTS_PATH = 'bench/results/latest.json';

/** The bench command line, parsed. */
export interface BenchArguments {
  /** Suite names or result-name prefixes; empty: everything. */
  readonly names: readonly string[];
  readonly quick: boolean;
  /** The JSON file to write, or undefined for none (a `--quick` run without `--json`). */
  readonly jsonPath: string | undefined;
  /** Print the table as Markdown (for the README) instead of aligned text. */
  readonly markdown: boolean;
  readonly help: boolean;
}

/** Usage text of the bench command; `command` is how it was invoked. */
export function benchUsage(command = 'npm run bench --'): string {
  return [
    `Usage: ${command} [names...] [--browser] [--quick] [--json <file>] [--markdown]`,
    '',
    'Runs the benchmark suites, prints a results table on stdout and writes the figures as JSON.',
    '',
    '  names            suite names or result-name prefixes (e.g. baseline, baseline.queued_echo); default: all',
    `  --json <file>    where to write the results (default ${DEFAULT_RESULTS_PATH})`,
    '  --browser        the browser suite (headless Chromium; the same figures from Node alongside)',
    '  --quick          fewer runs and smaller sizes, for a smoke test: figures are not comparable,',
    '                   and no file is written unless --json is given',
    '  --markdown       print the table as Markdown',
    '  --help           this text',
  ].join('\n');
}

/**
 * Parses the bench command line (`process.argv.slice(2)` of `bench/run.ts`, or what follows
 * `ringkernel bench`).
 *
 * @throws {BenchUsageError} for an unknown flag or a `--json` without a file.
 * @example
 * ```ts
 * parseBenchArguments(['baseline', '--json', 'out.json']);
 * // { names: ['baseline'], quick: false, jsonPath: 'out.json', markdown: false, help: false }
 * ```
 */
export function parseBenchArguments(argv: readonly string[]): BenchArguments {
  const names: string[] = [];
  let quick = false;
  let markdown = false;
  let help = false;
  let jsonPath: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === '--quick') quick = true;
    else if (argument === '--browser') names.push('browser');
    else if (argument === '--markdown') markdown = true;
    else if (argument === '--help' || argument === '-h') help = true;
    else if (argument === '--json') {
      const path = argv[index + 1];
      if (path === undefined || path.startsWith('--')) throw new BenchUsageError('--json needs a file name');
      jsonPath = path;
      index++;
    } else if (argument.startsWith('--json=')) {
      jsonPath = argument.slice('--json='.length);
      if (jsonPath === '') throw new BenchUsageError('--json needs a file name');
    } else if (argument.startsWith('-')) throw new BenchUsageError(`unknown option '${argument}'`);
    else names.push(argument);
  }
  return { names, quick, markdown, help, jsonPath: jsonPath ?? (quick ? undefined : DEFAULT_RESULTS_PATH) };
}

/** Streams and suites of {@link runBenchCommand}; every field has a default. */
export interface BenchCommandOptions {
  /** The suites to choose from (default: `benchSuites`). */
  readonly suites?: readonly BenchSuite[];
  /** Receives the table (default `process.stdout`). */
  readonly stdout?: { write(text: string): unknown };
  /** Receives the progress bar (when a terminal), log lines and errors (default `process.stderr`). */
  readonly stderr?: ProgressStream;
  /** How the command was invoked, for the usage text. */
  readonly command?: string;
}

/**
 * The whole bench command: parse `argv`, run the suites with a progress bar on stderr (only on a
 * terminal), print the table on stdout and write the JSON file. Resolves with the exit code:
 * 0 on success, 2 for a usage error or an unknown name, 1 when a suite fails.
 *
 * @example
 * ```ts
 * // bench/run.ts
 * process.exitCode = await runBenchCommand(process.argv.slice(2));
 * ```
 */
export async function runBenchCommand(
  argv: readonly string[],
  options: BenchCommandOptions = {},
): Promise<number> {
  const { suites = benchSuites, stdout = process.stdout, stderr = process.stderr, command } = options;
  let parsed: BenchArguments;
  try {
    parsed = parseBenchArguments(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    stderr.write(`${error.message}\n`);
    return 2;
  }
  if (parsed.help) {
    stdout.write(`${benchUsage(command)}\n`);
    return 0;
  }
  const progressBar = createProgressBar(stderr);
  try {
    const report = await runBenchmarks({
      suites,
      filter: parsed.names,
      quick: parsed.quick,
      onProgress: (progress) => progressBar.update(progress),
      log: (line) => progressBar.log(line),
    });
    progressBar.finish();
    stdout.write(`${formatResultsTable(report.results, { style: parsed.markdown ? 'markdown' : 'text' })}\n`);
    if (parsed.jsonPath !== undefined) {
      await writeResultsFile(parsed.jsonPath, report);
      stderr.write(`results written to ${parsed.jsonPath}\n`);
    }
    return 0;
  } catch (error) {
    progressBar.finish();
    if (error instanceof RingKernelError && error.code === 'BENCH_UNKNOWN_NAME') {
      stderr.write(`${error.message}\n`);
      return 2;
    }
    stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
