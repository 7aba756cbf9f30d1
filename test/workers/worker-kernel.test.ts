import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { InvalidArgumentError } from '../../src/errors.js';
import type { Message } from '../../src/messages/index.js';
import {
  KernelFailedError,
  RingKernelRuntime,
  ringKernel,
  type KernelContext,
  type InspectionEvent,
} from '../../src/runtime/index.js';
import {
  RemoteError,
  WorkerCrashError,
  WorkerLoadError,
  WorkerMessageTypesError,
  workerKernel,
  workerPool,
  type WorkerKernelOptions,
} from '../../src/workers/index.js';
import { Probe, ProbeReply, probeMessages } from './fixtures/probe-messages.js';
import { nextEvent } from '../runtime/helpers.js';

const PATIENCE_MS = 10_000;
const fixture = (name: string): URL => new URL(`./fixtures/${name}.ts`, import.meta.url);
const probe = (options: WorkerKernelOptions = {}) =>
  workerKernel(fixture('probe-kernel'), { messages: probeMessages, ...options });

function asReply(message: Message): ProbeReply {
  assert.ok(ProbeReply.is(message), `expected a WorkerProbeReply, got ${JSON.stringify(message)}`);
  return message;
}

async function launchActive(
  runtime: RingKernelRuntime,
  id: string,
  definition: ReturnType<typeof probe>,
): Promise<string> {
  await runtime.launch(id, definition);
  await runtime.activate(id);
  return id;
}

/** An event-loop kernel beside the workers: proves the rest of the runtime keeps working. */
const bystander = ringKernel({}, async (ctx: KernelContext<Probe, ProbeReply>) => {
  for await (const request of ctx) await ctx.send(ProbeReply.reply(request, { seq: request.seq }));
});

async function assertBystanderWorks(runtime: RingKernelRuntime): Promise<void> {
  const reply = asReply(
    await runtime.request('bystander', Probe.create({ seq: 99 }), { timeout: PATIENCE_MS }),
  );
  assert.equal(reply.seq, 99);
}

