/**
 * The kernel conformance suite: behaviour every kind of kernel (event loop, worker thread, ...) must
 * show through the runtime. A kind supplies a `define` that turns one of the kernel modules in
 * `./kernels/` into a definition; the suite launches them and checks lifecycle, backpressure, priority
 * order, request correlation, crashes and termination.
 *
 * @example
 * ```ts
 * defineKernelConformance({
 *   name: 'event loop',
 *   define: async (name, options) => ringKernel(options, (await import(`./kernels/${name}.js`)).default),
 * });
 * ```
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { RingKernelError, TimeoutError } from '../../src/errors.js';
import type { Message } from '../../src/messages/index.js';
import { QueueFullError } from '../../src/queues/index.js';
import {
  KernelFailedError,
  KernelNotFoundError,
  KernelStateError,
  KernelTerminatedError,
  RingKernelRuntime,
  type KernelDefinition,
  type KernelOptions,
  type KernelState,
  type RuntimeEventMap,
} from '../../src/runtime/index.js';
import { Outcome, Work } from './messages.js';
import { nextEvent } from '../runtime/helpers.js';

/** The kernel modules in `./kernels/`, by file name. */
export const conformanceKernelNames = [
  'echo',
  'recorder',
  'crash',
  'blocking-receive',
  'gate',
  'hang',
  'batch',
  'returns',
] as const;
export type ConformanceKernelName = (typeof conformanceKernelNames)[number];

/**
 * The module file of a conformance kernel, for kinds that load kernels by URL (a worker thread
 * imports the same file; under tsx the `.ts` source is importable as is).
 */
export function conformanceKernelUrl(kernel: ConformanceKernelName): URL {
  return new URL(`./kernels/${kernel}.ts`, import.meta.url);
}

/** A kind of kernel under test. */
export interface ConformanceKind {
  readonly name: string;
  /** Builds a definition running the default export of `./kernels/<kernel>.ts` with `options`. */
  define(kernel: ConformanceKernelName, options: KernelOptions): Promise<KernelDefinition>;
}

/** A generous bound for waits that only expire when the behaviour under test is broken. */
const PATIENCE_MS = 10_000;

function asOutcome(message: Message): Outcome {
  assert.ok(Outcome.is(message), `expected a ConformanceOutcome, got ${JSON.stringify(message)}`);
  return message;
}

function stateReached(runtime: RingKernelRuntime, kernelId: string, state: KernelState): Promise<unknown> {
  if (runtime.kernelIds.includes(kernelId) && runtime.getState(kernelId) === state) return Promise.resolve();
  return nextEvent(runtime, 'stateChange', (event) => event.kernelId === kernelId && event.to === state);
}

async function receiveOutcomes(
  runtime: RingKernelRuntime,
  kernelId: string,
  count: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  while (outcomes.length < count) {
    outcomes.push(asOutcome(await runtime.receive(kernelId, { timeout: PATIENCE_MS })));
  }
  return outcomes;
}

/** Lets every pending callback, timer of 0 ms and I/O callback run a few times over. */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

const seqsOf = (messages: readonly Message[]): number[] =>
  messages.map((message) => (message as Work | Outcome).seq);

