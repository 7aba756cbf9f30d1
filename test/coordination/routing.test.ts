import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime, ringKernel, type KernelContext } from '../../src/runtime/index.js';
import type { Message } from '../../src/messages/index.js';
import { Done, Job, deferred, events } from './helpers.js';

function tagger(tag: string) {
  return async (ctx: KernelContext<Job, Done>) => {
    for await (const job of ctx)
      await ctx.send(Done.create({ n: job.n, by: tag, correlationId: job.correlationId }));
  };
}

test('K2K: ctx.sendTo and ctx.request reach another kernel from inside a kernel', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch(
    'doubler',
    ringKernel<Job, Done>({}, async (ctx) => {
      for await (const job of ctx) await ctx.send(Done.reply(job, { n: job.n * 2 }));
    }),
  );
  await runtime.launch(
    'coordinator',
    ringKernel<Job, Done>({}, async (ctx) => {
      for await (const job of ctx) {
        const doubled = await ctx.request<Done>('doubler', Job.create({ n: job.n }), { timeout: 5000 });
        await ctx.sendTo('sink', Job.create({ n: doubled.n + 1 }));
      }
    }),
  );
  const got = deferred<number>();
  await runtime.launch(
    'sink',
    ringKernel<Job, Done>({}, async (ctx) => {
      for await (const job of ctx) got.resolve(job.n);
    }),
  );
  for (const id of ['doubler', 'coordinator', 'sink']) await runtime.activate(id);
  await runtime.send('coordinator', Job.create({ n: 20 }));
  assert.equal(await got.promise, 41);
});

test('ctx.sendTo an unknown kernel rejects with KernelNotFoundError', async () => {
  await using runtime = new RingKernelRuntime();
  const outcome = deferred<unknown>();
  await runtime.launch(
    'lonely',
    ringKernel<Job, Done>({}, async (ctx) => {
      for await (const job of ctx)
        await ctx.sendTo('nobody', job).then(() => outcome.resolve('sent'), outcome.resolve);
    }),
  );
  await runtime.activate('lonely');
  await runtime.send('lonely', Job.create({}));
  const error = (await outcome.promise) as Error & { code: string };
  assert.equal(error.code, 'KERNEL_NOT_FOUND');
});

test('routes move outputs kernel to kernel; requests through a route still resolve', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('a', ringKernel({ routes: ['b'] }, tagger('a')));
  await runtime.launch('b', ringKernel({}, tagger('b')));
  await runtime.activate('a');
  await runtime.activate('b');
  assert.deepEqual(runtime.routes, [{ from: 'a', to: ['b'], strategy: 'roundRobin' }]);
  await runtime.send('a', Job.create({ n: 5 }));
  const out = await runtime.receive<Done>('b', { timeout: 5000 });
  assert.deepEqual([out.n, out.by], [5, 'b']);
  assert.equal(runtime.getTelemetry('a').outputQueueDepth, 0, "nothing passed through a's output queue");
});

