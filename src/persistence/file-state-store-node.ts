import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { StateStore } from './state-store.js';

/**
 * Keeps each key in its own file under `directory`, written atomically: the bytes go to a
 * temporary file that is fsynced, then renamed over the old one (and the directory fsynced), so a
 * crash leaves either the previous snapshot or the new one. Node only.
 *
 * @example
 * ```ts
 * const store = new FileStateStore('./state');
 * ```
 */
export class FileStateStore implements StateStore {
  readonly directory: string;
  #ready: Promise<unknown> | undefined;

  constructor(directory: string) {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new InvalidArgumentError(
        `FileStateStore needs a directory path; got ${describeValue(directory)}`,
      );
    }
    this.directory = directory;
  }

  /** The file a key is kept in. */
  pathOf(key: string): string {
    if (!/^[\w.-]+$/.test(key) || key.startsWith('.')) {
      throw new InvalidArgumentError(
        `state keys must be letters, digits, '_', '-' or '.' (not leading); got ${describeValue(key)}`,
      );
    }
    return join(this.directory, `${key}.state`);
  }

  async load(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    this.#ready ??= mkdir(this.directory, { recursive: true });
    await this.#ready;
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    const directory = await open(this.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
