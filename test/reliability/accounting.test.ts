/**
 * Message accounting per kernel kind on the event loop: every message sent to a kernel ends up in
 * exactly one place, and the runtime's counters agree with where.
 *
 * For loop kernels and handler kernels, under every backpressure strategy, with a graceful and a
 * forced termination, plain and supervised (crashing on every 10th message it handles): N messages
 * go in by `send`, `post` and `request` while the kernel holds the first one, the kernel then
 * processes P of them, and the kernel is terminated. Then, per message (by its `seq`):
 *
 *   sent = processed + dropped + rejected + dead-lettered + unprocessed + interrupted (the report)
 *          + returned to the caller (a `post` that answered false, a blocked `send`/`request`
 *            refused when the kernel terminated)
 *
 * with the sets disjoint, each caller told the matching outcome, and telemetry (`getTelemetry` just
 * before terminate: processed, dropped, rejected, received, restarts, queue depth), the runtime's
 * events (`dropped`, `rejected`, `deadLetter`, `terminated`), `runtime.inspect` (processed counts
 * that outlive the kernel) and `runtime.deadLetters` agreeing with those sets exactly.
 * Device-resident kernels (`gpuRingKernel` on the CPU backend) are checked the same way, their
 * processed messages identified by their replies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gpuRingKernel } from '../../src/gpu-kernels/index.js';
import { defineMessage, field, type Message, type MessageOf } from '../../src/messages/index.js';
import { QueueFullError, backpressureStrategies, type BackpressureStrategy } from '../../src/queues/index.js';
import {
  KernelTerminatedError,
  RingKernelRuntime,
  ringKernel,
  type DeadLetter,
  type HandlerContext,
  type KernelDefinition,
  type KernelOptions,
  type RuntimeEventMap,
  type TerminationReport,
} from '../../src/runtime/index.js';
import type { KernelTelemetrySnapshot } from '../../src/telemetry/kernel-telemetry.js';
import { PATIENCE_MS, pollUntil, within } from '../helpers/bounded.js';

const Job = defineMessage('AccountingJob', {
  seq: field.i32(),
  /** Sent by `request`: the kernel answers it. */
  reply: field.bool({ default: false }),
});
type Job = MessageOf<typeof Job>;
const Done = defineMessage('AccountingDone', { seq: field.i32() });
type Done = MessageOf<typeof Done>;

/** Numeric twins for the device-resident kernel (its schemas must be plain numbers). */
const GpuJob = defineMessage('AccountingGpuJob', { seq: field.i32() });
const GpuDone = defineMessage('AccountingGpuDone', { seq: field.i32() });

const N = 100;
const QUEUE = 32;
const PROCESS = 25;
const CRASH_EVERY = 10;
const FORCED_TIMEOUT_MS = 30;

type Via = 'send' | 'post' | 'request';
const viaOf = (seq: number): Via => (['send', 'post', 'request'] as const)[seq % 3]!;
/** Mixed priorities, so `dropOldest` picks victims across levels. */
const priorityOf = (seq: number): number => [128, 10, 200, 128, 60][seq % 5]!;
const seqOf = (message: Message): number => (message as Job).seq;
const seqsOf = (messages: readonly Message[]): number[] => messages.map(seqOf);

/** How a promise settled, observed without awaiting it. */
type Settlement =
  { state: 'pending' } | { state: 'resolved'; value: unknown } | { state: 'rejected'; error: unknown };

function watch(promise: Promise<unknown>): {
  readonly current: Settlement;
  readonly settled: Promise<unknown>;
} {
  const box = { current: { state: 'pending' } as Settlement, settled: Promise.resolve() as Promise<unknown> };
  box.settled = promise.then(
    (value: unknown) => (box.current = { state: 'resolved', value }),
    (error: unknown) => (box.current = { state: 'rejected', error }),
  );
  return box;
}

/**
 * Drives the kernel's work from the test: each message waits for a permit before it is handled;
 * a kernel that honours termination also proceeds when its signal aborts (so a graceful stop
 * finishes the message in hand); one that does not hangs until force-stopped. Shared by every life
 * of the kernel, so the count of handled messages survives restarts.
 */
class Controller {
  readonly processed: number[] = [];
  readonly crashed: number[] = [];
  handled = 0;
  /** The seq of the message waiting for a permit, if one is. */
  parked: number | undefined;
  readonly #honourStop: boolean;
  readonly #crashEvery: number | undefined;
  #permits = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #watchers = new Set<() => void>();

