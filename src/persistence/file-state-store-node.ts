import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { StateStore } from './state-store.js';

/**
 * Temporary files: `<key>.state.<pid>.<suffix>.tmp`. The random suffix keeps two saves apart even
 * in the same millisecond or from two threads of one process; the pid tells whose they are.
 */
const TEMPORARY = /^[\w.-]+\.state\.(\d+)\.\w+\.tmp$/;

/** Whether process `pid` exists (on this machine); EPERM means it exists but is not ours. */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Keeps each key in its own file under `directory`, written atomically: the bytes go to a
 * temporary file with a unique name that is fsynced, then renamed over the old one (and the
 * directory fsynced), so a crash leaves either the previous snapshot or the new one. Node only.
 *
 * Concurrent saves of one key through one store run one after the other in call order: the last
 * call wins and the file always holds one whole value. Saves from several stores (or threads) on
 * one directory never share a temporary file either; the last rename wins. On first use the store
 * removes temporary files left in its directory by processes that no longer run (a crash between
 * write and rename); those of live processes, this one included, are left alone since they may be
 * in the middle of a save.
 *
 * @example
 * ```ts
 * const store = new FileStateStore('./state');
 * ```
 */
export class FileStateStore implements StateStore {
  readonly directory: string;
  #made: Promise<unknown> | undefined;
  #cleaned: Promise<void> | undefined;
  /** The last save of each key, which the next save of that key waits for. Never rejects. */
  readonly #saves = new Map<string, Promise<void>>();

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
    if (typeof key !== 'string' || !/^[\w.-]+$/.test(key) || key.startsWith('.')) {
      throw new InvalidArgumentError(
        `state keys must be letters, digits, '_', '-' or '.' (not leading); got ${describeValue(key)}`,
      );
    }
    return join(this.directory, `${key}.state`);
  }

  async load(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    await this.#prepare();
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  save(key: string, bytes: Uint8Array): Promise<void> {
    let path: string;
    try {
      path = this.pathOf(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const previous = this.#saves.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.#write(path, bytes));
    const tail = result.catch(() => undefined);
    this.#saves.set(key, tail);
    void tail.then(() => {
      if (this.#saves.get(key) === tail) this.#saves.delete(key);
    });
    return result;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    // After the saves already asked for: a delete is not undone by an earlier save finishing late.
    await this.#saves.get(key);
    await rm(path, { force: true });
  }

  /** Removes orphaned temporary files, once per store (again if it failed). */
  #prepare(): Promise<void> {
    if (this.#cleaned !== undefined) return this.#cleaned;
    const cleaned = (async () => {
      let names: string[];
      try {
        names = await readdir(this.directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      await Promise.all(
        names.map(async (name) => {
          const pid = TEMPORARY.exec(name)?.[1];
          if (pid !== undefined && !isAlive(Number(pid))) {
            await rm(join(this.directory, name), { force: true });
          }
        }),
      );
    })();
    this.#cleaned = cleaned;
    cleaned.catch(() => {
      if (this.#cleaned === cleaned) this.#cleaned = undefined;
    });
    return cleaned;
  }

  async #write(path: string, bytes: Uint8Array): Promise<void> {
    if (this.#made === undefined) {
      const made = mkdir(this.directory, { recursive: true });
      this.#made = made;
      made.catch(() => {
        if (this.#made === made) this.#made = undefined;
      });
    }
    await this.#made;
    await this.#prepare();
    const temporary = `${path}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      const file = await open(temporary, 'wx');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const directory = await open(this.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
