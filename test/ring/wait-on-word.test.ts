import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollWord, waitOnWordAsync } from '../../src/ring/wait-on-word.js';

test('the polling fallback (engines without Atomics.waitAsync) sees changes and times out', async () => {
  const words = new Int32Array(new SharedArrayBuffer(8));
  assert.equal(await pollWord(words, 0, 1, 1000), 'not-equal');
  const changed = pollWord(words, 0, 0, 10_000);
  setTimeout(() => Atomics.store(words, 0, 5), 0);
  assert.equal(await changed, 'not-equal');
  assert.equal(await pollWord(words, 1, 0, 2), 'timed-out');
});

test('the native wait resolves on notify, and a finite wait keeps the process alive until it ends', async () => {
  const words = new Int32Array(new SharedArrayBuffer(8));
  const woken = waitOnWordAsync(words, 0, 0, 10_000);
  setImmediate(() => Atomics.notify(words, 0));
  assert.equal(await woken, 'ok');
  assert.equal(await waitOnWordAsync(words, 0, 7, 10_000), 'not-equal');
  // Nothing else is pending here: without the keep-alive timer the test process would exit first.
  assert.equal(await waitOnWordAsync(words, 1, 0, 5), 'timed-out');
});
