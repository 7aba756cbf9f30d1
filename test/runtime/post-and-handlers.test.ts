import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import { defineMessage } from '../../src/messages/index.js';
import { QueueFullError, type BackpressureStrategy } from '../../src/queues/index.js';
import {
  KernelNotFoundError,
  KernelStateError,
  NotAMessageError,
  RingKernelRuntime,
  ringKernel,
  type MessageHandlers,
} from '../../src/runtime/index.js';
import { PATIENCE_MS, Ping, Pong, nextEvent } from './helpers.js';

/** A handler kernel that records what it handled, in order. */
function recorder(handled: number[], options: Parameters<typeof ringKernel>[0] = {}) {
  return ringKernel<Ping, Pong>(options, {
    onMessage(ping) {
      handled.push(ping.n);
    },
  });
}

/** Resolves once `handled` holds `count` entries (checked on each turn, bounded). */
async function handledCount(handled: readonly number[], count: number): Promise<void> {
  const deadline = performance.now() + PATIENCE_MS;
  while (handled.length < count) {
    if (performance.now() > deadline) assert.fail(`handled ${handled.length} of ${count}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('runtime.post: the synchronous tell', () => {
  const expectations: Record<BackpressureStrategy, { third: boolean | 'throws'; queued: number[] }> = {
    block: { third: false, queued: [1, 2] },
    reject: { third: 'throws', queued: [1, 2] },
    dropNewest: { third: true, queued: [1, 2] },
    dropOldest: { third: true, queued: [2, 3] },
  };
  for (const [backpressure, expected] of Object.entries(expectations) as [
    BackpressureStrategy,
    (typeof expectations)[BackpressureStrategy],
  ][]) {
    test(`'${backpressure}': a full queue ${expected.third === 'throws' ? 'throws QueueFullError' : `returns ${String(expected.third)}`}; every message is accounted for`, async () => {
      await using runtime = new RingKernelRuntime();
      const handled: number[] = [];
      await runtime.launch('k', recorder(handled, { queueSize: 2, backpressure }));
      const drops: number[] = [];
      const rejections: number[] = [];
      runtime.on('dropped', (event) => drops.push((event.message as Ping).n));
      runtime.on('rejected', (event) => rejections.push((event.message as Ping).n));
      assert.equal(runtime.post('k', Ping.create({ n: 1 })), true);
      assert.equal(runtime.post('k', Ping.create({ n: 2 })), true);
      const third = Ping.create({ n: 3 });
      if (expected.third === 'throws') {
        assert.throws(() => runtime.post('k', third), QueueFullError);
      } else {
        assert.equal(runtime.post('k', third), expected.third);
      }
      const telemetry = runtime.getTelemetry('k');
      // Exact accounting: what post took (true) counts as received; false counts nothing.
      const taken = expected.third === true ? 3 : 2;
      assert.equal(telemetry.messagesReceived, taken);
      assert.equal(telemetry.messagesDropped, drops.length);
      assert.equal(telemetry.messagesRejected, rejections.length);
      assert.equal(telemetry.inputQueueDepth, 2);
      await runtime.activate('k');
      await handledCount(handled, 2);
      assert.deepEqual(handled, expected.queued);
      const attempted = 3;
      const notTaken = expected.third === false ? 1 : 0;
      assert.equal(
        runtime.getTelemetry('k').messagesProcessed + drops.length + rejections.length + notTaken,
        attempted,
      );
      const report = await runtime.terminate('k');
      assert.deepEqual(report.unprocessedInputs, []);
    });
  }

  test('refuses unknown, terminated and failed kernels with the errors send uses', async () => {
    await using runtime = new RingKernelRuntime();
    assert.throws(() => runtime.post('nope', Ping.create({})), KernelNotFoundError);
    await runtime.launch(
      'ends',
      ringKernel<Ping, Pong>(
        {},
        {
          onMessage: (_ping, ctx) => ctx.exit(),
        },
      ),
    );
    await runtime.activate('ends');
    const ended = nextEvent(runtime, 'stateChange', (event) => event.to === 'terminated');
    assert.equal(runtime.post('ends', Ping.create({})), true);
    await ended;
    assert.throws(() => runtime.post('ends', Ping.create({})), KernelStateError);
  });

  test('a message with an out-of-range priority is refused', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch('k', recorder([]));
    const Mutable = defineMessage('PostTestMutable', {}, { freeze: false });
    const bad = Mutable.create({});
    (bad as { priority: number }).priority = 300;
    assert.throws(() => runtime.post('k', bad), InvalidArgumentError);
    assert.throws(() => runtime.post('k', { ...Ping.create({}), priority: 1 }), NotAMessageError);
  });

  test('ctx.post answers a pending request at once, else fills the output queue; false when it is full', async () => {
    await using runtime = new RingKernelRuntime();
    const posted: boolean[] = [];
    await runtime.launch(
      'echo',
      ringKernel<Ping, Pong>(
        { outputQueueSize: 1, outputBackpressure: 'block' },
        {
          onMessage(ping, ctx) {
            posted.push(ctx.post(Pong.reply(ping, { n: ping.n })));
          },
        },
      ),
    );
    await runtime.activate('echo');
    assert.equal((await runtime.request<Pong>('echo', Ping.create({ n: 7 }))).n, 7);
    // No request waits for these: the first reply fills the one-slot output queue, the second finds it full.
    runtime.post('echo', Ping.create({ n: 1 }));
    runtime.post('echo', Ping.create({ n: 2 }));
    const deadline = performance.now() + PATIENCE_MS;
    while (posted.length < 3 && performance.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(posted, [true, true, false]);
    assert.equal(runtime.getTelemetry('echo').outputQueueDepth, 1);
    assert.equal((await runtime.receive<Pong>('echo', { timeout: PATIENCE_MS })).n, 1);
    assert.deepEqual(runtime.receiveAvailable('echo'), []);
  });
});

describe('handler kernels', () => {
  test('deactivate, reactivate and terminate lose nothing: every message is handled or in the report', async () => {
    await using runtime = new RingKernelRuntime();
    const handled: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await runtime.launch(
      'k',
      ringKernel<Ping, Pong>(
        { queueSize: 10_000 },
        {
          onMessage(ping) {
            handled.push(ping.n);
            // Message 150 holds the kernel until terminate's timeout force-stops it.
            if (ping.n === 150) return held;
            return undefined;
          },
        },
      ),
    );
    await runtime.activate('k');
    for (let n = 0; n < 100; n++) runtime.post('k', Ping.create({ n }));
    await handledCount(handled, 100);
    await runtime.deactivate('k');
    for (let n = 100; n < 200; n++) runtime.post('k', Ping.create({ n }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(handled.length, 100, 'a deactivated handler kernel handles nothing');
    assert.equal(runtime.getTelemetry('k').inputQueueDepth, 100);
    await runtime.reactivate('k');
    await handledCount(handled, 151);
    for (let n = 200; n < 300; n++) runtime.post('k', Ping.create({ n }));
    const report = await runtime.terminate('k', { timeout: 20 });
    release();
    assert.equal(report.graceful, false);
    assert.deepEqual(
      report.interruptedInputs.map((message) => (message as Ping).n),
      [150],
    );
    const unprocessed = report.unprocessedInputs.map((message) => (message as Ping).n);
    assert.deepEqual(
      unprocessed,
      Array.from({ length: 149 }, (_, index) => 151 + index),
    );
    assert.deepEqual(
      handled,
      Array.from({ length: 151 }, (_, index) => index),
    );
    // 300 sent = 150 finished + 1 interrupted + 149 unprocessed.
    assert.equal(handled.length - 1 + report.interruptedInputs.length + unprocessed.length, 300);
  });

  test('init runs at launch (launch waits for it) and at each restart; onStop runs at terminate and may send', async () => {
    await using runtime = new RingKernelRuntime();
    const inits: number[] = [];
    let lives = 0;
    const handlers: MessageHandlers<Ping, Pong, { life: number; seen: number }> = {
      async init() {
        await new Promise((resolve) => setImmediate(resolve));
        inits.push(++lives);
        return { life: lives, seen: 0 };
      },
      onMessage(ping, ctx, state) {
        if (ping.text === 'crash') throw new Error('crash on purpose');
        state.seen++;
        return ctx.send(Pong.reply(ping, { n: state.life * 100 + state.seen }));
      },
      onStop: (ctx, state) => ctx.send(Pong.create({ n: state.life, text: 'stopped' })),
    };
    await runtime.launch('k', ringKernel({ supervision: { restart: 'permanent' } }, handlers));
    assert.deepEqual(inits, [1]);
    await runtime.activate('k');
    assert.equal((await runtime.request<Pong>('k', Ping.create({}))).n, 101);
    const restarted = nextEvent(runtime, 'kernelRestart');
    runtime.post('k', Ping.create({ text: 'crash' }));
    await restarted;
    assert.equal((await runtime.request<Pong>('k', Ping.create({}), { timeout: PATIENCE_MS })).n, 201);
    assert.deepEqual(inits, [1, 2]);
    assert.equal(runtime.deadLetters.list()[0]?.reason, 'crash');
    const report = await runtime.terminate('k');
    assert.deepEqual(
      report.undeliveredOutputs.map((message) => [(message as Pong).text, (message as Pong).n]),
      [['stopped', 2]],
    );
  });

  test('onBatch gets what is queued, up to maxBatch, in priority order; the batch counts as processed', async () => {
    await using runtime = new RingKernelRuntime();
    const batches: number[][] = [];
    await runtime.launch(
      'k',
      ringKernel<Ping, Pong>(
        {},
        {
          maxBatch: 3,
          onBatch(pings) {
            batches.push(pings.map((ping) => ping.n));
          },
        },
      ),
    );
    for (let n = 0; n < 7; n++) runtime.post('k', Ping.create({ n, priority: n === 6 ? 250 : 128 }));
    await runtime.activate('k');
    const deadline = performance.now() + PATIENCE_MS;
    while (batches.flat().length < 7 && performance.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[6, 0, 1], [2, 3, 4], [5]]);
    assert.equal(runtime.getTelemetry('k').messagesProcessed, 7);
  });

  test('a handlers object needs exactly one of onMessage and onBatch, and functions where functions go', () => {
    assert.throws(() => ringKernel({}, {}), /exactly one of onMessage/);
    assert.throws(() => ringKernel({}, { onMessage: () => undefined, onBatch: () => undefined }), /got both/);
    assert.throws(
      () => ringKernel({}, { onMessage: () => undefined, init: 5 as never }),
      /init must be a function/,
    );
    assert.throws(() => ringKernel({}, { onBatch: () => undefined, maxBatch: 0 }), /maxBatch/);
  });

  test('200,000 concurrent requests each get their own reply (most wait as blocked senders)', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch(
      'echo',
      ringKernel<Ping, Pong>(
        {},
        {
          onMessage: (ping, ctx) => ctx.send(Pong.reply(ping, { n: ping.n })),
        },
      ),
    );
    await runtime.activate('echo');
    const count = 200_000;
    const requests = Array.from({ length: count }, (_, n) => Ping.create({ n }));
    const replies = await Promise.all(requests.map((request) => runtime.request<Pong>('echo', request)));
    for (let n = 0; n < count; n++) {
      const reply = replies[n]!;
      if (reply.n !== n || reply.correlationId !== requests[n]!.messageId)
        assert.fail(`request ${n} got the reply to ${reply.n}`);
    }
    assert.equal(runtime.getTelemetry('echo').messagesProcessed, count);
  });
});
