import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutError } from '../../src/errors.js';
import { RingKernelRuntime, ringKernel, type KernelDefinition } from '../../src/runtime/index.js';
import { Ping, Pong, settle } from './helpers.js';

/** Replies to every message; reports (and survives) the ones whose text is 'bad'. */
function worker(): KernelDefinition<Ping, Pong> {
  return ringKernel<Ping, Pong>(
    { inputQueueSize: 3, outputQueueSize: 2, backpressure: 'block', outputBackpressure: 'dropNewest' },
    async (ctx) => {
      for await (const ping of ctx) {
        if (ping.text === 'bad') ctx.reportError(new Error('bad input'));
        await ctx.send(Pong.reply(ping, { n: ping.n }));
      }
    },
  );
}

/**
 * Three messages queue before activation, a fourth times out blocked (rejected); the kernel
 * processes three, reports one error, and its third reply finds the output queue full (dropped).
 */
async function scriptedWorkload(runtime: RingKernelRuntime): Promise<void> {
  await runtime.launch('worker', worker());
  await runtime.sendBatch('worker', [
    Ping.create({ n: 1 }),
    Ping.create({ n: 2, text: 'bad' }),
    Ping.create({ n: 3 }),
  ]);
  await assert.rejects(runtime.send('worker', Ping.create({ n: 4 }), { timeout: 1 }), TimeoutError);
  await runtime.activate('worker');
  await settle();
}

test('per-kernel telemetry counts a scripted workload exactly', async () => {
  await using runtime = new RingKernelRuntime({ latencySampling: 1 });
  await scriptedWorkload(runtime);
  const telemetry = runtime.getTelemetry('worker');
  assert.equal(telemetry.kernelId, 'worker');
  assert.equal(telemetry.state, 'active');
  assert.equal(telemetry.messagesReceived, 3);
  assert.equal(telemetry.messagesProcessed, 3);
  assert.equal(telemetry.messagesSent, 3);
  assert.equal(telemetry.messagesDropped, 1);
  assert.equal(telemetry.messagesRejected, 1);
  assert.equal(telemetry.errors, 1);
  assert.deepEqual(telemetry.lastError, { name: 'Error', message: 'bad input' });
  assert.equal(telemetry.inputQueueDepth, 0);
  assert.equal(telemetry.outputQueueDepth, 2);
  assert.equal(telemetry.inputQueueCapacity, 3);
  assert.equal(telemetry.outputQueueCapacity, 2);
  assert.equal(telemetry.latency.count, 3);
  assert.ok(telemetry.latency.max >= telemetry.latency.p50);
  assert.ok(telemetry.lifetimeThroughputPerSecond > 0);
  assert.ok(telemetry.uptimeMs >= 0);
  assert.equal(telemetry.restarts, 0);
});

test('depths follow the queues, and processed counts a message once the kernel asks for the next', async () => {
  await using runtime = new RingKernelRuntime({ latencySampling: 1 });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await runtime.launch(
    'k',
    ringKernel<Ping, Pong>({}, async (ctx) => {
      for await (const ping of ctx) {
        if (ping.n === 1) await held;
        await ctx.send(Pong.reply(ping, {}));
      }
    }),
  );
  await runtime.sendBatch(
    'k',
    [1, 2, 3].map((n) => Ping.create({ n })),
  );
  assert.equal(runtime.getTelemetry('k').inputQueueDepth, 3);
  await runtime.activate('k');
  await settle();
  let telemetry = runtime.getTelemetry('k');
  assert.equal(telemetry.inputQueueDepth, 2);
  assert.equal(telemetry.messagesProcessed, 0);
  release();
  await settle();
  telemetry = runtime.getTelemetry('k');
  assert.equal(telemetry.inputQueueDepth, 0);
  assert.equal(telemetry.outputQueueDepth, 3);
  assert.equal(telemetry.messagesProcessed, 3);
  assert.equal(telemetry.latency.count, 3);
});

test('getSummary adds up every kernel', async () => {
  await using runtime = new RingKernelRuntime({ latencySampling: 1 });
  await scriptedWorkload(runtime);
  await runtime.launch('idle', worker());
  await runtime.send('idle', Ping.create({}));
  const summary = runtime.getSummary();
  assert.equal(summary.kernelCount, 2);
  assert.equal(summary.activeKernels, 1);
  assert.equal(summary.messagesReceived, 4);
  assert.equal(summary.messagesProcessed, 3);
  assert.equal(summary.messagesSent, 3);
  assert.equal(summary.messagesDropped, 1);
  assert.equal(summary.messagesRejected, 1);
  assert.equal(summary.errors, 1);
  assert.equal(summary.latency.count, 3);
  assert.ok(summary.uptimeMs >= 0);
});

test('with telemetry timing off the counters still count, and no latency is sampled', async () => {
  await using runtime = new RingKernelRuntime({ telemetry: false });
  await scriptedWorkload(runtime);
  const telemetry = runtime.getTelemetry('worker');
  assert.equal(telemetry.messagesReceived, 3);
  assert.equal(telemetry.messagesProcessed, 3);
  assert.equal(telemetry.messagesSent, 3);
  assert.equal(telemetry.messagesDropped, 1);
  assert.equal(telemetry.messagesRejected, 1);
  assert.equal(telemetry.errors, 1);
  assert.equal(telemetry.latency.count, 0);
});

test('latency is sampled (one cycle in latencySampling) while counts and throughput stay exact', async () => {
  await using runtime = new RingKernelRuntime({ latencySampling: 4 });
  await runtime.launch(
    'k',
    ringKernel<Ping, Pong>(
      {},
      {
        onMessage: (ping, ctx) => ctx.send(Pong.reply(ping, { n: ping.n })),
      },
    ),
  );
  await runtime.activate('k');
  for (let n = 0; n < 40; n++) await runtime.request('k', Ping.create({ n }));
  const telemetry = runtime.getTelemetry('k');
  assert.equal(telemetry.messagesProcessed, 40);
  assert.equal(telemetry.latency.count, 10);
  assert.ok(telemetry.lifetimeThroughputPerSecond > 0);
  assert.throws(
    () => new RingKernelRuntime({ latencySampling: 0 }),
    /latencySampling must be an integer >= 1/,
  );
});
