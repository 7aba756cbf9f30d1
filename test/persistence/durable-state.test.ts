import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineMessage, field } from '../../src/messages/index.js';
import { durableState, MemoryStateStore, type StateStore } from '../../src/persistence/index.js';
import { FileStateStore } from '../../src/persistence/node.js';
import { RingKernelRuntime, ringKernel, type KernelContext } from '../../src/runtime/index.js';
import { within } from '../helpers/bounded.js';

const Increment = defineMessage('PersistIncrement', { hang: field.bool({ default: false }) });
const Count = defineMessage('PersistCount', { count: field.i32() });

/** A memory store whose first `failures` saves reject; tests await its save calls. */
class FlakyStore extends MemoryStateStore {
  calls = 0;
  successes = 0;
  #failures: number;
  #waiters: { count: number; kind: 'calls' | 'successes'; resolve: () => void }[] = [];

  constructor(failures: number) {
    super();
    this.#failures = failures;
  }

  /** Makes the next `count` saves fail (e.g. the disk filled up again). */
  failNext(count: number): void {
    this.#failures = count;
  }

  override async save(key: string, bytes: Uint8Array): Promise<void> {
    this.calls++;
    try {
      if (this.#failures > 0) {
        this.#failures--;
        const error = new Error('disk full') as NodeJS.ErrnoException;
        error.code = 'ENOSPC';
        throw error;
      }
      await super.save(key, bytes);
      this.successes++;
    } finally {
      this.#notify();
    }
  }

  /** Resolves once `save` has been called `count` times in all (failed or not). */
  called(count: number): Promise<void> {
    return this.#wait('calls', count);
  }

  /** Resolves once `count` saves in all have succeeded. */
  saved(count: number): Promise<void> {
    return this.#wait('successes', count);
  }

  #wait(kind: 'calls' | 'successes', count: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ kind, count, resolve });
      this.#notify();
    });
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this[waiter.kind] < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}

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
  const store = new FlakyStore(0);
  const state = await durableState({ store, key: 'k', initial: () => ({ n: 0 }), everyMs: 5 });
  state.value.n = 7;
  await state.touch();
  await within(store.saved(1), 'the first timer snapshot');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.load('k'))), { n: 7 });
  await state.close();
  assert.throws(() => new FileStateStore('/tmp').pathOf('../escape'), { code: 'INVALID_ARGUMENT' });
});

test('a failed save does not poison later snapshots: the next one calls save again', async () => {
  const store = new FlakyStore(1);
  const state = await durableState({ store, key: 'k', initial: () => ({ n: 0 }) });
  state.value.n = 1;
  await assert.rejects(
    state.touch().then(() => state.snapshot()),
    { code: 'ENOSPC' },
  );
  assert.equal(store.calls, 1);
  assert.equal((state.lastError as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.equal(state.pendingChanges, 1, 'the change stays pending after a failed save');
  state.value.n = 2;
  await state.snapshot();
  assert.equal(store.calls, 2, 'the retry reached the store');
  assert.equal(state.lastError, undefined);
  assert.equal(state.pendingChanges, 0);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.load('k'))), { n: 2 });
});

test('close() after a failed save saves again, and retries its own failed final save', async () => {
  const store = new FlakyStore(1);
  const state = await durableState({ store, key: 'k', initial: () => ({ n: 0 }) });
  state.value.n = 1;
  await assert.rejects(state.snapshot(), { code: 'ENOSPC' });
  await state.close();
  assert.equal(store.calls, 2);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.load('k'))), { n: 1 });

  const again = await durableState({ store, key: 'k', initial: () => ({ n: 0 }) });
  store.failNext(1);
  again.value.n = 5;
  await assert.rejects(again.close(), { code: 'ENOSPC' });
  await again.close();
  assert.equal(store.calls, 4, 'the second close() retried the failed final save');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.load('k'))), { n: 5 });
  await again.close();
  assert.equal(store.calls, 4, 'once the final save succeeded, close() is a no-op');
});

test('timer snapshots retry after failures; the default onError warns once per distinct failure and never throws', async (t: TestContext) => {
  const warnings: unknown[][] = [];
  t.mock.method(console, 'warn', (...args: unknown[]) => void warnings.push(args));
  const store = new FlakyStore(3);
  const state = await durableState({ store, key: 'k', initial: () => ({ n: 0 }), everyMs: 2 });
  state.value.n = 1;
  await state.touch();
  // Three failing ticks, then a successful one: a throwing onError would fail this test as an
  // uncaught exception.
  await within(store.saved(1), 'a timer snapshot after three failures');
  assert.equal(store.calls, 4);
  assert.equal(warnings.length, 1, 'the same failure is reported once');
  assert.match(String(warnings[0]![0]), /durable state 'k': snapshot failed/);
  assert.equal((warnings[0]![1] as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.equal(state.pendingChanges, 0);
  assert.equal(state.lastError, undefined);
  // After a success the same failure is news again.
  store.failNext(2);
  state.value.n = 2;
  await state.touch();
  await within(store.saved(2), 'a timer snapshot after two more failures');
  assert.equal(warnings.length, 2);
  await state.close();
  assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.load('k'))), { n: 2 });
});

test('a custom onError receives each failed timer snapshot', async () => {
  const errors: unknown[] = [];
  const store = new FlakyStore(2);
  const state = await durableState({
    store,
    key: 'k',
    initial: () => ({ n: 0 }),
    everyMs: 2,
    onError: (error) => errors.push(error),
  });
  await state.touch();
  await within(store.saved(1), 'a timer snapshot after two failures');
  assert.deepEqual(
    errors.map((error) => (error as NodeJS.ErrnoException).code),
    ['ENOSPC', 'ENOSPC'],
  );
  await state.close();
});
