import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Mailbox, QueueClosedError, QueueFullError } from '../../src/queues/index.js';
import type { BackpressureStrategy, DropReason } from '../../src/queues/index.js';
import { RingKernelError, TimeoutError } from '../../src/errors.js';

interface Item {
  readonly name: string;
  readonly priority: number;
}

const item = (name: string, priority = 128): Item => ({ name, priority });
const names = (items: readonly Item[]): string[] => items.map((entry) => entry.name);

function mailbox(capacity: number, backpressure: BackpressureStrategy = 'block') {
  const dropped: [string, DropReason][] = [];
  const rejected: [string, Error][] = [];
  const box = new Mailbox<Item>({
    name: 'test box',
    capacity,
    backpressure,
    priorityOf: (entry) => entry.priority,
    observer: {
      dropped: (entry, reason) => dropped.push([entry.name, reason]),
      rejected: (entry, error) => rejected.push([entry.name, error]),
    },
  });
  return { box, dropped, rejected };
}

function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** Settles after every pending microtask and one macrotask have run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function takeAll(box: Mailbox<Item>): Promise<string[]> {
  const out: string[] = [];
  while (box.size > 0) out.push((await box.take()).name);
  return out;
}

test('take serves the highest priority first, FIFO within a priority', async () => {
  const { box } = mailbox(8);
  for (const entry of [item('b1', 5), item('a1', 200), item('b2', 5), item('a2', 200), item('c', 0)]) {
    await box.offer(entry);
  }
  assert.deepEqual(await takeAll(box), ['a1', 'a2', 'b1', 'b2', 'c']);
});

