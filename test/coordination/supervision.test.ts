import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime, ringKernel, type KernelContext } from '../../src/runtime/index.js';
import { Done, Job, events } from './helpers.js';

/** Crashes on action 'crash', returns on 'quit', answers everything else. Counts its lives. */
function worker(lives: { count: number }) {
  return async (ctx: KernelContext<Job, Done>) => {
    lives.count++;
    for await (const job of ctx) {
      if (job.action === 'crash') throw new Error(`boom ${job.n}`);
      if (job.action === 'quit') return;
      await ctx.send(Done.reply(job, { n: job.n, by: `life${lives.count}` }));
    }
  };
}

const fast = { type: 'fixed', initialMs: 0, jitter: 0 } as const;

test('permanent: a crash restarts the function on the same queues; the crashing message is dead-lettered', async () => {
  await using runtime = new RingKernelRuntime();
  const lives = { count: 0 };
  await runtime.launch(
    'w',
    ringKernel({ supervision: { restart: 'permanent', backoff: fast } }, worker(lives)),
  );
  await runtime.deactivate('w').catch(() => undefined);
  await runtime.activate('w');
  await runtime.deactivate('w');
  const restarted = events(runtime, 'kernelRestart', 1);
  await runtime.send('w', Job.create({ n: 1, action: 'crash' }));
  await runtime.send('w', Job.create({ n: 2 }));
  await runtime.send('w', Job.create({ n: 3 }));
  await runtime.reactivate('w');
  const [restart] = await restarted;
  assert.equal(restart!.kernelId, 'w');
  assert.match((restart!.error as Error).message, /boom 1/);
  const first = await runtime.receive<Done>('w', { timeout: 5000 });
  const second = await runtime.receive<Done>('w', { timeout: 5000 });
  assert.deepEqual([first.n, second.n], [2, 3], 'messages queued behind the crash survive the restart');
  assert.equal(first.by, 'life2');
  assert.equal(runtime.getState('w'), 'active');
  const letters = runtime.deadLetters.list();
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.reason, 'crash');
  assert.equal((letters[0]!.message as Job).n, 1);
  assert.match((letters[0]!.error as Error).message, /boom 1/);
  const telemetry = runtime.getTelemetry('w');
  assert.equal(telemetry.restarts, 1);
  assert.equal(telemetry.errors, 1);
});

test('permanent restarts after a normal return too; transient does not', async () => {
  await using runtime = new RingKernelRuntime();
  const permanentLives = { count: 0 };
  const transientLives = { count: 0 };
  await runtime.launch(
    'p',
    ringKernel({ supervision: { restart: 'permanent', backoff: fast } }, worker(permanentLives)),
  );
  await runtime.launch(
    't',
    ringKernel({ supervision: { restart: 'transient', backoff: fast } }, worker(transientLives)),
  );
  await runtime.activate('p');
  await runtime.activate('t');
  const restarted = events(runtime, 'kernelRestart', 1, (event) => event.kernelId === 'p');
  const ended = events(
    runtime,
    'stateChange',
    1,
    (event) => event.kernelId === 't' && event.to === 'terminated',
  );
  await runtime.send('p', Job.create({ action: 'quit' }));
  await runtime.send('t', Job.create({ action: 'quit' }));
  await restarted;
  await ended;
  const reply = await runtime.request<Done>('p', Job.create({ n: 7 }), { timeout: 5000 });
  assert.equal(reply.by, 'life2');
  assert.equal(runtime.getState('t'), 'terminated');
  assert.equal(transientLives.count, 1);
});

test('temporary (the default): a crash leaves the kernel failed with the cause', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('w', ringKernel({}, worker({ count: 0 })));
  await runtime.activate('w');
  const failed = events(runtime, 'stateChange', 1, (event) => event.to === 'failed');
  await runtime.send('w', Job.create({ action: 'crash' }));
  await failed;
  await assert.rejects(runtime.send('w', Job.create({})), (error: Error & { code: string; cause: Error }) => {
    return error.code === 'KERNEL_FAILED' && /boom/.test(error.cause.message);
  });
});