test('backpressure propagates upstream along routes: 100,000 messages through a slow middle stage, none lost', async () => {
  await using runtime = new RingKernelRuntime({ telemetry: false });
  const total = 100_000;
  await runtime.launch(
    'head',
    ringKernel<Job, Job>({ queueSize: 64, routes: ['middle'] }, async (ctx) => {
      for await (const job of ctx) await ctx.send(job);
    }),
  );
  await runtime.launch(
    'middle',
    ringKernel<Job, Job>({ queueSize: 16, backpressure: 'block', routes: ['tail'] }, async (ctx) => {
      let handled = 0;
      for await (const job of ctx) {
        // Slow: yield to the event loop every few messages, so the queue in front fills up.
        if (++handled % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
        await ctx.send(job);
      }
    }),
  );
  let received = 0;
  let sum = 0;
  const done = deferred();
  await runtime.launch(
    'tail',
    ringKernel<Job, Job>({ queueSize: 64 }, async (ctx) => {
      for await (const job of ctx) {
        received++;
        sum += job.n;
        if (received === total) done.resolve();
      }
    }),
  );
  for (const id of ['head', 'middle', 'tail']) await runtime.activate(id);
  let maxMiddleDepth = 0;
  for (let n = 0; n < total; n++) {
    await runtime.send('head', Job.create({ n }));
    if (n % 1000 === 0)
      maxMiddleDepth = Math.max(maxMiddleDepth, runtime.getTelemetry('middle').inputQueueDepth);
  }
  await done.promise;
  assert.equal(received, total);
  assert.equal(sum, (total * (total - 1)) / 2);
  assert.ok(maxMiddleDepth <= 16, 'the middle queue never grew past its capacity');
  assert.equal(runtime.getTelemetry('middle').messagesDropped, 0);
  assert.equal(runtime.deadLetters.size, 0);
});

test('route strategies: roundRobin spreads evenly, keyHash keeps keys together, broadcast copies', async () => {
  await using runtime = new RingKernelRuntime();
  const byTarget: Record<string, number[]> = { x: [], y: [], z: [] };
  let expected = 0;
  let arrived = deferred();
  for (const id of ['x', 'y', 'z']) {
    await runtime.launch(
      id,
      ringKernel<Job, Done>({}, async (ctx) => {
        for await (const job of ctx) {
          byTarget[id]!.push(job.n);
          if (--expected === 0) arrived.resolve();
        }
      }),
    );
    await runtime.activate(id);
  }
  const spread = async (strategy: 'roundRobin' | 'keyHash' | 'broadcast', jobs: Job[]) => {
    for (const list of Object.values(byTarget)) list.length = 0;
    arrived = deferred();
    expected = strategy === 'broadcast' ? jobs.length * 3 : jobs.length;
    const source = `source-${strategy}`;
    await runtime.launch(
      source,
      ringKernel<Job, Job>(
        { routes: [{ to: ['x', 'y', 'z'], strategy, key: (message: Message) => (message as Job).key }] },
        async (ctx) => {
          for await (const job of ctx) await ctx.send(job);
        },
      ),
    );
    await runtime.activate(source);
    for (const job of jobs) await runtime.send(source, job);
    await arrived.promise;
    await runtime.terminate(source);
    return Object.fromEntries(
      Object.entries(byTarget).map(([id, ns]) => [id, [...ns].sort((a, b) => a - b)]),
    );
  };
  const jobs = Array.from({ length: 6 }, (_, n) => Job.create({ n, key: n % 2 === 0 ? 'even' : 'odd' }));
  assert.deepEqual(await spread('roundRobin', jobs), { x: [0, 3], y: [1, 4], z: [2, 5] });
  const keyed = await spread('keyHash', jobs);
  const homes = (parity: number) =>
    Object.keys(keyed).filter((id) => keyed[id]!.some((n) => n % 2 === parity));
  assert.equal(homes(0).length, 1, 'every even key lands on one target');
  assert.equal(homes(1).length, 1, 'every odd key lands on one target');
  assert.deepEqual(await spread('broadcast', jobs.slice(0, 2)), { x: [0, 1], y: [0, 1], z: [0, 1] });
});

test('leastLoaded picks the target with the shortest queue', async () => {
  await using runtime = new RingKernelRuntime();
  for (const id of ['busy', 'idle']) await runtime.launch(id, ringKernel({}, tagger(id)));
  // Both stay launched (not active), so their queues only fill.
  for (let n = 0; n < 3; n++) await runtime.send('busy', Job.create({ n }));
  await runtime.launch(
    'src',
    ringKernel<Job, Job>({ routes: [{ to: ['busy', 'idle'], strategy: 'leastLoaded' }] }, async (ctx) => {
      for await (const job of ctx) await ctx.send(job);
    }),
  );
  await runtime.activate('src');
  await runtime.send('src', Job.create({ n: 99 }));
  await runtime.send('src', Job.create({ n: 100 }));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(runtime.getTelemetry('idle').inputQueueDepth, 2);
  assert.equal(runtime.getTelemetry('busy').inputQueueDepth, 3);
});

test('a route to a missing kernel dead-letters the message instead of losing it', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('a', ringKernel({ routes: ['ghost'] }, tagger('a')));
  await runtime.activate('a');
  const letter = events(runtime, 'deadLetter', 1);
  await runtime.send('a', Job.create({ n: 3 }));
  const [entry] = await letter;
  assert.equal(entry!.reason, 'undeliverable');
  assert.equal(entry!.kernelId, 'ghost');
  assert.equal((entry!.message as Done).n, 3);
  await runtime.launch('ghost', ringKernel({}, tagger('ghost')));
  await runtime.activate('ghost');
  assert.equal(await runtime.deadLetters.replay(), 1);
  assert.equal((await runtime.receive<Done>('ghost', { timeout: 5000 })).n, 3);
  assert.equal(runtime.deadLetters.size, 0);
});