describe('workerKernel: running in a thread', () => {
  test('replies come from another thread, in both wait modes', async () => {
    await using runtime = new RingKernelRuntime();
    for (const mode of ['lowCpu', 'spin'] as const) {
      const id = await launchActive(runtime, `probe-${mode}`, probe({ mode }));
      for (let seq = 0; seq < 20; seq++) {
        const reply = asReply(await runtime.request(id, Probe.create({ seq }), { timeout: PATIENCE_MS }));
        assert.equal(reply.seq, seq);
        assert.notEqual(reply.threadId, threadId);
        assert.equal(reply.handled, seq + 1);
      }
    }
  });

  test('telemetry is live: processed counts and timings come from the worker before it ends', async () => {
    await using runtime = new RingKernelRuntime({ latencySampling: 1 });
    const id = await launchActive(runtime, 'sink', workerKernel(fixture('sink-kernel')));
    await runtime.sendBatch(
      id,
      Array.from({ length: 200 }, (_, seq) => Probe.create({ seq })),
    );
    const reply = asReply(await runtime.request(id, Probe.create({ seq: -1 }), { timeout: PATIENCE_MS }));
    assert.equal(reply.handled, 201);
    // The worker finished the first 200 before it took the 201st, so the count and timings arrived.
    const telemetry = runtime.getTelemetry(id);
    assert.ok(telemetry.messagesProcessed >= 200, `processed ${telemetry.messagesProcessed}`);
    assert.ok(telemetry.latency.count >= 200, `latency samples ${telemetry.latency.count}`);
    assert.equal(telemetry.messagesReceived, 201);
    assert.equal(telemetry.messagesSent, 1);
    assert.equal(runtime.getState(id), 'active');
  });

  test('runtime.inspect hears the messages a worker finished, with their processing time', async () => {
    await using runtime = new RingKernelRuntime();
    const events: Extract<InspectionEvent, { type: 'processed' }>[] = [];
    runtime.inspect(
      (event) => {
        if (event.type === 'processed') events.push(event);
      },
      { types: ['processed'] },
    );
    const id = await launchActive(runtime, 'sink', workerKernel(fixture('sink-kernel')));
    await runtime.sendBatch(
      id,
      Array.from({ length: 100 }, (_, seq) => Probe.create({ seq })),
    );
    await runtime.request(id, Probe.create({ seq: -1 }), { timeout: PATIENCE_MS });
    // The worker finished the first 100 before it took the request, so they were folded before the reply.
    const finished = events.reduce((sum, event) => sum + event.count, 0);
    assert.ok(finished >= 100, `processed events count ${finished}`);
    assert.ok(events.every((event) => event.kernelId === id && event.count > 0));
    assert.ok(events.some((event) => event.elapsedMs !== undefined && event.elapsedMs >= 0));
  });

  test('message types come from the module when the messages option is left out', async () => {
    await using runtime = new RingKernelRuntime();
    const id = await launchActive(runtime, 'probe', workerKernel(fixture('probe-kernel')));
    assert.equal(
      asReply(await runtime.request(id, Probe.create({ seq: 5 }), { timeout: PATIENCE_MS })).seq,
      5,
    );
  });

  test('a handled error reported in the worker reaches the runtime, which keeps the kernel running', async () => {
    await using runtime = new RingKernelRuntime();
    const id = await launchActive(runtime, 'probe', probe());
    const reported = nextEvent(runtime, 'kernelError');
    const reply = asReply(
      await runtime.request(id, Probe.create({ seq: 3, action: 'report' }), { timeout: PATIENCE_MS }),
    );
    assert.equal(reply.seq, 3);
    const event = await reported;
    assert.equal(event.fatal, false);
    assert.ok(event.error instanceof RemoteError);
    assert.equal(event.error.name, 'TypeError');
    assert.equal(event.error.message, 'handled problem 3');
    assert.match(event.error.stack ?? '', /probe-kernel\.ts/);
    assert.equal(runtime.getTelemetry(id).errors, 1);
    assert.equal(runtime.getState(id), 'active');
  });
});

describe('workerKernel: launch handshake', () => {
  test('a module that throws while loading makes launch reject with its original error and stack', async () => {
    await using runtime = new RingKernelRuntime();
    const error = await runtime
      .launch('broken', workerKernel(fixture('broken-kernel'), { messages: probeMessages }))
      .then(
        () => assert.fail('launch should reject'),
        (reason: unknown) => reason,
      );
    assert.ok(error instanceof WorkerLoadError);
    assert.equal(error.code, 'WORKER_LOAD_FAILED');
    assert.match(error.message, /broken at load time/);
    assert.ok(error.cause instanceof RemoteError);
    assert.equal(error.cause.name, 'SyntaxError');
    assert.equal(error.cause.message, 'broken at load time');
    assert.match(error.cause.stack ?? '', /failWhileLoading[\s\S]*broken-kernel\.ts/);
    assert.deepEqual(runtime.kernelIds, []);
  });

  test('a module without a default-exported function, or missing, is refused at launch', async () => {
    await using runtime = new RingKernelRuntime();
    await assert.rejects(
      runtime.launch('none', workerKernel(fixture('no-default-kernel'), { messages: probeMessages })),
      (error) =>
        error instanceof WorkerLoadError &&
        /must export the kernel function .* or a handlers object/.test(error.message) &&
        /the default export is undefined/.test(error.message),
    );
    await assert.rejects(
      runtime.launch('missing', workerKernel(fixture('does-not-exist'), { messages: probeMessages })),
      (error) => error instanceof WorkerLoadError && /failed to load/.test(error.message),
    );
    assert.deepEqual(runtime.kernelIds, []);
  });

  test('host and worker must agree on the message types', async () => {
    await using runtime = new RingKernelRuntime();
    await assert.rejects(
      runtime.launch('probe', workerKernel(fixture('probe-kernel'), { messages: [Probe] })),
      (error) => error instanceof WorkerMessageTypesError && /WorkerProbeReply/.test(error.message),
    );
    assert.deepEqual(runtime.kernelIds, []);
  });

  test('options are checked when the kernel is defined', () => {
    assert.throws(() => workerKernel('./relative.js'), InvalidArgumentError);
    assert.throws(() => workerKernel(fixture('probe-kernel'), { ringBytes: 1000 }), InvalidArgumentError);
    assert.throws(
      () => workerKernel(fixture('probe-kernel'), { mode: 'busy' as 'spin' }),
      InvalidArgumentError,
    );
    assert.throws(() => workerPool(fixture('probe-kernel'), { size: 0 }), InvalidArgumentError);
  });
});