  constructor(options: { honourStop: boolean; crashEvery: number | undefined }) {
    this.#honourStop = options.honourStop;
    this.#crashEvery = options.crashEvery;
  }

  async work(message: Message, ctx: HandlerContext<Message>): Promise<void> {
    const job = message as Job;
    await this.#admit(job.seq, ctx.signal);
    this.handled++;
    if (this.#crashEvery !== undefined && this.handled % this.#crashEvery === 0) {
      this.crashed.push(job.seq);
      this.#changed();
      throw new Error(`crash on purpose at message ${job.seq}`);
    }
    this.processed.push(job.seq);
    this.#changed();
    if (job.reply) await ctx.send(Done.reply(job, { seq: job.seq }));
  }

  #admit(seq: number, signal: AbortSignal): Promise<void> {
    if (this.#permits > 0) {
      this.#permits--;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const go = () => {
        const index = this.#waiting.indexOf(go);
        if (index < 0) return;
        this.#waiting.splice(index, 1);
        this.parked = undefined;
        resolve();
      };
      this.#waiting.push(go);
      this.parked = seq;
      if (this.#honourStop) {
        if (signal.aborted) go();
        else signal.addEventListener('abort', go, { once: true });
      }
      this.#changed();
    });
  }

  release(count: number): void {
    this.#permits += count;
    while (this.#permits > 0 && this.#waiting.length > 0) {
      this.#permits--;
      this.#waiting[0]!();
    }
  }

  /** Resolves once `condition` holds (checked after every change), or fails the test after a bound. */
  until(condition: () => boolean, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (!condition()) return;
          this.#watchers.delete(check);
          resolve();
        };
        this.#watchers.add(check);
      }),
      what,
    );
  }

  #changed(): void {
    for (const check of [...this.#watchers]) check();
  }
}

/** What the runtime tells about one kernel, from events that outlive it. */
class Ledger {
  readonly dropped: number[] = [];
  readonly rejected = new Map<number, Error>();
  readonly deadLetters: DeadLetter[] = [];
  readonly terminated: TerminationReport[] = [];
  processedCount = 0;

  constructor(runtime: RingKernelRuntime, kernelId: string) {
    runtime.on('dropped', (event: RuntimeEventMap['dropped']) => {
      assert.equal(event.kernelId, kernelId);
      if (event.queue === 'input') this.dropped.push(seqOf(event.message));
    });
    runtime.on('rejected', (event: RuntimeEventMap['rejected']) => {
      assert.equal(event.kernelId, kernelId);
      assert.equal(event.queue, 'input');
      this.rejected.set(seqOf(event.message), event.error);
    });
    runtime.on('deadLetter', (letter) => this.deadLetters.push(letter));
    runtime.on('terminated', (report) => this.terminated.push(report));
    runtime.inspect(
      (event) => {
        if (event.type === 'processed' && event.kernelId === kernelId) this.processedCount += event.count;
      },
      { types: ['processed'] },
    );
  }
}

/** Outcomes the callers saw, by seq. */
interface Traffic {
  readonly promises: Map<number, ReturnType<typeof watch>>;
  readonly posted: Map<number, boolean>;
  readonly thrown: Map<number, unknown>;
}

function sendAll(
  runtime: RingKernelRuntime,
  kernelId: string,
  create: (seq: number, via: Via) => Message,
): Traffic {
  const traffic: Traffic = { promises: new Map(), posted: new Map(), thrown: new Map() };
  for (let seq = 0; seq < N; seq++) {
    const via = viaOf(seq);
    const message = create(seq, via);
    try {
      if (via === 'post') traffic.posted.set(seq, runtime.post(kernelId, message));
      else
        traffic.promises.set(
          seq,
          watch(via === 'send' ? runtime.send(kernelId, message) : runtime.request(kernelId, message)),
        );
    } catch (error) {
      traffic.thrown.set(seq, error);
    }
  }
  return traffic;
}

