import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime, ringKernel } from '../../src/runtime/index.js';
import { topicMatcher } from '../../src/runtime/topic-pattern.js';
import type { Done } from './helpers.js';
import { Job, deferred, events } from './helpers.js';

test('topic patterns: * is one segment, # is any number', () => {
  const cases: [string, string, boolean][] = [
    ['sensors.*', 'sensors.temp', true],
    ['sensors.*', 'sensors.room1.temp', false],
    ['sensors.#', 'sensors', true],
    ['sensors.#', 'sensors.room1.temp', true],
    ['sensors.*.temp', 'sensors.room1.temp', true],
    ['sensors.*.temp', 'sensors.room1.humidity', false],
    ['#.temp', 'a.b.temp', true],
    ['sensors.temp', 'sensors.temp', true],
    ['sensors.temp', 'sensors.tempx', false],
  ];
  for (const [pattern, topic, expected] of cases)
    assert.equal(topicMatcher(pattern)(topic), expected, `${pattern} ~ ${topic}`);
  assert.throws(() => topicMatcher('sensors.te*'), { code: 'INVALID_ARGUMENT' });
});

test('publish reaches kernel subscribers and standalone subscriptions; retained messages greet late subscribers', async () => {
  await using runtime = new RingKernelRuntime();
  const heard = deferred<Job>();
  await runtime.launch(
    'listener',
    ringKernel<Job, Done>({}, async (ctx) => {
      ctx.subscribe('sensors.*');
      for await (const job of ctx) heard.resolve(job);
    }),
  );
  await runtime.activate('listener');
  await new Promise((resolve) => setImmediate(resolve));
  const everything = runtime.subscribe('sensors.#', { queueSize: 2, backpressure: 'dropOldest' });
  assert.equal(await runtime.publish('sensors.temp', Job.create({ n: 1 })), 2);
  assert.equal((await heard.promise).n, 1);
  assert.equal(
    await runtime.publish('sensors.room.temp', Job.create({ n: 2 })),
    1,
    'only # matches two segments',
  );
  assert.equal(await runtime.publish('sensors.room.temp', Job.create({ n: 3 })), 1);
  const kept = everything.receiveAvailable();
  assert.deepEqual(
    kept.map((entry) => (entry.message as Job).n),
    [2, 3],
    'the subscription queue of 2 dropped the oldest (n=1)',
  );
  await runtime.publish('config.mode', Job.create({ n: 42 }), { retain: true });
  const late = runtime.subscribe('config.*');
  const retained = await late.receive({ timeout: 1000 });
  assert.deepEqual([retained.topic, (retained.message as Job).n], ['config.mode', 42]);
  late.unsubscribe();
  await assert.rejects(late.receive({ timeout: 1000 }), { code: 'QUEUE_CLOSED' });
  runtime.clearRetained('config.mode');
  const later = runtime.subscribe('config.*');
  assert.equal(later.size, 0, 'a cleared retained message greets nobody');
});

test('dedupWindow drops repeats of a recent messageId and counts them', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch(
    'd',
    ringKernel({ dedupWindow: 100 }, async (ctx) => void (await ctx.waitActive())),
  );
  const job = Job.create({ n: 1 });
  const duplicate = events(runtime, 'duplicate', 1);
  await runtime.send('d', job);
  await runtime.send('d', job);
  await runtime.send('d', Job.create({ n: 2 }));
  await duplicate;
  const telemetry = runtime.getTelemetry('d');
  assert.equal(telemetry.duplicates, 1);
  assert.equal(telemetry.inputQueueDepth, 2);
});

test('messageTtl: messages that waited too long go to dead letters, counted; fresh ones are served', async () => {
  await using runtime = new RingKernelRuntime();
  const served: number[] = [];
  const got = deferred();
  await runtime.launch(
    'ttl',
    ringKernel<Job, Done>({ messageTtl: 5 }, async (ctx) => {
      for await (const job of ctx) {
        served.push(job.n);
        got.resolve();
      }
    }),
  );
  await runtime.send('ttl', Job.create({ n: 1 }));
  await runtime.send('ttl', Job.create({ n: 2 }));
  // Let both outlive their TTL while the kernel is not yet active (a timer, not synchronisation).
  await new Promise((resolve) => setTimeout(resolve, 20));
  const expired = events(runtime, 'deadLetter', 2);
  await runtime.activate('ttl');
  const letters = await expired;
  assert.deepEqual(
    letters.map((letter) => [letter.reason, (letter.message as Job).n]),
    [
      ['expired', 1],
      ['expired', 2],
    ],
  );
  await runtime.send('ttl', Job.create({ n: 3 }));
  await got.promise;
  assert.deepEqual(served, [3]);
  assert.equal(runtime.getTelemetry('ttl').messagesExpired, 2);
});

test('dead-letter queue: bounded, inspectable, take and clear', async () => {
  await using runtime = new RingKernelRuntime({ deadLetterCapacity: 2 });
  await runtime.launch(
    'a',
    ringKernel({ routes: ['missing'] }, async (ctx) => {
      for await (const job of ctx) await ctx.send(job);
    }),
  );
  await runtime.activate('a');
  const three = events(runtime, 'deadLetter', 3);
  for (let n = 0; n < 3; n++) await runtime.send('a', Job.create({ n }));
  await three;
  assert.equal(runtime.deadLetters.size, 2);
  assert.equal(runtime.deadLetters.discarded, 1);
  assert.equal(runtime.deadLetters.total, 3);
  assert.deepEqual(
    runtime.deadLetters.list().map((letter) => (letter.message as Job).n),
    [1, 2],
  );
  const taken = runtime.deadLetters.take(1);
  assert.equal((taken[0]!.message as Job).n, 1);
  assert.equal(runtime.deadLetters.clear(), 1);
  assert.equal(runtime.getSummary().deadLetters, 3);
});
