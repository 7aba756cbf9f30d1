import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { InvalidArgumentError, TimeoutError } from '../../src/errors.js';
import { defineMessage, type Message } from '../../src/messages/index.js';
import { QueueFullError } from '../../src/queues/index.js';
import {
  NotAMessageError,
  RingKernelRuntime,
  ringKernel,
  type KernelContext,
  type KernelDefinition,
} from '../../src/runtime/index.js';
import { PATIENCE_MS, Ping, Pong, asPong, deferred, nextEvent, rejectionOf, settle } from './helpers.js';

const echo = ringKernel<Ping, Pong>({}, async (ctx) => {
  for await (const ping of ctx) await ctx.send(Pong.reply(ping, { n: ping.n, text: ping.text }));
});

/** Takes no input; ends when terminated. */
const idleBody = (ctx: KernelContext): Promise<void> =>
  new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));

async function started<In extends Message, Out extends Message>(
  kernel: KernelDefinition<In, Out>,
  id = 'k',
  activate = true,
): Promise<RingKernelRuntime> {
  const runtime = new RingKernelRuntime();
  await runtime.launch(id, kernel);
  if (activate) await runtime.activate(id);
  return runtime;
}

test('in-process delivery hands the kernel the very object that was sent, frozen', async () => {
  const seen = deferred<Ping>();
  await using runtime = await started(
    ringKernel<Ping, Pong>({}, async (ctx) => {
      seen.resolve(await ctx.receive());
    }),
  );
  const ping = Ping.create({ n: 1 });
  await runtime.send('k', ping);
  const received = await seen.promise;
  assert.equal(received, ping);
  assert.ok(Object.isFrozen(received));
});

test('sendBatch sends in order, resolves with the count, and stops at the first refusal', async () => {
  await using runtime = await started(
    ringKernel({ queueSize: 3, backpressure: 'reject' }, idleBody),
    'k',
    false,
  );
  assert.equal(await runtime.sendBatch('k', [Ping.create({ n: 1 }), Ping.create({ n: 2 })]), 2);
  await assert.rejects(
    runtime.sendBatch('k', [Ping.create({ n: 3 }), Ping.create({ n: 4 }), Ping.create({ n: 5 })]),
    QueueFullError,
  );
  const report = await runtime.terminate('k');
  assert.deepEqual(
    report.unprocessedInputs.map((message) => (message as Ping).n),
    [1, 2, 3],
  );
});

test('a request resolves with its own reply; a reply after its timeout goes to receive, not lost', async () => {
  const release = deferred();
  await using runtime = await started(
    ringKernel<Ping, Pong>({}, async (ctx) => {
      const held = await ctx.receive();
      await release.promise;
      await ctx.send(Pong.reply(held, { n: held.n }));
      for await (const ping of ctx) await ctx.send(Pong.reply(ping, { n: ping.n }));
    }),
  );
  const slow = Ping.create({ n: 1 });
  const error = await rejectionOf(runtime.request('k', slow, { timeout: 2 }));
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.operation, 'request');
  release.resolve();
  const late = asPong(await runtime.receive('k', { timeout: PATIENCE_MS }));
  assert.equal(late.correlationId, slow.messageId);
  assert.equal(asPong(await runtime.request('k', Ping.create({ n: 2 }))).n, 2);
});

test('requests answered by other outputs first still get their own reply; receive gets the others', async () => {
  await using runtime = await started(
    ringKernel<Ping, Pong>({}, async (ctx) => {
      for await (const ping of ctx) {
        // An unsolicited notice before the reply, at a higher priority than the reply.
        await ctx.send(Pong.create({ n: -ping.n, text: 'notice', priority: 250 }));
        await ctx.send(Pong.reply(ping, { n: ping.n, text: 'reply' }));
      }
    }),
  );
  const replies = await Promise.all(
    Array.from({ length: 50 }, (_, n) => runtime.request<Pong>('k', Ping.create({ n }))),
  );
  assert.deepEqual(
    replies.map((reply) => [reply.n, reply.text]),
    Array.from({ length: 50 }, (_, n) => [n, 'reply']),
  );
  const notices = runtime.receiveAvailable('k');
  assert.equal(notices.length, 50);
  assert.ok(notices.every((notice) => asPong(notice).text === 'notice'));
  assert.deepEqual(runtime.receiveAvailable('k'), []);
});

