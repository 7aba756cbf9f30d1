import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { InvalidArgumentError, RingKernelError, TimeoutError } from '../../src/errors.js';
import {
  KernelAlreadyExistsError,
  KernelNotFoundError,
  KernelStateError,
  KernelTerminatedError,
  KernelTerminatingError,
  RingKernelRuntime,
  ringKernel,
  type KernelContext,
  type KernelDefinition,
  type KernelState,
} from '../../src/runtime/index.js';
import { PATIENCE_MS, Ping, Pong, asPong, deferred, nextEvent, rejectionOf, settle } from './helpers.js';

/** Replies to each Ping with a Pong of the same `n`, following the guide's template loop. */
const echoLoop = async (ctx: KernelContext<Ping, Pong>): Promise<void> => {
  while (!ctx.shouldTerminate) {
    if (!ctx.isActive) {
      await ctx.waitActive();
      continue;
    }
    try {
      const ping = await ctx.receive({ timeout: 100 });
      await ctx.send(Pong.reply(ping, { n: ping.n }));
    } catch (error) {
      if (error instanceof TimeoutError) continue;
      throw error;
    }
  }
};

test('launch starts the kernel code (phase one) but hands it no message until activate', async () => {
  await using runtime = new RingKernelRuntime();
  const seen: { state: KernelState; active: boolean }[] = [];
  let initialised = false;
  const kernel = ringKernel<Ping, Pong>({}, async (ctx) => {
    initialised = true;
    seen.push({ state: ctx.state, active: ctx.isActive });
    await echoLoop(ctx);
  });
  await runtime.launch('k', kernel);
  await runtime.send('k', Ping.create({ n: 1 }));
  await settle();
  assert.equal(initialised, true);
  assert.deepEqual(seen, [{ state: 'launched', active: false }]);
  assert.equal(runtime.getTelemetry('k').inputQueueDepth, 1);
  assert.deepEqual(runtime.receiveAvailable('k'), []);
  await runtime.activate('k');
  assert.equal(asPong(await runtime.receive('k', { timeout: PATIENCE_MS })).n, 1);
});

test('state changes are emitted in lifecycle order and mirrored by ctx.state / ctx.isActive', async () => {
  await using runtime = new RingKernelRuntime();
  const transitions: string[] = [];
  runtime.on('stateChange', (event) => transitions.push(`${event.from ?? '-'}>${event.to}`));
  const observed: [KernelState, boolean][] = [];
  const kernel = ringKernel<Ping, Pong>({}, async (ctx) => {
    for await (const ping of ctx) {
      observed.push([ctx.state, ctx.isActive]);
      await ctx.send(Pong.reply(ping, {}));
    }
    observed.push([ctx.state, ctx.isActive]);
  });
  await runtime.launch('k', kernel);
  await runtime.activate('k');
  await runtime.request('k', Ping.create({}));
  await runtime.deactivate('k');
  await runtime.reactivate('k');
  await runtime.request('k', Ping.create({}));
  await runtime.terminate('k');
  assert.deepEqual(transitions, [
    '->launched',
    'launched>active',
    'active>deactivated',
    'deactivated>active',
    'active>terminating',
    'terminating>terminated',
  ]);
  assert.deepEqual(observed, [
    ['active', true],
    ['active', true],
    ['terminating', false],
  ]);
});

test('launch(id) finds definitions given to the runtime; unknown ones list what it knows', async () => {
  const calculator = ringKernel<Ping, Pong>({ kernelId: 'calculator' }, echoLoop);
  const counter = ringKernel<Ping, Pong>({ kernelId: 'counter' }, echoLoop);
  await using runtime = new RingKernelRuntime({ kernels: [calculator, counter] });
  await runtime.launch('calculator');
  assert.deepEqual(runtime.kernelIds, ['calculator']);
  const error = await rejectionOf(runtime.launch('nope'));
  assert.ok(error instanceof KernelNotFoundError);
  assert.deepEqual(error.knownIds, ['calculator', 'counter']);
  assert.match(error.message, /RingKernelRuntime\(\{ kernels \}\)/);
  assert.throws(
    () => new RingKernelRuntime({ kernels: [ringKernel<Ping, Pong>({}, echoLoop)] }),
    InvalidArgumentError,
  );
});

