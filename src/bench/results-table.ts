import type { BenchResult } from './types.js';

/**
 * A figure with sensible precision: three significant digits below 1,000 (`0.213`, `12.4`, `153`),
 * whole numbers with thousands separators above (`2,345,678`).
 *
 * @example
 * ```ts
 * formatBenchValue(0.21349); // '0.213'
 * formatBenchValue(2345678.9); // '2,345,679'
 * ```
 */
export function formatBenchValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1000) return String(value);
  if (Math.abs(value) >= 999.5) {
    return Math.round(value)
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }
  if (Math.abs(value) < 1e-6) return value.toExponential(2);
  // Number() drops the exponent form toPrecision uses for small values; String() of a short
  // decimal never uses one above 1e-7.
  const rounded = Number(value.toPrecision(3));
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(rounded))));
  return rounded.toFixed(decimals);
}

/** Options of {@link formatResultsTable}. */
export interface ResultsTableOptions {
  /** `text` (aligned columns, for a terminal; the default) or `markdown` (for the README). */
  readonly style?: 'text' | 'markdown';
}

/**
 * The results as a table: name, value, unit, and a target column when any result has a target.
 *
 * @example
 * ```ts
 * console.log(formatResultsTable(report.results));
 * // name                              value  unit
 * // baseline.promise_echo.rtt.p50_us  0.213  us
 * ```
 */
export function formatResultsTable(
  results: readonly BenchResult[],
  options: ResultsTableOptions = {},
): string {
  const withTargets = results.some((result) => result.target !== undefined);
  const header = withTargets ? ['name', 'value', 'unit', 'target'] : ['name', 'value', 'unit'];
  const rows = results.map((result) => {
    const row = [result.name, formatBenchValue(result.value), result.unit];
    if (withTargets) row.push(result.target ?? '');
    return row;
  });
  // Values read best right-aligned; everything else left-aligned.
  const rightAligned = (column: number): boolean => column === 1;
  if (options.style === 'markdown') {
    const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
    const rule = header.map((_, column) => (rightAligned(column) ? '---:' : '---'));
    return [line(header), line(rule), ...rows.map(line)].join('\n');
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] as number;
        return rightAligned(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
