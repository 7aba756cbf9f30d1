import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message } from '../../src/messages/index.js';
import { RingKernelRuntime, ringKernel, type KernelContext } from '../../src/runtime/index.js';
import { workerKernel, type WorkerKernelOptions } from '../../src/workers/index.js';
import { CallerCommand, CallerResult, callerMessages } from './fixtures/caller-messages.js';
import { Probe, ProbeReply, probeMessages } from './fixtures/probe-messages.js';

const PATIENCE_MS = 10_000;
const fixture = (name: string): URL => new URL(`./fixtures/${name}.ts`, import.meta.url);
const caller = (options: WorkerKernelOptions = {}) =>
  workerKernel(fixture('caller-kernel'), { messages: callerMessages, ...options });

/** An event-loop kernel that answers each probe with its seq, and lists the seqs it took. */
function recorder(taken: number[], options: { inputQueueSize?: number } = {}) {
  return ringKernel(options, async (ctx: KernelContext<Probe, ProbeReply>) => {
    for await (const probe of ctx) {
      taken.push(probe.seq);
      await ctx.send(ProbeReply.reply(probe, { seq: probe.seq }));
    }
  });
}

async function command(
  runtime: RingKernelRuntime,
  kernelId: string,
  init: Parameters<typeof CallerCommand.create>[0],
): Promise<CallerResult> {
  const result = await runtime.request(kernelId, CallerCommand.create(init), { timeout: PATIENCE_MS });
  assert.ok(CallerResult.is(result), `expected a WorkerCallerResult, got ${JSON.stringify(result)}`);
  return result;
}

async function nextOutput(runtime: RingKernelRuntime, kernelId: string): Promise<Message> {
  return runtime.receive(kernelId, { timeout: PATIENCE_MS });
}

describe('worker kernels call other kernels', () => {
  for (const mode of ['lowCpu', 'spin'] as const) {
    test(`sendTo and request reach event-loop and worker kernels (${mode})`, async () => {
      await using runtime = new RingKernelRuntime();
      const taken: number[] = [];
      await runtime.launch('recorder', recorder(taken));
      await runtime.launch('probe', workerKernel(fixture('probe-kernel'), { messages: probeMessages }));
      await runtime.launch('caller', caller({ mode }));
      for (const id of ['recorder', 'probe', 'caller']) await runtime.activate(id);

      const sent = await command(runtime, 'caller', { seq: 1, action: 'sendTo', target: 'recorder' });
      assert.equal(sent.ok, true);
      const delivered = await nextOutput(runtime, 'recorder');
      assert.ok(ProbeReply.is(delivered));
      assert.equal(delivered.seq, 1);

      const answered = await command(runtime, 'caller', { seq: 2, action: 'request', target: 'recorder' });
      assert.deepEqual([answered.ok, answered.value], [true, 2]);
      const fromWorker = await command(runtime, 'caller', { seq: 3, action: 'request', target: 'probe' });
      assert.deepEqual([fromWorker.ok, fromWorker.value], [true, 3]);
      assert.deepEqual(taken, [1, 2]);
      // A request's reply goes to the caller, not into the target's output queue.
      assert.deepEqual(runtime.receiveAvailable('recorder'), []);
      assert.deepEqual(runtime.receiveAvailable('probe'), []);
    });
  }

  test('calls to a kernel that does not exist reject with KernelNotFoundError in the worker', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch('caller', caller());
    await runtime.activate('caller');
    for (const action of ['sendTo', 'request'] as const) {
      const result = await command(runtime, 'caller', { seq: 1, action, target: 'nobody' });
      assert.deepEqual(
        [result.ok, result.error, result.code],
        [false, 'KernelNotFoundError', 'KERNEL_NOT_FOUND'],
        action,
      );
    }
  });

  test('sendTo resolves only once the target accepted the message; timeouts and aborts withdraw it', async () => {
    await using runtime = new RingKernelRuntime();
    const taken: number[] = [];
    // Launched and not active: its one-message queue stays full until it is activated.
    await runtime.launch('slow', recorder(taken, { inputQueueSize: 1 }));
    await runtime.launch('caller', caller());
    await runtime.activate('caller');

    assert.equal((await command(runtime, 'caller', { seq: 1, action: 'sendTo', target: 'slow' })).ok, true);
    const timedOut = await command(runtime, 'caller', {
      seq: 2,
      action: 'sendTo',
      target: 'slow',
      timeout: 30,
    });
    assert.deepEqual([timedOut.ok, timedOut.error, timedOut.code], [false, 'TimeoutError', 'TIMEOUT']);
    const aborted = await command(runtime, 'caller', {
      seq: 3,
      action: 'sendTo',
      target: 'slow',
      abortAfter: 30,
    });
    assert.deepEqual([aborted.ok, aborted.error], [false, 'GaveUp']);

    const waiting = command(runtime, 'caller', { seq: 4, action: 'sendTo', target: 'slow' });
    await runtime.activate('slow');
    assert.equal((await waiting).ok, true);
    await nextOutput(runtime, 'slow');
    await nextOutput(runtime, 'slow');
    // The calls given up on were withdrawn from the target's queue, not delivered late.
    assert.deepEqual(taken, [1, 4]);
  });

  test('a request that times out in the worker rejects with TimeoutError', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch('asleep', recorder([]));
    await runtime.launch('caller', caller());
    await runtime.activate('caller');
    const result = await command(runtime, 'caller', {
      seq: 1,
      action: 'request',
      target: 'asleep',
      timeout: 30,
    });
    assert.deepEqual([result.ok, result.error], [false, 'TimeoutError']);
  });

  test('publish reaches subscribers; subscribe routes topic messages into the worker until unsubscribed', async () => {
    await using runtime = new RingKernelRuntime();
    const taken: number[] = [];
    await runtime.launch('recorder', recorder(taken));
    await runtime.launch('caller', caller());
    for (const id of ['recorder', 'caller']) await runtime.activate(id);
    runtime.subscribe('sensors.*', 'recorder');

    const published = await command(runtime, 'caller', { seq: 5, action: 'publish', target: 'sensors.temp' });
    assert.deepEqual([published.ok, published.value], [true, 1]);
    await nextOutput(runtime, 'recorder');
    assert.deepEqual(taken, [5]);
    const unheard = await command(runtime, 'caller', { seq: 6, action: 'publish', target: 'nobody.listens' });
    assert.deepEqual([unheard.ok, unheard.value], [true, 0]);

    const badPattern = await command(runtime, 'caller', { seq: 7, action: 'subscribe', target: 'alerts..x' });
    assert.deepEqual([badPattern.ok, badPattern.error], [false, 'InvalidArgumentError']);
    assert.equal(
      (await command(runtime, 'caller', { seq: 8, action: 'subscribe', target: 'alerts.#' })).ok,
      true,
    );
    assert.equal(await runtime.publish('alerts.fire.east', Probe.create({ seq: 9 })), 1);
    const heard = await nextOutput(runtime, 'caller');
    assert.ok(CallerResult.is(heard));
    assert.deepEqual([heard.fromTopic, heard.seq], [true, 9]);

    assert.equal((await command(runtime, 'caller', { seq: 10, action: 'unsubscribe' })).ok, true);
    assert.equal(await runtime.publish('alerts.fire.west', Probe.create({ seq: 11 })), 0);
  });
});