test('launching an id twice throws KernelAlreadyExistsError; the first kernel is untouched', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('k', ringKernel<Ping, Pong>({}, echoLoop));
  await runtime.activate('k');
  const error = await rejectionOf(runtime.launch('k', ringKernel<Ping, Pong>({}, echoLoop)));
  assert.ok(error instanceof KernelAlreadyExistsError);
  assert.equal(error.code, 'KERNEL_ALREADY_EXISTS');
  assert.equal(runtime.getState('k'), 'active');
  assert.equal(asPong(await runtime.request('k', Ping.create({ n: 3 }))).n, 3);
});

test('bad kernel ids and options are refused with InvalidArgumentError quoting the value', async () => {
  await using runtime = new RingKernelRuntime();
  await assert.rejects(runtime.launch('', ringKernel({}, echoLoop)), InvalidArgumentError);
  assert.throws(() => ringKernel({ queueSize: 0 }, echoLoop), /queueSize must be an integer from 1.*got 0/);
  assert.throws(
    () => ringKernel({ backpressure: 'dropAll' as never }, echoLoop),
    /backpressure must be one of 'block', 'reject', 'dropOldest', 'dropNewest'; got "dropAll"/,
  );
  assert.throws(() => ringKernel({ terminateTimeout: -1 }, echoLoop), InvalidArgumentError);
  assert.throws(() => ringKernel({}, undefined as never), InvalidArgumentError);
});

test('ctx.waitActive resolves on activate, and at once on terminate for a kernel never activated', async () => {
  await using runtime = new RingKernelRuntime();
  const woke: string[] = [];
  const kernel = (name: string) =>
    ringKernel({}, async (ctx) => {
      await ctx.waitActive();
      woke.push(`${name}:${ctx.state}`);
    });
  await runtime.launch('a', kernel('a'));
  await runtime.launch('b', kernel('b'));
  await settle();
  assert.deepEqual(woke, []);
  await runtime.activate('a');
  await settle();
  assert.deepEqual(woke, ['a:active']);
  const report = await runtime.terminate('b', { timeout: PATIENCE_MS });
  assert.equal(report.graceful, true);
  assert.deepEqual(woke, ['a:active', 'b:terminating']);
});

test('ctx.waitActive honours timeout and AbortSignal without leaving listeners', async () => {
  await using runtime = new RingKernelRuntime();
  const controller = new AbortController();
  const outcome = deferred<unknown[]>();
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      const results: unknown[] = [];
      results.push(await rejectionOf(ctx.waitActive({ timeout: 1, signal: controller.signal })));
      const aborted = ctx.waitActive({ signal: controller.signal });
      controller.abort(new Error('no longer interested'));
      results.push(await rejectionOf(aborted));
      outcome.resolve(results);
      await ctx.waitActive();
    }),
  );
  const [timedOut, aborted] = await outcome.promise;
  assert.ok(timedOut instanceof TimeoutError);
  assert.equal(timedOut.operation, 'waitActive');
  assert.match(String(aborted), /no longer interested/);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('terminate aborts ctx.signal with a KernelTerminatingError, which is a TimeoutError', async () => {
  await using runtime = new RingKernelRuntime();
  const reason = deferred<unknown>();
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      reason.resolve(ctx.signal.reason);
    }),
  );
  await runtime.activate('k');
  const report = await runtime.terminate('k', { timeout: PATIENCE_MS });
  assert.equal(report.graceful, true);
  const error = await reason.promise;
  assert.ok(error instanceof KernelTerminatingError);
  assert.ok(error instanceof TimeoutError);
  assert.ok(error instanceof RingKernelError);
  assert.equal(error.code, 'KERNEL_TERMINATING');
  assert.equal(error.kernelId, 'k');
  assert.match(error.message, /kernel 'k' is terminating; leave the loop/);
});

