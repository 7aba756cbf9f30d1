import type { BenchProgress } from './run-benchmarks.js';

/** Where the progress bar draws: a Node write stream such as `process.stderr`. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** A one-line progress bar that diagnostic lines can interleave with. */
export interface ProgressBar {
  /** Redraws the bar (nothing when the stream is not a terminal). */
  update(progress: BenchProgress): void;
  /** Writes a line above the bar. */
  log(line: string): void;
  /** Erases the bar. */
  finish(): void;
}

const BAR_WIDTH = 24;
const CLEAR_LINE = '\r\u001b[K';

/**
 * A progress bar on `stream` (default `process.stderr`) that draws only when the stream is a
 * terminal, so piped or redirected output stays clean; log lines always pass through.
 *
 * @example
 * ```ts
 * const bar = createProgressBar();
 * await runBenchmarks({ suites, onProgress: bar.update, log: bar.log });
 * bar.finish();
 * ```
 */
export function createProgressBar(stream: ProgressStream = process.stderr): ProgressBar {
  const interactive = stream.isTTY === true;
  let drawn = '';
  const draw = (): void => {
    if (drawn !== '') stream.write(`${CLEAR_LINE}${drawn}`);
  };
  return {
    update(progress) {
      if (!interactive) return;
      const filled = Math.round(progress.fraction * BAR_WIDTH);
      const percent = `${Math.floor(progress.fraction * 100)}`.padStart(3);
      const what = progress.label === undefined ? progress.suite : `${progress.suite}: ${progress.label}`;
      const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}% ${what}`;
      const fitted = line.slice(0, Math.max(10, (stream.columns ?? 80) - 1));
      if (fitted === drawn) return;
      drawn = fitted;
      draw();
    },
    log(line) {
      if (interactive && drawn !== '') stream.write(CLEAR_LINE);
      stream.write(`${line}\n`);
      if (interactive) draw();
    },
    finish() {
      if (interactive && drawn !== '') stream.write(CLEAR_LINE);
      drawn = '';
    },
  };
}