interface Observed {
  readonly strategy: BackpressureStrategy;
  readonly kernelId: string;
  readonly traffic: Traffic;
  readonly ledger: Ledger;
  readonly report: TerminationReport;
  readonly snapshot: KernelTelemetrySnapshot;
  /** Messages the kernel held (taken, not finished) when the snapshot was taken. */
  readonly inFlightAtSnapshot: number;
  /** Crashes before the snapshot. */
  readonly crashesAtSnapshot: number;
  /** Messages dead-lettered when the snapshot was taken. */
  readonly deadLetteredAtSnapshot: number;
  /** Seqs the kernel finished, as the kernel (or its replies) tells. */
  readonly processed: readonly number[];
  /** Seqs of the messages the kernel crashed on (undefined: check the dead letters' errors instead). */
  readonly crashed: readonly number[] | undefined;
  readonly graceful: boolean;
  readonly supervised: boolean;
  readonly runtime: RingKernelRuntime;
}

/** The accounting identity and every cross-check; returns the totals for the test's own asserts. */
async function account(observed: Observed): Promise<Record<string, number>> {
  const { traffic, ledger, report, snapshot, strategy } = observed;
  await within(
    Promise.all([...traffic.promises.values()].map((watched) => watched.settled)),
    'every send and request to settle',
  );

  const processed = [...observed.processed];
  const dropped = ledger.dropped;
  const rejected = [...ledger.rejected.keys()];
  const crashLetters = ledger.deadLetters.filter((letter) => letter.kernelId === observed.kernelId);
  for (const letter of crashLetters)
    assert.equal(letter.reason, 'crash', 'the only dead letters are crashes');
  const deadLettered = seqsOf(crashLetters.map((letter) => letter.message));
  const unprocessed = seqsOf(report.unprocessedInputs);
  const interrupted = seqsOf(report.interruptedInputs);
  const notTaken = [...traffic.posted].filter(([, taken]) => !taken).map(([seq]) => seq);
  const placed = new Set([
    ...processed,
    ...dropped,
    ...rejected,
    ...deadLettered,
    ...unprocessed,
    ...interrupted,
    ...notTaken,
  ]);
  // Whatever is left was never taken: a blocked send or request that termination refused.
  const returned = Array.from({ length: N }, (_, seq) => seq).filter((seq) => !placed.has(seq));

  const places = { processed, dropped, rejected, deadLettered, unprocessed, interrupted, notTaken, returned };
  const all = Object.values(places).flat();
  assert.equal(
    all.length,
    N,
    `sent (${N}) = ${Object.entries(places)
      .map(([name, seqs]) => `${name} ${seqs.length}`)
      .join(' + ')}: every message in exactly one place`,
  );
  assert.equal(new Set(all).size, N, 'no message is counted twice');

  // The report, the `terminated` event and the dead-letter queue agree.
  assert.deepEqual(ledger.terminated, [report], 'the terminated event carries the report');
  assert.equal(report.graceful, observed.graceful);
  if (observed.graceful) assert.deepEqual(interrupted, [], 'a graceful stop interrupts nothing');
  else
    assert.equal(interrupted.length, observed.inFlightAtSnapshot, 'a forced stop lists the message in hand');
  assert.deepEqual(
    observed.runtime.deadLetters.list((letter) => letter.kernelId === observed.kernelId),
    crashLetters,
    'runtime.deadLetters holds what the deadLetter events announced',
  );
  if (observed.crashed !== undefined)
    assert.deepEqual(
      [...deadLettered].sort(),
      [...observed.crashed].sort(),
      'exactly the crashing messages are dead-lettered',
    );
  for (const letter of crashLetters)
    assert.match(String(letter.error), /crash on purpose/, 'dead letters carry the crash');
  assert.equal(ledger.processedCount, processed.length, 'processed (inspect) = what the kernel finished');

  // Telemetry just before terminate: counters match the events, and received balances.
  assert.equal(snapshot.messagesDropped, dropped.length, 'telemetry dropped = dropped events');
  assert.equal(snapshot.messagesRejected, rejected.length, 'telemetry rejected = rejected events');
  const processedAtSnapshot = snapshot.messagesProcessed;
  assert.ok(processedAtSnapshot <= processed.length);
  assert.ok(
    processed.length - processedAtSnapshot <= (observed.graceful ? observed.inFlightAtSnapshot : 0),
    'after the snapshot only the message in hand may still be finished, and only by a graceful stop',
  );
  if (observed.supervised)
    assert.equal(snapshot.restarts, observed.crashesAtSnapshot, 'one restart per crash');
  // received counts every message the queue holds or held: processed, dropped, queued, in hand,
  // dead-lettered, and blocked senders (they count until refused).
  const blockedAtSnapshot =
    snapshot.messagesReceived -
    processedAtSnapshot -
    snapshot.messagesDropped -
    snapshot.inputQueueDepth -
    observed.inFlightAtSnapshot -
    observed.deadLetteredAtSnapshot;
  assert.equal(returned.length, blockedAtSnapshot, 'returned to the caller = senders blocked at terminate');
  for (const seq of returned)
    assert.ok(
      traffic.promises.has(seq),
      `message ${seq} is nowhere, yet it was not a blocked send or request`,
    );
  if (strategy !== 'block')
    assert.equal(returned.length + notTaken.length, 0, `nothing waits under '${strategy}'`);

  // Each caller was told the matching outcome.
  const processedSet = new Set(processed);
  const returnedSet = new Set(returned);
  for (const [seq, watched] of traffic.promises) {
    const outcome = watched.current;
    const what = `${viaOf(seq)} of message ${seq}`;
    if (ledger.rejected.has(seq)) {
      assert.equal(outcome.state, 'rejected', what);
      if (outcome.state === 'rejected') {
        assert.ok(outcome.error instanceof QueueFullError, `${what}: QueueFullError`);
        assert.equal(
          outcome.error,
          ledger.rejected.get(seq),
          `${what}: the error the rejected event reported`,
        );
      }
    } else if (viaOf(seq) === 'request' && processedSet.has(seq)) {
      assert.equal(outcome.state, 'resolved', what);
      if (outcome.state === 'resolved')
        assert.equal(seqOf(outcome.value as Message), seq, `${what}: its own reply`);
    } else if (viaOf(seq) === 'request' || returnedSet.has(seq)) {
      assert.equal(outcome.state, 'rejected', what);
      if (outcome.state === 'rejected')
        assert.ok(outcome.error instanceof KernelTerminatedError, `${what}: KernelTerminatedError`);
    } else {
      assert.equal(outcome.state, 'resolved', `${what}: a send the queue took resolves`);
    }
  }
  for (const [seq, error] of traffic.thrown) {
    assert.ok(error instanceof QueueFullError, `post of message ${seq} threw ${String(error)}`);
    assert.equal(
      error,
      ledger.rejected.get(seq),
      `post of message ${seq}: the error the rejected event reported`,
    );
  }
  for (const [seq, taken] of traffic.posted) {
    if (!taken) assert.equal(strategy, 'block', `post of message ${seq} answered false`);
  }
  return Object.fromEntries(Object.entries(places).map(([name, seqs]) => [name, seqs.length]));
}