test('terminate wakes a kernel blocked in receive() and waits for its save-on-shutdown code', async () => {
  await using runtime = new RingKernelRuntime();
  const events: string[] = [];
  const kernel = ringKernel<Ping, Pong>({}, async (ctx) => {
    let handled = 0;
    while (!ctx.shouldTerminate) {
      try {
        await ctx.receive();
        handled++;
      } catch (error) {
        events.push(`receive rejected: ${(error as Error).name}`);
        if (error instanceof TimeoutError) continue;
        throw error;
      }
    }
    // The guide's "save on shutdown": asynchronous work that terminate must wait for.
    await new Promise((resolve) => setTimeout(resolve, 5));
    events.push(`saved ${handled}`);
    await ctx.send(Pong.create({ n: handled, text: 'bye' }));
  });
  await runtime.launch('k', kernel);
  await runtime.activate('k');
  await runtime.sendBatch('k', [Ping.create({}), Ping.create({})]);
  await settle();
  const report = await runtime.terminate('k', { timeout: PATIENCE_MS });
  assert.deepEqual(events, ['receive rejected: KernelTerminatingError', 'saved 2']);
  assert.equal(report.graceful, true);
  assert.deepEqual(
    report.undeliveredOutputs.map((message) => asPong(message).text),
    ['bye'],
  );
});

test('terminate wakes receive({ timeout }), tryReceive, receiveBatch and for-await alike', async () => {
  await using runtime = new RingKernelRuntime();
  const ended: string[] = [];
  const waits: Record<string, (ctx: KernelContext) => Promise<unknown>> = {
    receive: (ctx) => ctx.receive({ timeout: 60_000 }).catch((error: unknown) => (error as Error).name),
    tryReceive: (ctx) => ctx.tryReceive({ timeout: 60_000 }),
    receiveBatch: (ctx) => ctx.receiveBatch(8).catch((error: unknown) => (error as Error).name),
    iterator: async (ctx) => {
      for await (const _ of ctx) ended.push('unexpected message');
      return 'done';
    },
  };
  for (const [name, wait] of Object.entries(waits)) {
    await runtime.launch(
      name,
      ringKernel({}, async (ctx) => {
        ended.push(`${name}: ${String(await wait(ctx))}`);
      }),
    );
    await runtime.activate(name);
  }
  await settle();
  const reports = await runtime.terminateAll({ timeout: PATIENCE_MS });
  assert.ok(reports.every((report) => report.graceful));
  assert.deepEqual(ended.sort(), [
    'iterator: done',
    'receive: KernelTerminatingError',
    'receiveBatch: KernelTerminatingError',
    'tryReceive: undefined',
  ]);
  assert.deepEqual(runtime.kernelIds, []);
});

test('receive calls after termination was requested reject with KernelTerminatingError', async () => {
  await using runtime = new RingKernelRuntime();
  const errors = deferred<unknown[]>();
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      errors.resolve([
        await rejectionOf(ctx.receive()),
        await rejectionOf(ctx.receiveBatch(2)),
        await ctx.tryReceive(),
      ]);
    }),
  );
  await runtime.activate('k');
  await runtime.terminate('k', { timeout: PATIENCE_MS });
  const [receive, batch, tried] = await errors.promise;
  assert.ok(receive instanceof KernelTerminatingError);
  assert.ok(batch instanceof KernelTerminatingError);
  assert.equal(tried, undefined);
});