test('restart intensity: more than maxRestarts within the window → failed and escalated', async () => {
  await using runtime = new RingKernelRuntime();
  const lives = { count: 0 };
  await runtime.launch(
    'w',
    ringKernel(
      { supervision: { restart: 'permanent', maxRestarts: 2, withinMs: 60_000, backoff: fast } },
      worker(lives),
    ),
  );
  await runtime.activate('w');
  const escalated = events(runtime, 'escalated', 1);
  for (let n = 0; n < 3; n++)
    await runtime.send('w', Job.create({ n, action: 'crash' })).catch(() => undefined);
  const [escalation] = await escalated;
  assert.equal(escalation!.kernelId, 'w');
  assert.equal(runtime.getState('w'), 'failed');
  assert.equal(lives.count, 3, 'two restarts, then no more');
  assert.equal(runtime.getTelemetry('w').restarts, 2);
});

test('exponential backoff grows and is capped; fixed stays', async () => {
  const { backoffDelay } = await import('../../src/runtime/supervision.js');
  const noJitter = () => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((attempt) =>
      backoffDelay({ initialMs: 10, maxMs: 50, factor: 2 }, attempt, noJitter),
    ),
    [10, 20, 40, 50, 50],
  );
  assert.deepEqual(
    [1, 5].map((attempt) => backoffDelay({ type: 'fixed', initialMs: 7 }, attempt, noJitter)),
    [7, 7],
  );
  const jittered = backoffDelay({ initialMs: 100, jitter: 0.2 }, 1, () => 1);
  assert.equal(Math.round(jittered), 120);
});

async function group(strategy: 'oneForOne' | 'oneForAll' | 'restForOne') {
  const runtime = new RingKernelRuntime();
  const lives = { a: { count: 0 }, b: { count: 0 }, c: { count: 0 } };
  for (const id of ['a', 'b', 'c'] as const) {
    await runtime.launch(
      id,
      ringKernel({ supervision: { restart: 'permanent', backoff: fast } }, worker(lives[id])),
    );
    await runtime.activate(id);
  }
  runtime.supervise({ name: 'g', strategy, kernels: ['a', 'b', 'c'], backoff: fast });
  return { runtime, lives };
}

for (const [strategy, expected] of [
  ['oneForOne', { a: 1, b: 2, c: 1 }],
  ['oneForAll', { a: 2, b: 2, c: 2 }],
  ['restForOne', { a: 1, b: 2, c: 2 }],
] as const) {
  test(`supervisor group ${strategy}: restarts exactly the right members when b crashes`, async () => {
    const { runtime, lives } = await group(strategy);
    await using _ = runtime;
    const restarts = Object.values(expected).reduce((sum, count) => sum + count - 1, 0);
    const restarted = events(runtime, 'kernelRestart', restarts);
    await runtime.send('b', Job.create({ action: 'crash' }));
    const seen = await restarted;
    assert.deepEqual(
      seen.map((event) => event.kernelId).sort(),
      Object.entries(expected)
        .filter(([, count]) => count === 2)
        .map(([id]) => id)
        .sort(),
    );
    for (const id of ['a', 'b', 'c']) {
      const reply = await runtime.request<Done>(id, Job.create({ n: 1 }), { timeout: 5000 });
      assert.equal(reply.by, `life${expected[id as 'a' | 'b' | 'c']}`, `${id} after the crash`);
    }
    assert.deepEqual({ a: lives.a.count, b: lives.b.count, c: lives.c.count }, expected);
  });
}

test('watchdog: queued messages and no progress → unhealthy; progress → healthy again', async () => {
  await using runtime = new RingKernelRuntime();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await runtime.launch(
    'slow',
    ringKernel<Job, Done>({ watchdog: { stallMs: 20 } }, async (ctx) => {
      for await (const job of ctx) {
        if (job.action === 'stall') await gate;
        await ctx.send(Done.reply(job, { n: job.n }));
      }
    }),
  );
  await runtime.activate('slow');
  // The watchdog's timer does not hold the process open (it is unref'd), so the test does.
  const keepAlive = setInterval(() => undefined, 1000);
  const unhealthy = events(runtime, 'unhealthy', 1);
  await runtime.send('slow', Job.create({ action: 'stall' }));
  await runtime.send('slow', Job.create({ n: 2 }));
  const [event] = await unhealthy;
  assert.equal(event!.kernelId, 'slow');
  assert.equal(event!.queued, 1);
  assert.equal(runtime.getTelemetry('slow').healthy, false);
  const healthy = events(runtime, 'healthy', 1);
  release();
  await healthy;
  clearInterval(keepAlive);
  assert.equal(runtime.getTelemetry('slow').healthy, true);
});