const supervision = {
  restart: 'permanent',
  maxRestarts: 1000,
  withinMs: 60_000,
  backoff: { type: 'fixed', initialMs: 0, jitter: 0 },
} as const;

type Kind = 'loop' | 'handler';

function defineKernel(kind: Kind, controller: Controller, options: KernelOptions): KernelDefinition {
  if (kind === 'loop') {
    return ringKernel<Message, Message>(options, async (ctx) => {
      for await (const job of ctx) await controller.work(job, ctx);
    });
  }
  return ringKernel<Message, Message>(options, { onMessage: (job, ctx) => controller.work(job, ctx) });
}

async function runEventLoopScenario(
  kind: Kind,
  strategy: BackpressureStrategy,
  graceful: boolean,
  supervised: boolean,
) {
  const kernelId = `${kind}-${strategy}`;
  const runtime = new RingKernelRuntime();
  const ledger = new Ledger(runtime, kernelId);
  const controller = new Controller({
    honourStop: graceful,
    crashEvery: supervised ? CRASH_EVERY : undefined,
  });
  await runtime.launch(
    kernelId,
    defineKernel(kind, controller, {
      queueSize: QUEUE,
      backpressure: strategy,
      ...(supervised ? { supervision } : {}),
    }),
  );
  await runtime.activate(kernelId);
  const traffic = sendAll(runtime, kernelId, (seq, via) =>
    Job.create({ seq, priority: priorityOf(seq), reply: via === 'request' }),
  );
  controller.release(PROCESS);
  await controller.until(
    () => controller.handled === PROCESS && controller.parked !== undefined,
    `${PROCESS} messages handled and the kernel holding the next one`,
  );
  const snapshot = runtime.getTelemetry(kernelId);
  const deadLetteredAtSnapshot = controller.crashed.length;
  assert.equal(
    snapshot.messagesProcessed,
    controller.processed.length,
    'telemetry processed = what the kernel finished',
  );
  assert.equal(
    ledger.processedCount,
    controller.processed.length,
    'inspect processed = what the kernel finished',
  );
  const report = await runtime.terminate(kernelId, { timeout: graceful ? PATIENCE_MS : FORCED_TIMEOUT_MS });
  return account({
    strategy,
    kernelId,
    traffic,
    ledger,
    report,
    snapshot,
    inFlightAtSnapshot: 1,
    crashesAtSnapshot: deadLetteredAtSnapshot,
    deadLetteredAtSnapshot,
    processed: controller.processed,
    crashed: controller.crashed,
    graceful,
    supervised,
    runtime,
  });
}

