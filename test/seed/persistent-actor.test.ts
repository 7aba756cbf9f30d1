import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { Deposit, persistentActor, type Balance } from '../../examples/seed/persistent-actor.js';
import {
  nodeFileSystem,
  saveJsonAtomically,
  type StoreFileSystem,
} from '../../examples/seed/json-file-store.js';

async function withTemporaryDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'ringkernel-seed-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** A file system that records the calls the store makes. */
function recordingFileSystem(calls: string[], directory: string): StoreFileSystem {
  const short = (path: string) => path.slice(directory.length + 1);
  return {
    readFile: (path, encoding) => nodeFileSystem.readFile(path, encoding),
    writeFile: (path, data, encoding) => {
      calls.push(`write ${short(path)}`);
      return nodeFileSystem.writeFile(path, data, encoding);
    },
    rename: (from, to) => {
      calls.push(`rename ${short(from)} -> ${short(to)}`);
      return nodeFileSystem.rename(from, to);
    },
    rm: (path, options) => nodeFileSystem.rm(path, options),
  };
}

const readState = async (path: string): Promise<unknown> =>
  JSON.parse(await readFile(path, 'utf8')) as unknown;

test('the actor saves every N messages and on shutdown, each time through a temp file and a rename', async () => {
  await withTemporaryDirectory(async (directory) => {
    const path = join(directory, 'actor_state.json');
    const calls: string[] = [];
    await using runtime = new RingKernelRuntime();
    await runtime.launch(
      'account',
      persistentActor({ path, saveEvery: 3, fileSystem: recordingFileSystem(calls, directory) }),
    );
    await runtime.activate('account');
    for (let index = 1; index <= 4; index++) {
      const balance = await runtime.request<Balance>('account', Deposit.create({ amount: 10 }));
      assert.equal(balance.balance, index * 10);
    }
    // Saved once after the third deposit (periodic), not yet after the fourth.
    assert.deepEqual(await readState(path), { balance: 30, deposits: 3 });
    const report = await runtime.terminate('account', { timeout: 5000 });
    assert.equal(report.graceful, true);
    // Saved again on shutdown, with the fourth deposit.
    assert.deepEqual(await readState(path), { balance: 40, deposits: 4 });
    assert.equal(calls.length, 4);
    for (const [index, call] of calls.entries()) {
      if (index % 2 === 0) assert.match(call, /^write \.actor_state\.json\.[0-9a-f-]+\.tmp$/);
      else assert.equal(call, `rename ${calls[index - 1]!.slice('write '.length)} -> actor_state.json`);
    }
    // No temporary file is left behind.
    assert.deepEqual(await readdir(directory), ['actor_state.json']);
  });
});

test('a relaunched actor resumes from the saved state', async () => {
  await withTemporaryDirectory(async (directory) => {
    const path = join(directory, 'actor_state.json');
    await writeFile(path, JSON.stringify({ balance: 100, deposits: 7 }));
    await using runtime = new RingKernelRuntime();
    await runtime.launch('account', persistentActor({ path }));
    await runtime.activate('account');
    const balance = await runtime.request<Balance>('account', Deposit.create({ amount: 5 }));
    assert.equal(balance.balance, 105);
    assert.equal(balance.deposits, 8);
    await runtime.terminate('account');
    assert.deepEqual(await readState(path), { balance: 105, deposits: 8 });
  });
});

test('a write that fails halfway leaves the previous state intact and no temp file', async () => {
  await withTemporaryDirectory(async (directory) => {
    const path = join(directory, 'state.json');
    await saveJsonAtomically(path, { version: 1 });
    const failing: StoreFileSystem = {
      ...nodeFileSystem,
      writeFile: async (target, data, encoding) => {
        await nodeFileSystem.writeFile(target, data.slice(0, 5), encoding);
        throw new Error('disk full');
      },
    };
    await assert.rejects(
      saveJsonAtomically(path, { version: 2, padding: 'x'.repeat(100) }, failing),
      /disk full/,
    );
    assert.deepEqual(await readState(path), { version: 1 });
    assert.deepEqual(await readdir(directory), ['state.json']);
  });
});
