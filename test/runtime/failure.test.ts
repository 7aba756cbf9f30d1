import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KernelFailedError,
  KernelStateError,
  RingKernelRuntime,
  ringKernel,
} from '../../src/runtime/index.js';
import { PATIENCE_MS, Ping, Pong, deferred, nextEvent, rejectionOf, settle } from './helpers.js';

test('a kernel that throws during initialisation fails: event, telemetry, and activate explains', async () => {
  await using runtime = new RingKernelRuntime();
  const crashed = nextEvent(runtime, 'kernelError');
  const failedState = nextEvent(runtime, 'stateChange', (event) => event.to === 'failed');
  await runtime.launch(
    'k',
    ringKernel({}, () => Promise.reject(new Error('model file missing'))),
  );
  const event = await crashed;
  await failedState;
  assert.equal(event.fatal, true);
  assert.match((event.error as Error).message, /model file missing/);
  assert.equal(runtime.getState('k'), 'failed');
  const error = await rejectionOf(runtime.activate('k'));
  assert.ok(error instanceof KernelStateError);
  assert.equal(error.state, 'failed');
  assert.match(error.message, /see the error in getTelemetry\(\); terminate it and launch again/);
  const telemetry = runtime.getTelemetry('k');
  assert.equal(telemetry.errors, 1);
  assert.deepEqual(telemetry.lastError, { name: 'Error', message: 'model file missing' });
  const report = await runtime.terminate('k');
  assert.equal(report.previousState, 'failed');
  assert.match((report.error as Error).message, /model file missing/);
});

test('a thrown non-Error value is still recorded and carried as the cause', async () => {
  await using runtime = new RingKernelRuntime();
  const crashed = nextEvent(runtime, 'kernelError');
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      await ctx.receive();
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
      throw 'plain string failure';
    }),
  );
  await runtime.activate('k');
  await runtime.send('k', Ping.create({}));
  assert.equal((await crashed).error, 'plain string failure');
  assert.deepEqual(runtime.getTelemetry('k').lastError, { name: 'Error', message: 'plain string failure' });
  const error = await rejectionOf(runtime.send('k', Ping.create({})));
  assert.ok(error instanceof KernelFailedError);
  assert.equal(error.cause, 'plain string failure');
  assert.match(error.message, /kernel 'k' failed: plain string failure/);
});

test('a crash rejects every pending request and blocked sender with KernelFailedError', async () => {
  await using runtime = new RingKernelRuntime();
  const crash = deferred();
  await runtime.launch(
    'k',
    ringKernel({ queueSize: 1, backpressure: 'block' }, async (ctx) => {
      await ctx.receive();
      await crash.promise;
      throw new Error('disk full');
    }),
  );
  await runtime.activate('k');
  const first = runtime.request('k', Ping.create({ n: 1 }));
  await settle();
  const second = runtime.request('k', Ping.create({ n: 2 }));
  const blocked = runtime.send('k', Ping.create({ n: 3 }));
  await settle();
  crash.resolve();
  for (const pending of [first, second, blocked]) {
    const error = await rejectionOf(pending);
    assert.ok(error instanceof KernelFailedError);
    assert.match((error.cause as Error).message, /disk full/);
  }
  const report = await runtime.terminate('k');
  assert.deepEqual(
    report.unprocessedInputs.map((message) => (message as Ping).n),
    [2],
  );
});

test('an exception thrown by shutdown code during terminate is recorded, not swallowed', async () => {
  await using runtime = new RingKernelRuntime();
  const crashed = nextEvent(runtime, 'kernelError');
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      for await (const _ of ctx) {
        // nothing to do
      }
      throw new Error('could not save state');
    }),
  );
  await runtime.activate('k');
  const report = await runtime.terminate('k', { timeout: PATIENCE_MS });
  assert.match((report.error as Error).message, /could not save state/);
  assert.equal((await crashed).fatal, true);
});

test('ctx.reportError counts a handled error and emits a non-fatal kernelError; the kernel keeps going', async () => {
  await using runtime = new RingKernelRuntime();
  const reported = nextEvent(runtime, 'kernelError');
  await runtime.launch(
    'k',
    ringKernel<Ping, Pong>({}, async (ctx) => {
      for await (const ping of ctx) {
        if (ping.text === 'bad') ctx.reportError(new RangeError('n out of range'));
        await ctx.send(Pong.reply(ping, { n: ping.n }));
      }
    }),
  );
  await runtime.activate('k');
  await runtime.request('k', Ping.create({ text: 'bad' }));
  const event = await reported;
  assert.equal(event.fatal, false);
  assert.equal(event.kernelId, 'k');
  assert.ok(event.error instanceof RangeError);
  await runtime.request('k', Ping.create({ text: 'good' }));
  assert.equal(runtime.getState('k'), 'active');
  const telemetry = runtime.getTelemetry('k');
  assert.equal(telemetry.errors, 1);
  assert.deepEqual(telemetry.lastError, { name: 'RangeError', message: 'n out of range' });
});

test('a kernel that failed can be terminated and launched again under the same id', async () => {
  await using runtime = new RingKernelRuntime();
  const failed = nextEvent(runtime, 'stateChange', (event) => event.to === 'failed');
  await runtime.launch(
    'k',
    ringKernel({}, () => Promise.reject(new Error('first life'))),
  );
  await failed;
  await runtime.terminate('k');
  await runtime.launch(
    'k',
    ringKernel<Ping, Pong>({}, async (ctx) => {
      for await (const ping of ctx) await ctx.send(Pong.reply(ping, { n: ping.n * 2 }));
    }),
  );
  await runtime.activate('k');
  assert.equal((await runtime.request<Pong>('k', Ping.create({ n: 21 }))).n, 42);
  assert.equal(runtime.getTelemetry('k').errors, 0);
});
