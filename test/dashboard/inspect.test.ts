import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { defineMessage, field } from '../../src/messages/index.js';
import { RingKernelRuntime, ringKernel } from '../../src/runtime/index.js';
import type { InspectionEvent } from '../../src/runtime/inspect.js';

const Ping = defineMessage('InspectPing', { value: field.f64() });
const Pong = defineMessage('InspectPong', { value: field.f64() });

const echo = ringKernel({ kernelId: 'echo' }, async (ctx) => {
  for await (const message of ctx) {
    const ping = message as ReturnType<typeof Ping.create>;
    await ctx.send(Pong.reply(ping, { value: ping.value }));
  }
});

async function echoRuntime(): Promise<RingKernelRuntime> {
  const runtime = new RingKernelRuntime();
  await runtime.launch('echo', echo);
  await runtime.activate('echo');
  return runtime;
}

async function roundTrips(runtime: RingKernelRuntime, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    await runtime.request('echo', Ping.create({ value: index }), { timeout: 2000 });
  }
}

describe('runtime.inspect', () => {
  it('reports lifecycle, received, sent, processed and terminated events in order', async () => {
    const runtime = new RingKernelRuntime();
    const events: InspectionEvent[] = [];
    const stop = runtime.inspect((event) => events.push(event));
    await runtime.launch('echo', echo);
    await runtime.activate('echo');
    await roundTrips(runtime, 3);
    await runtime.terminate('echo');
    stop();
    const types = events.map((event) => event.type);
    assert.deepEqual(types.slice(0, 2), ['lifecycle', 'lifecycle']);
    assert.equal(types.filter((type) => type === 'received').length, 3);
    assert.equal(types.filter((type) => type === 'sent').length, 3);
    const processed = events.filter((event) => event.type === 'processed');
    assert.equal(
      processed.reduce((sum, event) => sum + event.count, 0),
      3,
    );
    for (const event of processed) assert.ok(event.elapsedMs !== undefined && event.elapsedMs >= 0);
    const sent = events.find((event) => event.type === 'sent');
    assert.ok(sent?.type === 'sent' && sent.reply);
    assert.equal(types.at(-1), 'terminated');
    const transitions = events
      .filter((event) => event.type === 'lifecycle')
      .map((event) => `${String(event.from)}->${event.to}`);
    assert.deepEqual(transitions, [
      'undefined->launched',
      'launched->active',
      'active->terminating',
      'terminating->terminated',
    ]);
  });

  it('samples per-message events every Nth per kernel and type, never lifecycle events', async () => {
    const runtime = await echoRuntime();
    const received: number[] = [];
    const lifecycle: string[] = [];
    const stop = runtime.inspect(
      (event) => {
        if (event.type === 'received') received.push((event.message as ReturnType<typeof Ping.create>).value);
        if (event.type === 'lifecycle') lifecycle.push(event.to);
      },
      { sample: 4 },
    );
    await roundTrips(runtime, 10);
    await runtime.deactivate('echo');
    await runtime.reactivate('echo');
    stop();
    assert.deepEqual(received, [0, 4, 8]);
    assert.deepEqual(lifecycle, ['deactivated', 'active']);
    await runtime.terminateAll();
  });

  it('keeps a fraction of events when sample is below 1', async () => {
    const runtime = await echoRuntime();
    let received = 0;
    const stop = runtime.inspect(() => received++, { sample: 0.5, types: ['received'] });
    await roundTrips(runtime, 10);
    stop();
    assert.equal(received, 5);
    await runtime.terminateAll();
  });

  it('caps per-message events with maxPerSecond', async () => {
    const runtime = await echoRuntime();
    let sent = 0;
    const stop = runtime.inspect(() => sent++, { maxPerSecond: 2, types: ['sent'] });
    await roundTrips(runtime, 10);
    stop();
    assert.ok(sent >= 2 && sent < 10, `got ${sent}`);
    await runtime.terminateAll();
  });

  it('filters by type and stops delivering after unsubscribe', async () => {
    const runtime = await echoRuntime();
    const events: InspectionEvent[] = [];
    const stop = runtime.inspect((event) => events.push(event), { types: ['processed'] });
    await roundTrips(runtime, 2);
    stop();
    const seen = events.length;
    await roundTrips(runtime, 2);
    assert.ok(seen >= 1);
    assert.equal(events.length, seen);
    assert.ok(events.every((event) => event.type === 'processed'));
    await runtime.terminateAll();
  });

  it('reports drops and handled errors', async () => {
    const runtime = new RingKernelRuntime();
    const events: InspectionEvent[] = [];
    runtime.inspect((event) => events.push(event), { types: ['dropped', 'error'] });
    await runtime.launch(
      'lossy',
      ringKernel({ kernelId: 'lossy', queueSize: 2, backpressure: 'dropOldest' }, async (ctx) => {
        for await (const _ of ctx) ctx.reportError(new Error('handled'));
      }),
    );
    for (let index = 0; index < 3; index++) await runtime.send('lossy', Ping.create({ value: index }));
    await runtime.activate('lossy');
    await runtime.send('lossy', Ping.create({ value: 9 }));
    await runtime.terminate('lossy');
    const dropped = events.filter((event) => event.type === 'dropped');
    assert.equal(dropped.length, 1);
    assert.ok(
      dropped[0]?.type === 'dropped' && dropped[0].reason === 'dropOldest' && dropped[0].queue === 'input',
    );
    const errors = events.filter((event) => event.type === 'error');
    assert.ok(errors.length >= 1);
    assert.ok(errors.every((event) => event.type === 'error' && !event.fatal));
  });

  it('reports restarts of a supervised kernel and the message it crashed on as a dead letter', async () => {
    const runtime = new RingKernelRuntime();
    const events: InspectionEvent[] = [];
    runtime.inspect((event) => events.push(event), { types: ['restart', 'deadLetter', 'error'] });
    const restarted = new Promise<void>((resolve) => runtime.on('kernelRestart', () => resolve()));
    let lives = 0;
    await runtime.launch(
      'fragile',
      ringKernel(
        {
          kernelId: 'fragile',
          supervision: { restart: 'transient', backoff: { type: 'fixed', initialMs: 1, jitter: 0 } },
        },
        async (ctx) => {
          lives++;
          for await (const _ of ctx) throw new Error('boom');
        },
      ),
    );
    await runtime.activate('fragile');
    await runtime.send('fragile', Ping.create({ value: 1 }));
    await restarted;
    await runtime.terminateAll();
    const restart = events.find((event) => event.type === 'restart');
    assert.ok(restart?.type === 'restart');
    assert.equal(restart.attempt, 1);
    assert.equal(restart.escalated, false);
    assert.equal((restart.error as Error).message, 'boom');
    const dead = events.find((event) => event.type === 'deadLetter');
    assert.ok(dead?.type === 'deadLetter' && dead.reason === 'crash' && dead.kernelId === 'fragile');
    assert.ok(events.some((event) => event.type === 'error' && event.fatal));
    assert.ok(lives >= 1);
  });

  it('rejects bad options with InvalidArgumentError', async () => {
    const runtime = new RingKernelRuntime();
    assert.throws(() => runtime.inspect(() => undefined, { sample: 0 }), InvalidArgumentError);
    assert.throws(() => runtime.inspect(() => undefined, { sample: 2.5 }), InvalidArgumentError);
    assert.throws(() => runtime.inspect(() => undefined, { maxPerSecond: -1 }), InvalidArgumentError);
    assert.throws(
      () => runtime.inspect(() => undefined, { types: ['nope' as 'sent'] }),
      InvalidArgumentError,
    );
    await runtime.terminateAll();
  });
});
