import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineMessage, field, type Message } from '../../src/messages/index.js';
import { FrameTooLargeError } from '../../src/ring/index.js';
import { RequestDeadLetteredError, RingKernelRuntime } from '../../src/runtime/index.js';
import { WorkerMessageTypeError, workerKernel } from '../../src/workers/index.js';
import type { ProbeReply } from './fixtures/probe-messages.js';
import { Probe, probeMessages } from './fixtures/probe-messages.js';

const PATIENCE_MS = 10_000;
const fixture = (name: string): URL => new URL(`./fixtures/${name}.ts`, import.meta.url);
const seqs = (messages: readonly Message[]) => messages.map((message) => (message as Probe).seq);

/** Launches and activates 'sink': the probe kernel over a 4 KiB ring, knowing two types that carry a big string. */
async function launchSmallRingSink(runtime: RingKernelRuntime) {
  const Flat = defineMessage('WorkerFlatBig', { text: field.string() });
  const Nested = defineMessage('WorkerNestedBig', {
    text: field.string(),
    extra: field.optional(field.i32()),
  });
  await runtime.launch(
    'sink',
    workerKernel(fixture('probe-kernel'), {
      messages: [...probeMessages, Flat, Nested],
      messagesModule: fixture('big-messages'),
      ringBytes: 4096,
    }),
  );
  await runtime.activate('sink');
  return { Flat, Nested };
}

describe('worker kernels account for every message', () => {
  test('a forced terminate lists the message the worker was stuck on as interrupted, the rest as unprocessed', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch('stuck', workerKernel(fixture('stuck-kernel'), { messages: probeMessages }));
    await runtime.activate('stuck');
    const taken = await runtime.request<ProbeReply>('stuck', Probe.create({ seq: 0 }), {
      timeout: PATIENCE_MS,
    });
    assert.equal(taken.seq, 0);
    for (let seq = 1; seq < 10; seq++) await runtime.send('stuck', Probe.create({ seq }));
    const report = await runtime.terminate('stuck', { timeout: 50 });
    assert.equal(report.graceful, false);
    assert.deepEqual(seqs(report.interruptedInputs), [0]);
    assert.deepEqual(seqs(report.unprocessedInputs), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('with receiveBatch(50), all 50 messages the worker held are in the report', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch(
      'batch',
      workerKernel(fixture('stuck-kernel'), { messages: probeMessages, export: 'stuckBatch' }),
    );
    for (let seq = 0; seq < 60; seq++) await runtime.send('batch', Probe.create({ seq }));
    await runtime.activate('batch');
    const said = await runtime.receive<ProbeReply>('batch', { timeout: PATIENCE_MS });
    assert.equal(said.handled, 50);
    const report = await runtime.terminate('batch', { timeout: 50 });
    assert.equal(report.graceful, false);
    const interrupted = seqs(report.interruptedInputs);
    const unprocessed = seqs(report.unprocessedInputs);
    assert.equal(interrupted.length, 50);
    assert.deepEqual(
      [...interrupted, ...unprocessed].sort((a, b) => a - b),
      Array.from({ length: 60 }, (_, seq) => seq),
    );
  });

  test('send refuses a message of a type the worker does not know, counting nothing', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch('probe', workerKernel(fixture('probe-kernel'), { messages: probeMessages }));
    const Stranger = defineMessage('WorkerStranger', { n: field.i32() });
    await assert.rejects(runtime.send('probe', Stranger.create({ n: 1 })), WorkerMessageTypeError);
    assert.throws(() => runtime.post('probe', Stranger.create({ n: 1 })), WorkerMessageTypeError);
    assert.equal(runtime.getTelemetry('probe').messagesReceived, 0);
  });

  test('a frame too large for the ring is refused at send (fast schemas) or dead-lettered with the reason', async () => {
    await using runtime = new RingKernelRuntime();
    const { Flat, Nested } = await launchSmallRingSink(runtime);
    const big = 'x'.repeat(10_000);
    await assert.rejects(runtime.send('sink', Flat.create({ text: big })), FrameTooLargeError);
    const letters: string[] = [];
    runtime.on('deadLetter', (letter) => letters.push(letter.reason));
    await runtime.send('sink', Nested.create({ text: big }));
    const deadline = performance.now() + PATIENCE_MS;
    while (letters.length === 0 && performance.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(letters, ['undeliverable']);
    assert.ok(runtime.deadLetters.list()[0]?.error instanceof FrameTooLargeError);
  });
});

test('a request whose message is dead-lettered fails at once with RequestDeadLetteredError (not at its timeout)', async () => {
  await using runtime = new RingKernelRuntime();
  const { Nested } = await launchSmallRingSink(runtime);
  const began = performance.now();
  await assert.rejects(
    runtime.request('sink', Nested.create({ text: 'x'.repeat(10_000) }), { timeout: PATIENCE_MS }),
    (error: unknown) =>
      error instanceof RequestDeadLetteredError &&
      error.reason === 'undeliverable' &&
      error.cause instanceof FrameTooLargeError,
  );
  assert.ok(performance.now() - began < PATIENCE_MS);
  assert.equal(runtime.deadLetters.list().length, 1);
});
