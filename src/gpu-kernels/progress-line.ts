/**
 * One line of a text progress bar, e.g. `anomaly  [##########----------]  50%`.
 *
 * @example
 * ```ts
 * write(`\r${progressLine('pagerank', 0.5)}`);
 * ```
 */
export function progressLine(label: string, fraction: number, width = 30): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  const percent = `${Math.round(clamped * 100)}`.padStart(3);
  return `${label.padEnd(22)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}%`;
}