test('terminate force-stops a kernel that ignores it after the timeout and reports what was left', async () => {
  await using runtime = new RingKernelRuntime();
  const release = deferred();
  const lateSend = deferred<unknown>();
  const kernel = ringKernel<Ping, Pong>({ terminateTimeout: 10 }, async (ctx) => {
    const first = await ctx.receive();
    await ctx.send(Pong.create({ n: first.n, text: 'unread' }));
    await release.promise;
    lateSend.resolve(await rejectionOf(ctx.send(Pong.create({ text: 'too late' }))));
  });
  await runtime.launch('stuck', kernel);
  await runtime.activate('stuck');
  await runtime.send('stuck', Ping.create({ n: 1 }));
  await settle();
  await runtime.send('stuck', Ping.create({ n: 2 }));
  const report = await runtime.terminate('stuck');
  assert.equal(report.graceful, false);
  assert.equal(report.previousState, 'active');
  assert.deepEqual(
    report.unprocessedInputs.map((message) => (message as Ping).n),
    [2],
  );
  assert.deepEqual(
    report.undeliveredOutputs.map((message) => asPong(message).text),
    ['unread'],
  );
  assert.deepEqual(runtime.kernelIds, []);
  // The abandoned code carrying on later can no longer send, and disturbs nothing.
  release.resolve();
  const error = await lateSend.promise;
  assert.ok(error instanceof KernelTerminatedError);
  await settle();
  assert.deepEqual(runtime.kernelIds, []);
});

test('sends are refused while a kernel terminates, naming the state', async () => {
  await using runtime = new RingKernelRuntime();
  const release = deferred();
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      await release.promise;
    }),
  );
  await runtime.activate('k');
  const terminating = runtime.terminate('k', { timeout: PATIENCE_MS });
  assert.equal(runtime.getState('k'), 'terminating');
  const error = await rejectionOf(runtime.send('k', Ping.create({})));
  assert.ok(error instanceof KernelStateError);
  assert.equal(error.state, 'terminating');
  assert.deepEqual(error.allowedStates, ['launched', 'active', 'deactivated']);
  await assert.rejects(runtime.deactivate('k'), KernelStateError);
  release.resolve();
  assert.equal((await terminating).graceful, true);
});

test('await using terminates every kernel, running their shutdown code', async () => {
  const saved: string[] = [];
  const saver = (name: string) =>
    ringKernel({}, async (ctx) => {
      for await (const _ of ctx) {
        // messages are not the point here
      }
      saved.push(name);
    });
  {
    await using runtime = new RingKernelRuntime();
    await runtime.launch('one', saver('one'));
    await runtime.launch('two', saver('two'));
    await runtime.activate('one');
  }
  assert.deepEqual(saved.sort(), ['one', 'two']);
});

test('terminated event carries the same report terminate resolves with', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('k', ringKernel<Ping, Pong>({}, echoLoop));
  const announced = nextEvent(runtime, 'terminated');
  const report = await runtime.terminate('k', { timeout: PATIENCE_MS });
  assert.equal(await announced, report);
  assert.equal(report.kernelId, 'k');
  assert.equal(report.previousState, 'launched');
});

test('a definition whose start throws leaves no kernel behind', async () => {
  await using runtime = new RingKernelRuntime();
  const broken: KernelDefinition = {
    kernelId: undefined,
    options: {},
    start: () => {
      throw new Error('cannot start');
    },
  };
  await assert.rejects(runtime.launch('broken', broken), /cannot start/);
  assert.deepEqual(runtime.kernelIds, []);
  await runtime.launch('broken', ringKernel<Ping, Pong>({}, echoLoop));
  assert.equal(runtime.getState('broken'), 'launched');
});

test('ctx.waitActive woken by activate leaves no listener on its signal', async () => {
  await using runtime = new RingKernelRuntime();
  const controller = new AbortController();
  const woke = deferred();
  await runtime.launch(
    'k',
    ringKernel({}, async (ctx) => {
      await ctx.waitActive({ signal: controller.signal, timeout: PATIENCE_MS });
      woke.resolve();
    }),
  );
  await settle();
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  await runtime.activate('k');
  await woke.promise;
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});
