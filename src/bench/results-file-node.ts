import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toResultsFile, type BenchReport } from './run-benchmarks.js';

/**
 * Writes `report` as JSON to `path` (creating the folder), exactly
 * `{ "machine": ..., "results": [{ "name", "value", "unit" }] }`. The file is written to a
 * temporary name and renamed, so a reader never sees half a file.
 *
 * @example
 * ```ts
 * await writeResultsFile('bench/results/latest.json', report);
 * ```
 */
export async function writeResultsFile(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporaryPath = `${path}.${process.pid}.tmp`;
  await writeFile(temporaryPath, `${JSON.stringify(toResultsFile(report), null, 2)}\n`);
  await rename(temporaryPath, path);
}
