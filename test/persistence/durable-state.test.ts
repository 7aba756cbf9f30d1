import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineMessage, field } from '../../src/messages/index.js';
import { durableState, MemoryStateStore, type StateStore } from '../../src/persistence/index.js';
import { FileStateStore } from '../../src/persistence/node.js';
import { RingKernelRuntime, ringKernel, type KernelContext } from '../../src/runtime/index.js';

const Increment = defineMessage('PersistIncrement', { hang: field.bool({ default: false }) });
const Count = defineMessage('PersistCount', { count: field.i32() });

function persistentCounter(store: StateStore, everyMessages: number) {
  return async (ctx: KernelContext<ReturnType<typeof Increment.create>, ReturnType<typeof Count.create>>) => {
    await using state = await durableState({
      store,
      key: 'counter',
      initial: () => ({ count: 0 }),
      everyMessages,
    });
    for await (const request of ctx) {
      // Stands for a kernel that stops responding: only a forced stop ends it, and no cleanup runs.
      if (request.hang) await new Promise(() => undefined);
      state.value.count += 1;
      await state.touch();
      await ctx.send(Count.reply(request, { count: state.value.count }));
    }
  };
}

test('a persistent counter killed between snapshots resumes from its last snapshot when relaunched', async () => {
  const store = new MemoryStateStore();
  await using runtime = new RingKernelRuntime();
  await runtime.launch('counter', ringKernel({}, persistentCounter(store, 3)));
  await runtime.activate('counter');
  for (let index = 1; index <= 5; index++) {
    const reply = await runtime.request<ReturnType<typeof Count.create>>('counter', Increment.create({}), {
      timeout: 5000,
    });
    assert.equal(reply.count, index);
  }
  await runtime.send('counter', Increment.create({ hang: true }));
  const report = await runtime.terminate('counter', { timeout: 20 });
  assert.equal(report.graceful, false, 'force-stopped: no save on shutdown ran');
  assert.equal(report.interruptedInputs.length, 1, 'the message it was stuck on is reported, not lost');
  assert.equal((report.interruptedInputs[0] as ReturnType<typeof Increment.create>).hang, true);
  await runtime.launch('counter', ringKernel({}, persistentCounter(store, 3)));
  await runtime.activate('counter');
  // The snapshot at 3 survives; increments 4 and 5 came after it and are lost, as documented
  // (at most everyMessages - 1 messages).
  const after = await runtime.request<ReturnType<typeof Count.create>>('counter', Increment.create({}), {
    timeout: 5000,
  });
  assert.equal(after.count, 4);
});

test('terminate saves on shutdown, and a relaunch resumes exactly', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ringkernel-state-'));
  try {
    const store = new FileStateStore(directory);
    for (const expected of [
      [1, 2, 3],
      [4, 5],
    ]) {
      const runtime = new RingKernelRuntime();
      await runtime.launch('counter', ringKernel({}, persistentCounter(store, 1000)));
      await runtime.activate('counter');
      for (const count of expected) {
        const reply = await runtime.request<ReturnType<typeof Count.create>>(
          'counter',
          Increment.create({}),
          { timeout: 5000 },
        );
        assert.equal(reply.count, count);
      }
      const report = await runtime.terminate('counter');
      assert.equal(report.graceful, true);
    }
    assert.deepEqual(JSON.parse(await readFile(join(directory, 'counter.state'), 'utf8')), { count: 5 });
    assert.deepEqual(await readdir(directory), ['counter.state'], 'no temporary files left behind');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('time-based snapshots happen while changed; keys are validated', async () => {
  const store = new MemoryStateStore();
  const state = await durableState({ store, key: 'k', initial: () => ({ n: 0 }), everyMs: 5 });
  state.value.n = 7;
  await state.touch();
  while (state.snapshots === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.load('k'))), { n: 7 });
  await state.close();
  assert.throws(() => new FileStateStore('/tmp').pathOf('../escape'), { code: 'INVALID_ARGUMENT' });
});