/** Registers the conformance tests for `kind` (call it at the top level of a test file). */
export function defineKernelConformance(kind: ConformanceKind): void {
  async function launch(
    runtime: RingKernelRuntime,
    kernel: ConformanceKernelName,
    options: KernelOptions = {},
    activate = true,
  ): Promise<string> {
    const kernelId = options.kernelId ?? kernel;
    await runtime.launch(kernelId, await kind.define(kernel, { ...options, kernelId }));
    if (activate) await runtime.activate(kernelId);
    return kernelId;
  }

  describe(`kernel conformance: ${kind.name}`, () => {
    describe('lifecycle', () => {
      test('messages sent before activate queue up and are processed after it', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', {}, false);
        assert.equal(runtime.getState(id), 'launched');
        await runtime.sendBatch(id, [Work.create({ seq: 1 }), Work.create({ seq: 2 })]);
        await settle();
        assert.equal(runtime.getTelemetry(id).inputQueueDepth, 2);
        assert.deepEqual(runtime.receiveAvailable(id), []);
        await runtime.activate(id);
        assert.equal(runtime.getState(id), 'active');
        assert.deepEqual(runtime.activeKernels, [id]);
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 2)), [1, 2]);
      });

      test('deactivate pauses: messages sent meanwhile wait, then are processed in priority order', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder');
        await runtime.send(id, Work.create({ seq: 0 }));
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 1)), [0]);
        await runtime.deactivate(id);
        assert.equal(runtime.getState(id), 'deactivated');
        assert.deepEqual(runtime.activeKernels, []);
        // Sent lowest priority first: processing them while paused would show up as arrival order.
        await runtime.send(id, Work.create({ seq: 1, priority: 10 }));
        await runtime.send(id, Work.create({ seq: 2, priority: 128 }));
        await runtime.send(id, Work.create({ seq: 3, priority: 250 }));
        await runtime.send(id, Work.create({ seq: 4, priority: 10 }));
        await settle();
        assert.deepEqual(runtime.receiveAvailable(id), []);
        assert.equal(runtime.getTelemetry(id).inputQueueDepth, 4);
        await runtime.reactivate(id);
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 4)), [3, 2, 1, 4]);
      });

      test('a for-await kernel pauses on deactivate and resumes on reactivate', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'echo');
        assert.equal(asOutcome(await runtime.request(id, Work.create({ seq: 1 }))).seq, 1);
        await runtime.deactivate(id);
        const late = runtime.request(id, Work.create({ seq: 2 }), { timeout: PATIENCE_MS });
        await settle();
        assert.equal(runtime.getTelemetry(id).inputQueueDepth, 1);
        await runtime.reactivate(id);
        assert.equal(asOutcome(await late).seq, 2);
      });

      test('illegal transitions throw KernelStateError naming the current and allowed states', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', {}, false);
        const expectStateError = async (
          call: Promise<void>,
          state: KernelState,
          allowed: readonly KernelState[],
        ) => {
          const error = await call.then(
            () => assert.fail('the transition should be refused'),
            (reason: unknown) => reason,
          );
          assert.ok(error instanceof KernelStateError);
          assert.equal(error.code, 'KERNEL_STATE');
          assert.equal(error.state, state);
          assert.deepEqual(error.allowedStates, allowed);
          assert.match(error.message, new RegExp(`it is ${state}`));
          for (const name of allowed) assert.match(error.message, new RegExp(name));
        };
        await expectStateError(runtime.deactivate(id), 'launched', ['active']);
        await expectStateError(runtime.reactivate(id), 'launched', ['deactivated']);
        await runtime.activate(id);
        await expectStateError(runtime.activate(id), 'active', ['launched']);
        await expectStateError(runtime.reactivate(id), 'active', ['deactivated']);
        await runtime.deactivate(id);
        await expectStateError(runtime.activate(id), 'deactivated', ['launched']);
        await expectStateError(runtime.deactivate(id), 'deactivated', ['active']);
        assert.equal(runtime.getState(id), 'deactivated');
      });

      test('unknown ids throw KernelNotFoundError listing the known ones', async () => {
        await using runtime = new RingKernelRuntime();
        await launch(runtime, 'echo');
        await launch(runtime, 'recorder');
        const check = (error: unknown) => {
          assert.ok(error instanceof KernelNotFoundError);
          assert.equal(error.code, 'KERNEL_NOT_FOUND');
          assert.equal(error.kernelId, 'nope');
          assert.deepEqual(error.knownIds, ['echo', 'recorder']);
          assert.match(error.message, /'echo', 'recorder'/);
          return true;
        };
        await assert.rejects(runtime.send('nope', Work.create({})), check);
        await assert.rejects(runtime.request('nope', Work.create({})), check);
        await assert.rejects(runtime.receive('nope'), check);
        await assert.rejects(runtime.activate('nope'), check);
        await assert.rejects(runtime.terminate('nope'), check);
        assert.throws(() => runtime.getState('nope'), check);
        assert.throws(() => runtime.getTelemetry('nope'), check);
      });

      test('a kernel whose function returns on its own ends terminated; its outputs stay receivable', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'returns');
        const ended = stateReached(runtime, id, 'terminated');
        await runtime.send(id, Work.create({ seq: 7 }));
        await ended;
        await assert.rejects(
          runtime.send(id, Work.create({})),
          (error) => error instanceof KernelStateError && error.state === 'terminated',
        );
        assert.equal(asOutcome(await runtime.receive(id, { timeout: PATIENCE_MS })).seq, 7);
        await assert.rejects(runtime.receive(id), KernelTerminatedError);
        const report = await runtime.terminate(id);
        assert.equal(report.previousState, 'terminated');
        assert.deepEqual(runtime.kernelIds, []);
      });
    });

    describe('backpressure through the runtime', () => {
      test("'reject' refuses the send with QueueFullError, counts it and emits 'rejected'", async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', { queueSize: 2, backpressure: 'reject' }, false);
        const rejected = nextEvent(runtime, 'rejected');
        await runtime.send(id, Work.create({ seq: 1 }));
        await runtime.send(id, Work.create({ seq: 2 }));
        const refused = Work.create({ seq: 3 });
        await assert.rejects(runtime.send(id, refused), QueueFullError);
        const event = await rejected;
        assert.equal(event.kernelId, id);
        assert.equal(event.queue, 'input');
        assert.equal(event.message, refused);
        const telemetry = runtime.getTelemetry(id);
        assert.equal(telemetry.messagesRejected, 1);
        assert.equal(telemetry.inputQueueDepth, 2);
        await runtime.activate(id);
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 2)), [1, 2]);
      });

      test("'dropNewest' discards the incoming message, counts it and emits 'dropped'", async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', { queueSize: 2, backpressure: 'dropNewest' }, false);
        const dropped = nextEvent(runtime, 'dropped');
        await runtime.sendBatch(
          id,
          [1, 2, 3].map((seq) => Work.create({ seq })),
        );
        const event = await dropped;
        assert.equal(event.reason, 'dropNewest');
        assert.equal(event.queue, 'input');
        assert.equal((event.message as Work).seq, 3);
        assert.equal(runtime.getTelemetry(id).messagesDropped, 1);
        await runtime.activate(id);
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 2)), [1, 2]);
      });

      test("'dropOldest' evicts the oldest message of the lowest priority, counts it and emits 'dropped'", async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', { queueSize: 3, backpressure: 'dropOldest' }, false);
        const drops: Work[] = [];
        runtime.on('dropped', (event) => drops.push(event.message as Work));
        await runtime.send(id, Work.create({ seq: 1, priority: 200 }));
        await runtime.send(id, Work.create({ seq: 2, priority: 50 }));
        await runtime.send(id, Work.create({ seq: 3, priority: 50 }));
        await runtime.send(id, Work.create({ seq: 4, priority: 100 }));
        assert.deepEqual(seqsOf(drops), [2]);
        assert.equal(runtime.getTelemetry(id).messagesDropped, 1);
        await runtime.activate(id);
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 3)), [1, 4, 3]);
      });

      test("'block' makes the sender wait until the kernel makes room; nothing is lost", async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', { queueSize: 2, backpressure: 'block' }, false);
        await runtime.send(id, Work.create({ seq: 1 }));
        await runtime.send(id, Work.create({ seq: 2 }));
        let admitted = false;
        const blocked = runtime.send(id, Work.create({ seq: 3 })).then(() => (admitted = true));
        await settle();
        assert.equal(admitted, false);
        await runtime.activate(id);
        await blocked;
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 3)), [1, 2, 3]);
        assert.equal(runtime.getTelemetry(id).messagesDropped, 0);
      });

      test("'block' sends give up on timeout or abort, leaving no listener and no queued message", async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', { queueSize: 1, backpressure: 'block' }, false);
        await runtime.send(id, Work.create({ seq: 1 }));
        const controller = new AbortController();
        await assert.rejects(
          runtime.send(id, Work.create({ seq: 2 }), { timeout: 5, signal: controller.signal }),
          TimeoutError,
        );
        const aborted = runtime.send(id, Work.create({ seq: 3 }), { signal: controller.signal });
        await settle();
        controller.abort(new Error('caller left'));
        await assert.rejects(aborted, /caller left/);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        const telemetry = runtime.getTelemetry(id);
        assert.equal(telemetry.inputQueueDepth, 1);
        assert.equal(telemetry.messagesReceived, 1);
        assert.equal(telemetry.messagesRejected, 1);
        await runtime.activate(id);
        assert.deepEqual(seqsOf(await receiveOutcomes(runtime, id, 1)), [1]);
      });
    });

    describe('ordering and correlation', () => {
      test('queued input is processed highest priority first, FIFO among equals', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', {}, false);
        const priorities = [10, 200, 10, 128, 255, 0, 200, 128];
        await runtime.sendBatch(
          id,
          priorities.map((priority, seq) => Work.create({ seq, priority })),
        );
        await runtime.activate(id);
        assert.deepEqual(
          seqsOf(await receiveOutcomes(runtime, id, priorities.length)),
          [4, 1, 6, 3, 7, 0, 2, 5],
        );
      });

      test('receiveBatch hands out up to max messages per call, in priority order', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'batch', {}, false);
        await runtime.sendBatch(
          id,
          Array.from({ length: 10 }, (_, seq) => Work.create({ seq, priority: seq < 5 ? 1 : 200 })),
        );
        await runtime.activate(id);
        const batches = (await receiveOutcomes(runtime, id, 3)).map((outcome) => [...outcome.seqs]);
        assert.deepEqual(batches, [
          [5, 6, 7, 8],
          [9, 0, 1, 2],
          [3, 4],
        ]);
      });

      test('1,000 concurrent requests each get their own reply; plain receive gets only the rest', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'echo');
        const requests = Array.from({ length: 1000 }, (_, seq) =>
          Work.create({ seq, text: `request ${seq}`, priority: (seq * 37) % 256 }),
        );
        const plain = Array.from({ length: 20 }, (_, index) => Work.create({ seq: 10_000 + index }));
        const replies = requests.map((request) => runtime.request(id, request, { timeout: PATIENCE_MS }));
        await runtime.sendBatch(id, plain);
        const answered = await Promise.all(replies);
        answered.forEach((reply, index) => {
          const outcome = asOutcome(reply);
          const request = requests[index]!;
          assert.equal(outcome.correlationId, request.messageId);
          assert.equal(outcome.seq, request.seq);
          assert.equal(outcome.text, request.text);
        });
        const others = await receiveOutcomes(runtime, id, plain.length);
        assert.deepEqual(
          others.map((outcome) => outcome.correlationId).sort(),
          plain.map((message) => message.messageId).sort(),
        );
        assert.deepEqual(runtime.receiveAvailable(id), []);
      });

      test('receive, request and waitActive-bound calls honour timeout and AbortSignal', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'gate');
        const controller = new AbortController();
        const receiveTimeout = await runtime.receive(id, { timeout: 5, signal: controller.signal }).then(
          () => assert.fail('nothing was sent'),
          (error: unknown) => error,
        );
        assert.ok(receiveTimeout instanceof TimeoutError);
        const receiving = runtime.receive(id, { signal: controller.signal });
        await settle();
        controller.abort(new Error('stop receiving'));
        await assert.rejects(receiving, /stop receiving/);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);

        assert.equal(asOutcome(await runtime.request(id, Work.create({ seq: 1 }))).kind, 'ready');
        // The gate takes no more input, so requests can only end by their own bounds.
        const second = new AbortController();
        await assert.rejects(
          runtime.request(id, Work.create({ seq: 2 }), { timeout: 5, signal: second.signal }),
          (error) => error instanceof TimeoutError && error.operation === 'request',
        );
        const pending = runtime.request(id, Work.create({ seq: 3 }), { signal: second.signal });
        await settle();
        second.abort(new Error('stop waiting'));
        await assert.rejects(pending, /stop waiting/);
        assert.equal(getEventListeners(second.signal, 'abort').length, 0);
      });
    });

    describe('failure', () => {
      test('an exception escaping the kernel makes it failed: event, telemetry, errors with the cause', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'crash');
        const crashed = nextEvent(runtime, 'kernelError');
        assert.equal(asOutcome(await runtime.request(id, Work.create({ seq: 1 }))).seq, 1);
        await runtime.send(id, Work.create({ seq: 2 }));
        const failing = runtime.request(id, Work.create({ action: 'crash', text: 'boom' }));
        const failure = await failing.then(
          () => assert.fail('the request should fail with the kernel'),
          (error: unknown) => error,
        );
        assert.ok(failure instanceof KernelFailedError);
        assert.equal(failure.code, 'KERNEL_FAILED');
        assert.ok(failure.cause instanceof Error);
        assert.match(failure.cause.message, /crash requested: boom/);
        assert.match(failure.message, /crash requested: boom/);

        const event = await crashed;
        assert.equal(event.kernelId, id);
        assert.equal(event.fatal, true);
        assert.match((event.error as Error).message, /crash requested: boom/);
        assert.equal(runtime.getState(id), 'failed');
        const telemetry = runtime.getTelemetry(id);
        assert.equal(telemetry.errors, 1);
        assert.match(telemetry.lastError?.message ?? '', /crash requested: boom/);

        await assert.rejects(
          runtime.send(id, Work.create({})),
          (error) => error instanceof KernelFailedError && (error.cause as Error).message.includes('boom'),
        );
        // Output queued before the crash is still handed out, then receive reports the failure.
        assert.equal(asOutcome(await runtime.receive(id)).seq, 2);
        await assert.rejects(
          runtime.receive(id),
          (error) => error instanceof KernelFailedError && (error.cause as Error).message.includes('boom'),
        );
        const report = await runtime.terminate(id);
        assert.equal(report.previousState, 'failed');
        assert.match((report.error as Error).message, /crash requested: boom/);
      });
    });

    describe('termination', () => {
      test('terminate wakes a kernel blocked in receive and waits for its shutdown code', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'blocking-receive');
        assert.equal(asOutcome(await runtime.request(id, Work.create({ seq: 1 }))).seq, 1);
        const announced = nextEvent(runtime, 'terminated');
        const report = await runtime.terminate(id, { timeout: PATIENCE_MS });
        assert.equal(report.graceful, true);
        assert.equal(report.previousState, 'active');
        assert.deepEqual(
          report.undeliveredOutputs.map((message) => asOutcome(message).kind),
          ['cleanup'],
        );
        assert.equal(asOutcome(report.undeliveredOutputs[0]!).seq, 1);
        assert.equal(await announced, report);
        assert.deepEqual(runtime.kernelIds, []);
        await assert.rejects(runtime.send(id, Work.create({})), KernelNotFoundError);
      });

      test('terminate reports unprocessed inputs in service order and fails pending requests', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'gate');
        assert.equal(asOutcome(await runtime.request(id, Work.create({ seq: 0 }))).kind, 'ready');
        const orphan = runtime.request(id, Work.create({ seq: 1, priority: 5 }));
        await runtime.send(id, Work.create({ seq: 2, priority: 250 }));
        await runtime.send(id, Work.create({ seq: 3, priority: 5 }));
        const report = await runtime.terminate(id, { timeout: PATIENCE_MS });
        assert.equal(report.graceful, true);
        assert.deepEqual(seqsOf(report.unprocessedInputs), [2, 1, 3]);
        assert.deepEqual(seqsOf(report.undeliveredOutputs), [0]);
        await assert.rejects(orphan, KernelTerminatedError);
      });

      test('terminate force-stops a kernel that ignores it, after the timeout, and still reports', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'hang');
        assert.equal(asOutcome(await runtime.request(id, Work.create({ seq: 0 }))).kind, 'ready');
        await runtime.send(id, Work.create({ seq: 1 }));
        await runtime.send(id, Work.create({ seq: 2 }));
        await runtime.send(id, Work.create({ seq: 3 }));
        const report = await runtime.terminate(id, { timeout: 20 });
        assert.equal(report.graceful, false);
        assert.deepEqual(seqsOf(report.unprocessedInputs), [1, 2, 3]);
        assert.deepEqual(runtime.kernelIds, []);
      });

      test('terminate of a kernel that was never activated is graceful; calling it twice gives one report', async () => {
        await using runtime = new RingKernelRuntime();
        const id = await launch(runtime, 'recorder', {}, false);
        await runtime.send(id, Work.create({ seq: 9 }));
        const first = runtime.terminate(id, { timeout: PATIENCE_MS });
        const second = runtime.terminate(id, { timeout: PATIENCE_MS });
        const report = await first;
        assert.equal(await second, report);
        assert.equal(report.graceful, true);
        assert.equal(report.previousState, 'launched');
        assert.deepEqual(seqsOf(report.unprocessedInputs), [9]);
      });

      test('disposing the runtime terminates every kernel', async () => {
        const reports: RuntimeEventMap['terminated'][] = [];
        {
          await using runtime = new RingKernelRuntime();
          runtime.on('terminated', (report) => reports.push(report));
          await launch(runtime, 'blocking-receive');
          await launch(runtime, 'recorder', {}, false);
        }
        assert.deepEqual(reports.map((report) => report.kernelId).sort(), ['blocking-receive', 'recorder']);
        assert.ok(reports.every((report) => report.graceful));
      });

      test('errors are RingKernelErrors with stable codes', () => {
        assert.ok(new KernelTerminatedError('x') instanceof RingKernelError);
        assert.equal(new KernelTerminatedError('x').code, 'KERNEL_TERMINATED');
      });
    });
  });
}
