/**
 * Durable JSON state for the persistent actor: read at start, written atomically (a temporary file
 * in the same directory, then a rename over the target), so a crash mid-write leaves the previous
 * state intact rather than a truncated file.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file operations the store uses; tests pass a wrapper to observe or break them. */
export interface StoreFileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, encoding: 'utf8'): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

export const nodeFileSystem: StoreFileSystem = { readFile, writeFile, rename, rm };

/** Reads JSON from `path`, or returns `fallback` when the file does not exist yet. */
export async function loadJson<T>(
  path: string,
  fallback: T,
  fs: StoreFileSystem = nodeFileSystem,
): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return fallback;
    throw error;
  }
}

/** Writes `value` as JSON to `path` atomically: temp file in the same directory, then rename. */
export async function saveJsonAtomically(
  path: string,
  value: unknown,
  fs: StoreFileSystem = nodeFileSystem,
): Promise<void> {
  // Same directory, so the rename stays on one file system and is atomic.
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await fs.writeFile(temporary, JSON.stringify(value), 'utf8');
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