describe('workerKernel: crash containment', () => {
  async function crash(action: 'throw' | 'exit' | 'exhaustMemory', options: WorkerKernelOptions = {}) {
    const runtime = new RingKernelRuntime();
    await runtime.launch('bystander', bystander);
    await runtime.activate('bystander');
    const id = await launchActive(runtime, 'probe', probe(options));
    assert.equal(
      asReply(await runtime.request(id, Probe.create({ seq: 1 }), { timeout: PATIENCE_MS })).seq,
      1,
    );
    const fatal = nextEvent(runtime, 'kernelError', (event) => event.fatal);
    const failing = runtime.request(id, Probe.create({ seq: 2, action }));
    // Sent behind the crash: never taken by the kernel, so they must be reported, not lost.
    await runtime.send(id, Probe.create({ seq: 3 }));
    await runtime.send(id, Probe.create({ seq: 4 }));
    const failure = await failing.then(
      () => assert.fail('the request should fail with the kernel'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof KernelFailedError);
    const crashError = failure.cause;
    assert.ok(crashError instanceof WorkerCrashError);
    assert.equal(crashError.code, 'WORKER_CRASHED');
    assert.deepEqual(
      crashError.inFlightMessages.map((message) => (message as Probe).seq),
      [2],
    );
    assert.equal((await fatal).error, crashError);
    assert.equal(runtime.getState(id), 'failed');
    await assertBystanderWorks(runtime);
    const report = await runtime.terminate(id);
    assert.equal(report.error, crashError);
    assert.deepEqual(
      report.unprocessedInputs.map((message) => (message as Probe).seq),
      [3, 4],
    );
    await assertBystanderWorks(runtime);
    await runtime.terminateAll();
    return crashError;
  }

  test('a kernel that throws fails with the error serialized across: name, code, message, stack, cause', async () => {
    const error = await crash('throw');
    assert.equal(error.kind, 'threw');
    assert.ok(error.cause instanceof RemoteError);
    assert.equal(error.cause.name, 'ProbeFailure');
    assert.equal(error.cause.code, 'PROBE_FAILURE');
    assert.equal(error.cause.message, 'probe failure on request 2');
    assert.match(error.cause.stack ?? '', /probe-kernel\.ts/);
    const inner = error.cause.cause;
    assert.ok(inner instanceof RemoteError);
    assert.equal(inner.name, 'RangeError');
    assert.equal(inner.message, 'the inner reason');
    assert.match(error.message, /probe failure on request 2/);
  });

  test('a kernel that calls process.exit fails with its exit code', async () => {
    const error = await crash('exit');
    assert.equal(error.kind, 'exited');
    assert.equal(error.exitCode, 7);
  });

  test('a kernel that runs out of memory fails, and only its thread dies', async () => {
    const error = await crash('exhaustMemory', {
      resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
    });
    assert.equal(error.kind, 'outOfMemory');
    assert.equal((error.cause as { code?: string }).code, 'ERR_WORKER_OUT_OF_MEMORY');
  });

  test('a supervised worker kernel restarts in a fresh thread and serves what the crashed one left', async () => {
    await using runtime = new RingKernelRuntime();
    const id = await launchActive(
      runtime,
      'probe',
      probe({ supervision: { restart: 'transient', backoff: { initialMs: 0, jitter: 0 } } }),
    );
    const first = asReply(await runtime.request(id, Probe.create({ seq: 1 }), { timeout: PATIENCE_MS }));
    const restarted = nextEvent(runtime, 'kernelRestart');
    await runtime.send(id, Probe.create({ seq: 2, action: 'throw' }));
    const after = runtime.request(id, Probe.create({ seq: 3 }), { timeout: PATIENCE_MS });
    await restarted;
    const reply = asReply(await after);
    assert.equal(reply.seq, 3);
    assert.equal(reply.handled, 1);
    assert.notEqual(reply.threadId, first.threadId);
    assert.equal(runtime.getState(id), 'active');
  });
});

describe('workerPool', () => {
  test('round robin spreads requests over 2 threads and every reply finds its request', async () => {
    await using runtime = new RingKernelRuntime();
    const id = await launchActive(
      runtime,
      'pool',
      workerPool(fixture('probe-kernel'), { size: 2, messages: probeMessages }),
    );
    const requests = Array.from({ length: 40 }, (_, seq) => Probe.create({ seq }));
    const replies = await Promise.all(
      requests.map((request) => runtime.request(id, request, { timeout: PATIENCE_MS })),
    );
    const perThread = new Map<number, number>();
    replies.forEach((message, index) => {
      const reply = asReply(message);
      assert.equal(reply.correlationId, requests[index]!.messageId);
      assert.equal(reply.seq, index);
      perThread.set(reply.threadId, (perThread.get(reply.threadId) ?? 0) + 1);
    });
    assert.equal(perThread.size, 2);
    assert.deepEqual([...perThread.values()], [20, 20]);
    assert.ok(!perThread.has(threadId));
    const telemetry = runtime.getTelemetry(id);
    assert.ok(telemetry.messagesProcessed >= 38, `processed ${telemetry.messagesProcessed}`);
  });

  test('least loaded sends work past a busy thread', async () => {
    await using runtime = new RingKernelRuntime();
    const id = await launchActive(
      runtime,
      'pool',
      workerPool(fixture('probe-kernel'), { size: 2, strategy: 'leastLoaded', messages: probeMessages }),
    );
    const held = Probe.create({ seq: 1, action: 'hold' });
    await runtime.send(id, held);
    const reply = asReply(await runtime.request(id, Probe.create({ seq: 2 }), { timeout: PATIENCE_MS }));
    assert.equal(reply.seq, 2);
    assert.equal(reply.handled, 1);
    const report = await runtime.terminate(id, { timeout: 50 });
    // Either the busy thread had taken the held message (then it ignores terminate and is
    // force-stopped) or it had not (then the message is reported): it never went to the other one.
    const unprocessed = report.unprocessedInputs.map((message) => (message as Probe).seq);
    assert.deepEqual(unprocessed, report.graceful ? [1] : []);
  });

  test('when one thread of a pool crashes, the kernel fails and the other thread is stopped', async () => {
    await using runtime = new RingKernelRuntime();
    const id = await launchActive(
      runtime,
      'pool',
      workerPool(fixture('probe-kernel'), { size: 2, messages: probeMessages }),
    );
    const failed = nextEvent(runtime, 'kernelError', (event) => event.fatal);
    const first = asReply(await runtime.request(id, Probe.create({ seq: 1 }), { timeout: PATIENCE_MS }));
    // Round robin: the next message goes to the other thread.
    await runtime.send(id, Probe.create({ seq: 2, action: 'throw' }));
    const event = await failed;
    assert.ok(event.error instanceof WorkerCrashError);
    assert.equal(event.error.workerIndex, 1);
    const report = await runtime.terminate(id);
    assert.equal(report.previousState, 'failed');
    assert.equal(first.seq, 1);
    assert.deepEqual(report.unprocessedInputs, []);
  });
});