describe('message accounting on the event loop', () => {
  for (const kind of ['loop', 'handler'] as const) {
    describe(`${kind} kernels`, () => {
      for (const strategy of backpressureStrategies) {
        for (const supervised of [false, true]) {
          for (const graceful of [true, false]) {
            const name =
              `'${strategy}', ${supervised ? `supervised, crashing every ${CRASH_EVERY}th message` : 'unsupervised'}, ` +
              `${graceful ? 'graceful' : 'forced'} termination: sent = processed + dropped + rejected + dead-lettered + reported + returned`;
            test(name, async () => {
              const totals = await runEventLoopScenario(kind, strategy, graceful, supervised);
              // Handled: PROCESS, plus the message in hand when the stop is graceful; every
              // CRASH_EVERY-th of them crashed when supervised.
              const handled = PROCESS + (graceful ? 1 : 0);
              const crashes = supervised ? Math.floor(handled / CRASH_EVERY) : 0;
              assert.equal(totals.processed, handled - crashes);
              assert.equal(totals.deadLettered, crashes);
              if (strategy === 'dropOldest' || strategy === 'dropNewest')
                assert.ok(totals.dropped! > 0, 'the queue overflowed');
              if (strategy === 'reject') assert.ok(totals.rejected! > 0, 'the queue overflowed');
              if (strategy === 'block')
                assert.ok(totals.notTaken! > 0 && totals.returned! > 0, 'senders were held back');
              assert.ok(totals.unprocessed! > 0, 'messages were left queued');
              assert.equal(totals.interrupted, graceful ? 0 : 1);
            });
          }
        }
      }
    });
  }
});

/**
 * A device-resident kernel on the CPU backend: every message is answered (requests get their reply,
 * the others go to the output queue), so the processed messages are exactly those with a reply.
 * The kernel is launched and flooded before it is activated, then paused (deactivated) from the
 * inspection listener once it has processed GPU_PROCESS messages, then terminated.
 */
async function runGpuScenario(strategy: BackpressureStrategy, supervised: boolean) {
  const kernelId = `gpu-${strategy}`;
  const runtime = new RingKernelRuntime();
  const ledger = new Ledger(runtime, kernelId);
  let handled = 0;
  let crashes = 0;
  await runtime.launch(
    kernelId,
    gpuRingKernel({
      kernelId,
      input: GpuJob,
      output: GpuDone,
      backend: 'cpu',
      maxBatch: GPU_BATCH,
      inputQueueSize: QUEUE,
      backpressure: strategy,
      ...(supervised ? { supervision } : {}),
      wgsl: 'output.seq = input.seq;',
      cpu: (job) => {
        handled++;
        if (supervised && handled % CRASH_EVERY === 0) {
          crashes++;
          throw new Error(`crash on purpose at message ${job.seq}`);
        }
        return { seq: job.seq };
      },
    }),
  );
  const traffic = sendAll(runtime, kernelId, (seq) => GpuJob.create({ seq, priority: priorityOf(seq) }));
  let processedSoFar = 0;
  let pauseError: unknown;
  const paused = new Promise<void>((resolve) => {
    runtime.inspect(
      (event) => {
        if (event.type !== 'processed' || processedSoFar >= GPU_PROCESS) return;
        processedSoFar += event.count;
        if (processedSoFar < GPU_PROCESS) return;
        runtime.deactivate(kernelId).catch((error: unknown) => (pauseError = error));
        resolve();
      },
      { types: ['processed'] },
    );
  });
  await runtime.activate(kernelId);
  await within(paused, `${GPU_PROCESS} messages processed`);
  assert.equal(pauseError, undefined);
  const snapshot = runtime.getTelemetry(kernelId);
  const crashesAtSnapshot = crashes;
  const deadLetteredAtSnapshot = ledger.deadLetters.length;
  assert.equal(snapshot.messagesProcessed, ledger.processedCount, 'telemetry processed = inspect processed');
  const report = await runtime.terminate(kernelId, { timeout: PATIENCE_MS });
  await within(
    Promise.all([...traffic.promises.values()].map((watched) => watched.settled)),
    'every send and request to settle',
  );
  const replies: number[] = seqsOf(report.undeliveredOutputs);
  for (const [seq, watched] of traffic.promises)
    if (viaOf(seq) === 'request' && watched.current.state === 'resolved') replies.push(seq);
  const totals = await account({
    strategy,
    kernelId,
    traffic,
    ledger,
    report,
    snapshot,
    inFlightAtSnapshot: 0,
    crashesAtSnapshot,
    deadLetteredAtSnapshot,
    processed: replies,
    crashed: undefined,
    graceful: true,
    supervised,
    runtime,
  });
  return { totals, crashes };
}