test('request refuses a duplicate pending messageId and a message without one', async () => {
  await using runtime = await started(echo, 'k', false);
  const ping = Ping.create({});
  const first = runtime.request('k', ping);
  await assert.rejects(runtime.request('k', ping), InvalidArgumentError);
  await assert.rejects(runtime.request('k', { priority: 1 } as unknown as Message), NotAMessageError);
  await runtime.activate('k');
  assert.equal(asPong(await first).correlationId, ping.messageId);
});

test('a request or receive that succeeds leaves no listener on its signal', async () => {
  await using runtime = await started(echo);
  const controller = new AbortController();
  await runtime.request('k', Ping.create({}), { signal: controller.signal, timeout: PATIENCE_MS });
  await runtime.send('k', Ping.create({}), { signal: controller.signal, timeout: PATIENCE_MS });
  await runtime.receive('k', { signal: controller.signal, timeout: PATIENCE_MS });
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('an already aborted signal rejects request, send and receive at once with its reason', async () => {
  await using runtime = await started(echo);
  const controller = new AbortController();
  const reason = new Error('cancelled before start');
  controller.abort(reason);
  const full = ringKernel({ queueSize: 1 }, idleBody);
  await runtime.launch('full', full);
  await runtime.send('full', Ping.create({}));
  for (const call of [
    runtime.request('k', Ping.create({}), { signal: controller.signal }),
    runtime.receive('k', { signal: controller.signal }),
    runtime.send('full', Ping.create({}), { signal: controller.signal }),
  ]) {
    assert.equal(await rejectionOf(call), reason);
  }
});

/** A definition whose messages are not frozen: the only way a message can get a bad priority. */
const Mutable = defineMessage('RuntimeTestMutable', {}, { freeze: false });
function withPriority(priority: number): Message {
  const message = Mutable.create({});
  (message as { priority: number }).priority = priority;
  return message;
}

test('a message priority outside 0..255 is refused on send and on ctx.send', async () => {
  const outcome = deferred<unknown>();
  await using runtime = await started(
    ringKernel({}, async (ctx: KernelContext) => {
      await ctx.receive();
      outcome.resolve(await rejectionOf(ctx.send(withPriority(256))));
    }),
  );
  const bad = withPriority(1.5);
  const error = await rejectionOf(runtime.send('k', bad));
  assert.ok(error instanceof InvalidArgumentError);
  assert.match(error.message, /priority must be an integer from 0 to 255.*got 1\.5/);
  assert.equal(runtime.getTelemetry('k').messagesReceived, 0);
  await runtime.send('k', Ping.create({}));
  assert.ok((await outcome.promise) instanceof InvalidArgumentError);
});

test('receiveAvailable takes what is queued now, up to max, highest priority first', async () => {
  await using runtime = await started(echo);
  await runtime.request('k', Ping.create({}));
  for (const [n, priority] of [
    [1, 10],
    [2, 200],
    [3, 100],
  ] as const) {
    await runtime.send('k', Ping.create({ n, priority }));
  }
  await settle();
  assert.deepEqual(
    runtime.receiveAvailable('k', 2).map((message) => asPong(message).n),
    [2, 3],
  );
  assert.deepEqual(
    runtime.receiveAvailable('k').map((message) => asPong(message).n),
    [1],
  );
  assert.deepEqual(runtime.receiveAvailable('k'), []);
});

test('ctx.receive, tryReceive and receiveBatch honour timeout and AbortSignal inside a kernel', async () => {
  const results = deferred<unknown[]>();
  const controller = new AbortController();
  await using runtime = await started(
    ringKernel({}, async (ctx: KernelContext) => {
      const out: unknown[] = [];
      out.push(await rejectionOf(ctx.receive({ timeout: 1 })));
      out.push(await ctx.tryReceive({ timeout: 1 }));
      out.push(await rejectionOf(ctx.receiveBatch(4, { timeout: 1 })));
      const waiting = ctx.receive({ signal: controller.signal });
      controller.abort(new Error('kernel-side abort'));
      out.push(await rejectionOf(waiting));
      out.push(await rejectionOf(ctx.receiveBatch(0)));
      results.resolve(out);
      for await (const _ of ctx) {
        // keep running until terminate
      }
    }),
  );
  const [receive, tried, batch, aborted, badMax] = await results.promise;
  assert.ok(receive instanceof TimeoutError);
  assert.equal(receive.operation, 'receive');
  assert.equal(tried, undefined);
  assert.ok(batch instanceof TimeoutError);
  assert.match(String(aborted), /kernel-side abort/);
  assert.ok(badMax instanceof InvalidArgumentError);
  assert.match(badMax.message, /receiveBatch needs max >= 1 \(an integer\); got 0/);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  assert.equal(runtime.getState('k'), 'active');
});

test('tryReceive resolves with a message when one comes, undefined when none does', async () => {
  const results = deferred<(Ping | undefined)[]>();
  await using runtime = await started(
    ringKernel<Ping, Pong>({}, async (ctx) => {
      const first = await ctx.tryReceive({ timeout: PATIENCE_MS });
      const second = await ctx.tryReceive({ timeout: 1 });
      results.resolve([first, second]);
    }),
  );
  await runtime.send('k', Ping.create({ n: 5 }));
  const [first, second] = await results.promise;
  assert.equal(first?.n, 5);
  assert.equal(second, undefined);
});

test('ctx.receiveBatch takes what is queued up to max, and waits for at least one', async () => {
  const batches: number[][] = [];
  const done = deferred();
  await using runtime = await started(
    ringKernel<Ping, Pong>({}, async (ctx) => {
      while (batches.flat().length < 7) {
        batches.push((await ctx.receiveBatch(3)).map((ping) => ping.n));
      }
      done.resolve();
    }),
    'k',
    false,
  );
  await runtime.sendBatch(
    'k',
    [1, 2, 3, 4, 5].map((n) => Ping.create({ n })),
  );
  await runtime.activate('k');
  await settle();
  await runtime.sendBatch('k', [Ping.create({ n: 6 }), Ping.create({ n: 7 })]);
  await done.promise;
  // A waiting receiveBatch resolves with the first message that arrives; the next call takes the rest.
  assert.deepEqual(batches, [[1, 2, 3], [4, 5], [6], [7]]);
});

test("output backpressure 'block' makes the kernel wait for a reader; nothing is lost", async () => {
  await using runtime = await started(
    ringKernel<Ping, Pong>({ outputQueueSize: 1, outputBackpressure: 'block' }, async (ctx) => {
      for await (const ping of ctx) {
        await ctx.send(Pong.create({ n: ping.n }));
        await ctx.send(Pong.create({ n: ping.n + 100 }));
      }
    }),
  );
  await runtime.sendBatch('k', [Ping.create({ n: 1 }), Ping.create({ n: 2 })]);
  await settle();
  assert.equal(runtime.getTelemetry('k').outputQueueDepth, 1);
  const received: number[] = [];
  for (let index = 0; index < 4; index++) received.push(asPong(await runtime.receive('k')).n);
  assert.deepEqual(received, [1, 101, 2, 102]);
  assert.equal(runtime.getTelemetry('k').messagesDropped, 0);
});

test("output backpressure 'dropNewest' reports the dropped output with its queue", async () => {
  await using runtime = await started(
    ringKernel<Ping, Pong>({ outputQueueSize: 1, outputBackpressure: 'dropNewest' }, async (ctx) => {
      for await (const ping of ctx) await ctx.send(Pong.create({ n: ping.n }));
    }),
  );
  const dropped = nextEvent(runtime, 'dropped');
  await runtime.sendBatch('k', [Ping.create({ n: 1 }), Ping.create({ n: 2 })]);
  const event = await dropped;
  assert.equal(event.queue, 'output');
  assert.equal(event.reason, 'dropNewest');
  assert.equal(asPong(event.message).n, 2);
  assert.equal(asPong(await runtime.receive('k')).n, 1);
});

test('for await over the context delivers every message in priority order and ends on terminate', async () => {
  const seen: number[] = [];
  let ended = false;
  await using runtime = await started(
    ringKernel<Ping, Pong>({}, async (ctx) => {
      for await (const ping of ctx) seen.push(ping.n);
      ended = true;
    }),
    'k',
    false,
  );
  await runtime.sendBatch(
    'k',
    [1, 2, 3].map((n) => Ping.create({ n, priority: n * 10 })),
  );
  await runtime.activate('k');
  await settle();
  const report = await runtime.terminate('k', { timeout: PATIENCE_MS });
  assert.equal(report.graceful, true);
  assert.equal(ended, true);
  assert.deepEqual(seen, [3, 2, 1]);
});

test('a send that is queued at once allocates no promise: every such send returns the same settled one', async () => {
  await using runtime = await started(echo, 'k', false);
  const first = runtime.send('k', Ping.create({ n: 1 }));
  const second = runtime.send('k', Ping.create({ n: 2 }));
  assert.equal(first, second);
  await first;
  assert.equal(runtime.getTelemetry('k').inputQueueDepth, 2);
});