test("backpressure 'reject' throws QueueFullError, reports it, and keeps the queue as it was", async () => {
  const { box, rejected, dropped } = mailbox(2, 'reject');
  await box.offer(item('a'));
  await box.offer(item('b'));
  const error = await box.offer(item('c')).then(
    () => assert.fail('offer should reject'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof QueueFullError);
  assert.ok(error instanceof RingKernelError);
  assert.equal(error.code, 'QUEUE_FULL');
  assert.equal(error.capacity, 2);
  assert.match(error.message, /test box is full \(2 messages\)/);
  assert.deepEqual(
    rejected.map(([name, reason]) => [name, reason]),
    [['c', error]],
  );
  assert.deepEqual(dropped, []);
  assert.deepEqual(await takeAll(box), ['a', 'b']);
});

test("backpressure 'dropNewest' discards the incoming message and reports it", async () => {
  const { box, dropped } = mailbox(2, 'dropNewest');
  await box.offer(item('a'));
  await box.offer(item('b'));
  await box.offer(item('c', 255));
  assert.deepEqual(dropped, [['c', 'dropNewest']]);
  assert.deepEqual(await takeAll(box), ['a', 'b']);
});

test("backpressure 'dropOldest' evicts the longest-waiting message of the lowest queued priority", async () => {
  const { box, dropped } = mailbox(3, 'dropOldest');
  await box.offer(item('low-old', 10));
  await box.offer(item('high', 200));
  await box.offer(item('low-new', 10));
  await box.offer(item('mid', 100));
  // The victim is the oldest of the lowest level, not the oldest overall and not the newest.
  assert.deepEqual(dropped, [['low-old', 'dropOldest']]);
  await box.offer(item('mid-2', 100));
  assert.deepEqual(dropped[1], ['low-new', 'dropOldest']);
  // A flood of lower-priority traffic evicts only its own kind, never the queued higher-priority work.
  await box.offer(item('flood-1', 1));
  await box.offer(item('flood-2', 1));
  assert.deepEqual(
    dropped.map(([name]) => name),
    ['low-old', 'low-new', 'flood-1', 'flood-2'],
  );
  assert.deepEqual(await takeAll(box), ['high', 'mid', 'mid-2']);
});

test("backpressure 'dropOldest' evicts the oldest message when all share one priority", async () => {
  const { box, dropped } = mailbox(2, 'dropOldest');
  for (const name of ['m1', 'm2', 'm3', 'm4']) await box.offer(item(name));
  assert.deepEqual(dropped, [
    ['m1', 'dropOldest'],
    ['m2', 'dropOldest'],
  ]);
  assert.deepEqual(await takeAll(box), ['m3', 'm4']);
});

test("backpressure 'block' makes senders wait and admits them FIFO as room appears", async () => {
  const { box, dropped, rejected } = mailbox(1, 'block');
  await box.offer(item('first'));
  const admitted: string[] = [];
  const senders = ['s1', 's2', 's3'].map((name) =>
    box.offer(item(name, name === 's3' ? 255 : 128)).then(() => admitted.push(name)),
  );
  await turn();
  assert.equal(box.blockedSenders, 3);
  assert.deepEqual(admitted, []);
  // Room never goes to a newcomer ahead of the blocked senders.
  assert.equal(box.offerNow(item('newcomer')), false);

  assert.equal((await box.take()).name, 'first');
  await turn();
  assert.deepEqual(admitted, ['s1']);
  assert.equal((await box.take()).name, 's1');
  assert.equal((await box.take()).name, 's2');
  assert.equal((await box.take()).name, 's3');
  await Promise.all(senders);
  assert.deepEqual(admitted, ['s1', 's2', 's3']);
  assert.equal(box.blockedSenders, 0);
  assert.deepEqual(dropped, []);
  assert.deepEqual(rejected, []);
});

test("backpressure 'block' never loses a message when many senders race one consumer", async () => {
  const { box } = mailbox(4, 'block');
  const total = 500;
  const senders = Array.from({ length: total }, (_, index) => box.offer(item(String(index))));
  const received: number[] = [];
  while (received.length < total) received.push(Number((await box.take()).name));
  await Promise.all(senders);
  assert.deepEqual(
    received,
    Array.from({ length: total }, (_, index) => index),
  );
});

test('a blocked send with a timeout rejects with TimeoutError, is not queued, and leaves no listener', async () => {
  const { box } = mailbox(1, 'block');
  await box.offer(item('a'));
  const controller = new AbortController();
  const error = await box.offer(item('late'), { timeout: 5, signal: controller.signal }).then(
    () => assert.fail('should time out'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.code, 'TIMEOUT');
  assert.equal(error.operation, 'send');
  assert.equal(box.blockedSenders, 0);
  assert.equal(abortListeners(controller.signal), 0);
  assert.deepEqual(await takeAll(box), ['a']);
});

test('a blocked send rejects with the abort reason, is not queued, and leaves no listener', async () => {
  const { box } = mailbox(1, 'block');
  await box.offer(item('a'));
  const controller = new AbortController();
  const pending = box.offer(item('cancelled'), { signal: controller.signal });
  await turn();
  assert.equal(abortListeners(controller.signal), 1);
  const reason = new Error('caller gave up');
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
  assert.equal(box.blockedSenders, 0);
  assert.equal(abortListeners(controller.signal), 0);
  assert.deepEqual(await takeAll(box), ['a']);
});

test('a blocked send that gets in removes its abort listener', async () => {
  const { box } = mailbox(1, 'block');
  await box.offer(item('a'));
  const controller = new AbortController();
  const pending = box.offer(item('b'), { signal: controller.signal, timeout: 60_000 });
  await turn();
  assert.equal(abortListeners(controller.signal), 1);
  await box.take();
  await pending;
  assert.equal(abortListeners(controller.signal), 0);
  assert.deepEqual(await takeAll(box), ['b']);
});

test('calls with an already aborted signal reject at once without waiting or listening', async () => {
  const { box } = mailbox(1, 'block');
  await box.offer(item('a'));
  const controller = new AbortController();
  const reason = new Error('already aborted');
  controller.abort(reason);
  await assert.rejects(box.offer(item('b'), { signal: controller.signal }), (error) => error === reason);
  await box.take();
  await assert.rejects(box.take({ signal: controller.signal }), (error) => error === reason);
  await assert.rejects(box.takeBatch(3, { signal: controller.signal }), (error) => error === reason);
  assert.equal(abortListeners(controller.signal), 0);
  assert.equal(box.waitingTakers, 0);
  assert.equal(box.blockedSenders, 0);
});

test('take with a timeout rejects with TimeoutError naming receive, and leaves no listener', async () => {
  const { box } = mailbox(2);
  const controller = new AbortController();
  const error = await box.take({ timeout: 5, signal: controller.signal }).then(
    () => assert.fail('should time out'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.operation, 'receive');
  assert.equal(error.timeoutMs, 5);
  assert.equal(box.waitingTakers, 0);
  assert.equal(abortListeners(controller.signal), 0);
  // The mailbox still works afterwards: the expired taker does not swallow the next item.
  await box.offer(item('a'));
  assert.equal((await box.take()).name, 'a');
});

test('take aborted by its signal rejects with the reason and leaves no listener', async () => {
  const { box } = mailbox(2);
  const controller = new AbortController();
  const pending = box.take({ signal: controller.signal });
  await turn();
  assert.equal(box.waitingTakers, 1);
  controller.abort();
  await assert.rejects(
    pending,
    (error: unknown) => error instanceof DOMException && error.name === 'AbortError',
  );
  assert.equal(box.waitingTakers, 0);
  assert.equal(abortListeners(controller.signal), 0);
  await box.offer(item('kept'));
  assert.equal(box.size, 1);
});

test('take resolved by an offer removes its listener; a later shorter timeout still fires', async () => {
  const { box } = mailbox(2);
  const controller = new AbortController();
  const pending = box.take({ timeout: 60_000, signal: controller.signal });
  await box.offer(item('a'));
  assert.equal((await pending).name, 'a');
  assert.equal(abortListeners(controller.signal), 0);
  await assert.rejects(box.take({ timeout: 1 }), TimeoutError);
});

test('waiters with different timeouts expire independently; an unbounded taker keeps waiting', async () => {
  const { box } = mailbox(2);
  const unbounded = box.take();
  const short = box.take({ timeout: 1 });
  const longer = box.take({ timeout: 15 });
  await assert.rejects(short, TimeoutError);
  await assert.rejects(longer, TimeoutError);
  assert.equal(box.waitingTakers, 1);
  await box.offer(item('for-the-patient'));
  assert.equal((await unbounded).name, 'for-the-patient');
});

test('takeBatch takes up to max in priority order and waits for the first item', async () => {
  const { box } = mailbox(8);
  for (const entry of [item('c', 1), item('a', 9), item('b', 5), item('d', 1)]) await box.offer(entry);
  assert.deepEqual(names(await box.takeBatch(3)), ['a', 'b', 'c']);
  assert.deepEqual(names(await box.takeBatch(3)), ['d']);
  const waiting = box.takeBatch(10);
  await turn();
  assert.equal(box.waitingTakers, 1);
  await box.offer(item('e'));
  assert.deepEqual(names(await waiting), ['e']);
});

test('a batch taker woken by reopening the mailbox gets every queued item up to max', async () => {
  const { box } = mailbox(8);
  box.takeable = false;
  const waiting = box.takeBatch(3);
  for (const entry of [item('x', 1), item('y', 50), item('z', 9), item('w', 2)]) await box.offer(entry);
  box.takeable = true;
  assert.deepEqual(names(await waiting), ['y', 'z', 'w']);
  assert.deepEqual(await takeAll(box), ['x']);
});

test('takeBatch honours timeout and AbortSignal without leaving a listener', async () => {
  const { box } = mailbox(4);
  const controller = new AbortController();
  await assert.rejects(box.takeBatch(4, { timeout: 2, signal: controller.signal }), TimeoutError);
  assert.equal(abortListeners(controller.signal), 0);
  const pending = box.takeBatch(4, { signal: controller.signal });
  await turn();
  controller.abort(new Error('stop'));
  await assert.rejects(pending, /stop/);
  assert.equal(abortListeners(controller.signal), 0);
  assert.equal(box.waitingTakers, 0);
});

test('while not takeable, items queue and takers wait; reopening serves them in priority order', async () => {
  const { box } = mailbox(8);
  box.takeable = false;
  const order: string[] = [];
  const first = box.take().then((entry) => order.push(entry.name));
  const second = box.take().then((entry) => order.push(entry.name));
  await box.offer(item('low', 1));
  await box.offer(item('high', 250));
  await box.offer(item('mid', 100));
  assert.equal(box.takeNow(), undefined);
  await turn();
  assert.deepEqual(order, []);
  assert.equal(box.size, 3);
  box.takeable = true;
  await Promise.all([first, second]);
  assert.deepEqual(order, ['high', 'mid']);
  assert.equal(box.takeNow()?.name, 'low');
});

test('close: senders fail, takers get what is left and then fail', async () => {
  const { box } = mailbox(1);
  await box.offer(item('left'));
  const blocked = box.offer(item('blocked'));
  const closed = new QueueClosedError('closed for the test');
  box.close(closed);
  await assert.rejects(blocked, (error) => error === closed);
  await assert.rejects(box.offer(item('late')), (error) => error === closed);
  assert.equal(box.offerNow(item('late')), false);
  assert.equal((await box.take()).name, 'left');
  await assert.rejects(box.take(), (error) => error === closed);
  await assert.rejects(box.takeBatch(2), (error) => error === closed);
});

test('close wakes takers that wait on an empty mailbox', async () => {
  const { box } = mailbox(2);
  const waiting = box.take();
  const closed = new QueueClosedError('gone');
  box.close(closed);
  await assert.rejects(waiting, (error) => error === closed);
});

test('refuseTakers rejects current and later takers but keeps items for drain, blocked senders included', async () => {
  const { box } = mailbox(2);
  box.takeable = false;
  const waiting = box.take();
  await box.offer(item('a', 1));
  await box.offer(item('b', 9));
  const blocked = box.offer(item('c'));
  const refused = new QueueClosedError('refused');
  box.refuseTakers(refused);
  await assert.rejects(waiting, (error) => error === refused);
  box.takeable = true;
  await assert.rejects(box.take(), (error) => error === refused);
  assert.equal(box.takeNow(), undefined);
  assert.deepEqual(names(box.drain()), ['b', 'a', 'c']);
  // The drain took the blocked sender's item: its offer resolves, and closing refuses nobody twice.
  await blocked;
  assert.equal(box.blockedSenders, 0);
  box.close(refused);
});

test('a negative or non-numeric timeout is refused with a clear error', async () => {
  const { box } = mailbox(1);
  await assert.rejects(box.take({ timeout: -1 }), /timeout must be a number of milliseconds >= 0/);
  await assert.rejects(box.take({ timeout: Number.NaN }), /timeout must be a number/);
  assert.equal(box.waitingTakers, 0);
});

test('onTaken reports each item handed to a taker exactly once, whichever path it took', async () => {
  const { box } = mailbox(8);
  const taken: string[] = [];
  box.onTaken = (entry) => taken.push(entry.name);
  // Taken at once.
  await box.offer(item('queued'));
  await box.take();
  // Handed straight to a waiting taker.
  const waiting = box.take();
  await box.offer(item('handed'));
  await waiting;
  // Served to a waiting taker when the mailbox reopens, single and batch.
  box.takeable = false;
  const single = box.take();
  const batch = box.takeBatch(2);
  for (const name of ['reopen-1', 'reopen-2', 'reopen-3']) await box.offer(item(name));
  box.takeable = true;
  await Promise.all([single, batch]);
  // Neither drain nor eviction counts as taken.
  await box.offer(item('drained'));
  box.drain();
  assert.deepEqual(taken, ['queued', 'handed', 'reopen-1', 'reopen-2', 'reopen-3']);
});

test("'dropOldest' drops an incoming message of lower priority than everything queued, not queued work", async () => {
  const { box, dropped } = mailbox(2, 'dropOldest');
  await box.offer(item('urgent-1', 200));
  await box.offer(item('urgent-2', 200));
  // The incoming message is the oldest (only) one at the lowest level once it is counted in.
  await box.offer(item('chatter', 1));
  assert.deepEqual(dropped, [['chatter', 'dropOldest']]);
  // At equal priority the queued message is older, so it goes.
  await box.offer(item('urgent-3', 200));
  assert.deepEqual(dropped[1], ['urgent-1', 'dropOldest']);
  assert.deepEqual(await takeAll(box), ['urgent-2', 'urgent-3']);
});