const GPU_BATCH = 4;
const GPU_PROCESS = 12;

describe('message accounting of device-resident kernels (gpuRingKernel, CPU backend)', () => {
  for (const strategy of backpressureStrategies) {
    for (const supervised of [false, true]) {
      const name =
        `'${strategy}', ${supervised ? `supervised, crashing every ${CRASH_EVERY}th message (its batch is dead-lettered)` : 'unsupervised'}: ` +
        'sent = processed + dropped + rejected + dead-lettered + reported + returned';
      test(name, async () => {
        const { totals, crashes } = await runGpuScenario(strategy, supervised);
        assert.ok(totals.processed! >= GPU_PROCESS);
        assert.ok(totals.unprocessed! > 0, 'messages were left queued');
        if (supervised)
          assert.ok(crashes > 0 && totals.deadLettered! >= crashes, 'crashed batches are dead-lettered');
        else assert.equal(totals.deadLettered, 0);
        if (strategy === 'dropOldest' || strategy === 'dropNewest') assert.ok(totals.dropped! > 0);
        if (strategy === 'reject') assert.ok(totals.rejected! > 0);
        if (strategy === 'block') assert.ok(totals.notTaken! > 0 && totals.returned! > 0);
      });
    }
  }
});

/** Lets the runtime react to what a force-stopped kernel does next (a few macrotasks). */
async function aFewTurns(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A kernel force-stopped while it waits in `ctx.send` for room in its full output queue: the report
 * lists the message it was working on as interrupted, and nothing else may claim it afterwards.
 * When terminate closes the output queue, the pending send rejects and the kernel's code ends with
 * that error; that late "crash" of a terminated kernel must not dead-letter the same message(s) a
 * second time (it did for loop kernels and device-resident kernels).
 */
describe('a kernel force-stopped while blocked sending: each message is reported once', () => {
  /** Launches a kernel of each kind with an output queue of one message; `ended` when its code ends. */
  const kinds: Record<
    string,
    (runtime: RingKernelRuntime, kernelId: string, ended: () => void) => Promise<void>
  > = {
    loop: (runtime, kernelId, ended) =>
      runtime.launch(
        kernelId,
        ringKernel<Job, Done>({ outputQueueSize: 1 }, async (ctx) => {
          try {
            for await (const job of ctx) await ctx.send(Done.reply(job, { seq: job.seq }));
          } finally {
            ended();
          }
        }),
      ),
    handler: (runtime, kernelId, ended) =>
      runtime.launch(
        kernelId,
        ringKernel<Job, Done>(
          { outputQueueSize: 1 },
          {
            onMessage: async (job, ctx) => {
              try {
                await ctx.send(Done.reply(job, { seq: job.seq }));
              } finally {
                if (job.seq === 1) ended();
              }
            },
          },
        ),
      ),
    gpu: (runtime, kernelId, ended) => {
      ended(); // its code cannot be watched from outside; the turns below let it end
      return runtime.launch(
        kernelId,
        gpuRingKernel({
          input: GpuJob,
          output: GpuDone,
          backend: 'cpu',
          maxBatch: 4,
          outputQueueSize: 1,
          wgsl: 'output.seq = input.seq;',
          cpu: (job) => ({ seq: job.seq }),
        }),
      );
    },
  };

  for (const [kind, launch] of Object.entries(kinds)) {
    test(`${kind} kernel: the interrupted message is not also dead-lettered, and no crash is recorded after termination`, async () => {
      const runtime = new RingKernelRuntime();
      const kernelId = `blocked-${kind}`;
      let codeEnded!: () => void;
      const ended = new Promise<void>((resolve) => (codeEnded = resolve));
      const deadLetters: DeadLetter[] = [];
      const errorsAfterTermination: unknown[] = [];
      let terminated = false;
      runtime.on('deadLetter', (letter) => deadLetters.push(letter));
      runtime.on('terminated', () => (terminated = true));
      runtime.on('kernelError', (event) => {
        if (terminated) errorsAfterTermination.push(event.error);
      });
      await launch(runtime, kernelId, codeEnded);
      await runtime.activate(kernelId);
      const create =
        kind === 'gpu' ? (seq: number) => GpuJob.create({ seq }) : (seq: number) => Job.create({ seq });
      for (let seq = 0; seq < 6; seq++) assert.equal(runtime.post(kernelId, create(seq)), true);
      // Blocked: one output queued, the next one being sent (counted as sent, waiting for room).
      await pollUntil(() => {
        const telemetry = runtime.getTelemetry(kernelId);
        return telemetry.outputQueueDepth === 1 && telemetry.messagesSent === 2;
      }, 'the kernel blocked in ctx.send');
      const report = await runtime.terminate(kernelId, { timeout: FORCED_TIMEOUT_MS });
      assert.equal(report.graceful, false);
      assert.ok(report.interruptedInputs.length > 0, 'the message in hand is reported as interrupted');
      await within(ended, 'the kernel code to end');
      await aFewTurns();
      const interrupted = new Set(seqsOf(report.interruptedInputs));
      const twice = seqsOf(deadLetters.map((letter) => letter.message)).filter((seq) => interrupted.has(seq));
      assert.deepEqual(twice, [], 'interrupted messages that were dead-lettered as well');
      assert.deepEqual(
        errorsAfterTermination.map(String),
        [],
        'crashes recorded after the kernel was terminated',
      );
    });
  }
});

/**
 * A kernel force-stopped in the middle of a message: the report lists that message as interrupted.
 * If the (zombie) code finishes it afterwards, it must not also be counted as processed.
 */
describe('a kernel force-stopped while processing: finishing the message later does not count it as processed', () => {
  const kinds: Record<
    string,
    (
      runtime: RingKernelRuntime,
      kernelId: string,
      gate: Promise<void>,
      started: () => void,
      ended: () => void,
    ) => Promise<void>
  > = {
    loop: (runtime, kernelId, gate, started, ended) =>
      runtime.launch(
        kernelId,
        ringKernel({}, async (ctx) => {
          try {
            for await (const _job of ctx) {
              started();
              await gate;
            }
          } finally {
            ended();
          }
        }),
      ),
    handler: (runtime, kernelId, gate, started, ended) =>
      runtime.launch(
        kernelId,
        ringKernel(
          {},
          {
            onMessage: async () => {
              started();
              try {
                await gate;
              } finally {
                ended();
              }
            },
          },
        ),
      ),
  };

  for (const [kind, launch] of Object.entries(kinds)) {
    test(`${kind} kernel: the interrupted message is counted once, as interrupted`, async () => {
      const runtime = new RingKernelRuntime();
      const kernelId = `zombie-${kind}`;
      let processed = 0;
      runtime.inspect(
        (event) => {
          if (event.type === 'processed') processed += event.count;
        },
        { types: ['processed'] },
      );
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let markStarted!: () => void;
      const started = new Promise<void>((resolve) => (markStarted = resolve));
      let markEnded!: () => void;
      const ended = new Promise<void>((resolve) => (markEnded = resolve));
      await launch(runtime, kernelId, gate, markStarted, markEnded);
      await runtime.activate(kernelId);
      assert.equal(runtime.post(kernelId, Job.create({ seq: 0 })), true);
      assert.equal(runtime.post(kernelId, Job.create({ seq: 1 })), true);
      await within(started, 'the kernel to take the first message');
      const report = await runtime.terminate(kernelId, { timeout: FORCED_TIMEOUT_MS });
      assert.equal(report.graceful, false);
      assert.deepEqual(seqsOf(report.interruptedInputs), [0]);
      assert.deepEqual(seqsOf(report.unprocessedInputs), [1]);
      assert.equal(processed, 0);
      release(); // the zombie code now finishes message 0
      await within(ended, 'the kernel code to end');
      await aFewTurns();
      assert.equal(processed, 0, 'message 0 was reported interrupted, then counted as processed as well');
    });
  }
});
