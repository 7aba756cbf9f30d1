import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PriorityBuckets } from '../../src/queues/index.js';

test('poll serves the highest priority first and FIFO among equal priorities', () => {
  const buckets = new PriorityBuckets<string>(8);
  buckets.offer('low-1', 1);
  buckets.offer('mid-1', 128);
  buckets.offer('high-1', 255);
  buckets.offer('low-2', 1);
  buckets.offer('mid-2', 128);
  buckets.offer('zero', 0);
  buckets.offer('high-2', 255);
  const order: string[] = [];
  for (let item = buckets.poll(); item !== undefined; item = buckets.poll()) order.push(item);
  assert.deepEqual(order, ['high-1', 'high-2', 'mid-1', 'mid-2', 'low-1', 'low-2', 'zero']);
  assert.equal(buckets.size, 0);
  assert.equal(buckets.isEmpty, true);
});

test('every one of the 256 levels is distinct and ordered, including levels across bitmap words', () => {
  const buckets = new PriorityBuckets<number>(256);
  const levels = Array.from({ length: 256 }, (_, level) => level);
  // Offer in a scrambled order so that order of insertion cannot explain the result.
  for (const level of levels.map((level) => (level * 97) % 256)) buckets.offer(level, level);
  const order: number[] = [];
  for (let item = buckets.poll(); item !== undefined; item = buckets.poll()) order.push(item);
  assert.deepEqual(order, [...levels].reverse());
});

test('offer refuses once capacity is reached and accepts again after a poll, reusing slots', () => {
  const buckets = new PriorityBuckets<number>(3);
  assert.equal(buckets.offer(1, 10), true);
  assert.equal(buckets.offer(2, 20), true);
  assert.equal(buckets.offer(3, 10), true);
  assert.equal(buckets.isFull, true);
  assert.equal(buckets.offer(4, 255), false);
  assert.equal(buckets.size, 3);
  assert.equal(buckets.poll(), 2);
  assert.equal(buckets.offer(5, 10), true);
  assert.equal(buckets.offer(6, 10), false);
  // Many cycles through the same three slots keep FIFO order within a level.
  const seen: number[] = [];
  for (let round = 0; round < 50; round++) {
    seen.push(buckets.poll()!);
    assert.equal(buckets.offer(100 + round, 10), true);
  }
  assert.deepEqual(seen.slice(0, 3), [1, 3, 5]);
  assert.deepEqual(
    seen.slice(3),
    Array.from({ length: 47 }, (_, index) => 100 + index),
  );
});

test('a capacity of one holds exactly one item', () => {
  const buckets = new PriorityBuckets<string>(1);
  assert.equal(buckets.offer('a', 5), true);
  assert.equal(buckets.offer('b', 250), false);
  assert.equal(buckets.poll(), 'a');
  assert.equal(buckets.poll(), undefined);
  assert.equal(buckets.offer('b', 250), true);
  assert.equal(buckets.poll(), 'b');
});

test('pollLowest takes the oldest item of the lowest non-empty level', () => {
  const buckets = new PriorityBuckets<string>(8);
  buckets.offer('mid-old', 100);
  buckets.offer('low-old', 3);
  buckets.offer('high', 200);
  buckets.offer('low-new', 3);
  buckets.offer('mid-new', 100);
  assert.equal(buckets.pollLowest(), 'low-old');
  assert.equal(buckets.pollLowest(), 'low-new');
  assert.equal(buckets.pollLowest(), 'mid-old');
  assert.equal(buckets.poll(), 'high');
  assert.equal(buckets.pollLowest(), 'mid-new');
  assert.equal(buckets.pollLowest(), undefined);
});

test('peekPriority names the level poll serves next without removing anything', () => {
  const buckets = new PriorityBuckets<string>(4);
  assert.equal(buckets.peekPriority(), -1);
  buckets.offer('a', 40);
  buckets.offer('b', 70);
  assert.equal(buckets.peekPriority(), 70);
  assert.equal(buckets.size, 2);
  buckets.poll();
  assert.equal(buckets.peekPriority(), 40);
});

test('drain empties the queue in service order', () => {
  const buckets = new PriorityBuckets<string>(5);
  buckets.offer('c', 1);
  buckets.offer('a', 9);
  buckets.offer('d', 1);
  buckets.offer('b', 9);
  assert.deepEqual(buckets.drain(), ['a', 'b', 'c', 'd']);
  assert.equal(buckets.isEmpty, true);
  assert.equal(buckets.offer('e', 0), true);
  assert.deepEqual(buckets.drain(), ['e']);
});

test('peekLowestPriority names the level pollLowest takes from', () => {
  const buckets = new PriorityBuckets<string>(4);
  assert.equal(buckets.peekLowestPriority(), -1);
  buckets.offer('a', 40);
  buckets.offer('b', 70);
  assert.equal(buckets.peekLowestPriority(), 40);
  buckets.pollLowest();
  assert.equal(buckets.peekLowestPriority(), 70);
});
