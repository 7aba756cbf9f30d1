import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../src/persistence/node.js';

/** A pid that no process has (above Linux's pid_max limit of 2^22). */
const DEAD_PID = 4_194_305;

describe('FileStateStore', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ringkernel-file-store-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('concurrent saves of one key never tear the file: the last call wins, whole (200 rounds)', async () => {
    const store = new FileStateStore(join(directory, 'one-store'));
    const large = new Uint8Array(2 * 1024 * 1024).fill(0x4c);
    const small = new TextEncoder().encode('small-0123');
    assert.equal(small.length, 10);
    for (let round = 0; round < 200; round++) {
      const [first, second] = round % 2 === 0 ? [large, small] : [small, large];
      const during = store.load('k');
      await Promise.all([store.save('k', first), store.save('k', second)]);
      const seen = await during;
      assert.ok(
        seen === undefined || isWhole(seen, large, small),
        `round ${round}: a load during the saves saw ${seen?.length} bytes`,
      );
      const loaded = await store.load('k');
      assert.ok(loaded !== undefined && equal(loaded, second), `round ${round}: the last save wins`);
    }
    assert.deepEqual(await readdir(join(directory, 'one-store')), ['k.state'], 'no temporary files left');
  });

  it('two stores on one directory (like two threads of one process) never share a temporary file', async () => {
    const path = join(directory, 'two-stores');
    const [one, two] = [new FileStateStore(path), new FileStateStore(path)];
    const large = new Uint8Array(2 * 1024 * 1024).fill(0x4c);
    const small = new TextEncoder().encode('small-0123');
    for (let round = 0; round < 200; round++) {
      await Promise.all([one.save('k', large), two.save('k', small)]);
      const loaded = await one.load('k');
      assert.ok(loaded !== undefined && isWhole(loaded, large, small), `round ${round}: a torn file`);
    }
    assert.deepEqual(await readdir(path), ['k.state'], 'no temporary files left');
  });

  it('removes temporary files of dead processes at first use and keeps those of live ones', async () => {
    const path = join(directory, 'orphans');
    const seed = new FileStateStore(path);
    await seed.save('k', Uint8Array.of(1));
    const orphans = [`k.state.${DEAD_PID}.1712345678901.tmp`, `k.state.${DEAD_PID}.0123456789abcdef.tmp`];
    const live = `k.state.${process.pid}.fedcba9876543210.tmp`;
    for (const name of [...orphans, live, 'notes.txt']) await writeFile(join(path, name), 'partial');
    const store = new FileStateStore(path);
    assert.deepEqual(await store.load('k'), Uint8Array.of(1));
    assert.deepEqual((await readdir(path)).sort(), ['k.state', live, 'notes.txt'].sort());
  });

  it('a failed save rejects, leaves no temporary file, and does not block the next save', async () => {
    const path = join(directory, 'failing');
    const store = new FileStateStore(path);
    await store.save('k', Uint8Array.of(1));
    const failing = store.save('k', 42 as unknown as Uint8Array);
    const next = store.save('k', Uint8Array.of(2));
    await assert.rejects(failing);
    await next;
    assert.deepEqual(await store.load('k'), Uint8Array.of(2));
    assert.deepEqual(await readdir(path), ['k.state']);
    await assert.rejects(store.save('../k', Uint8Array.of(3)), { code: 'INVALID_ARGUMENT' });
  });
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function isWhole(bytes: Uint8Array, ...values: Uint8Array[]): boolean {
  return values.some((value) => equal(bytes, value));
}
