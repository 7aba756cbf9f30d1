import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelError, TimeoutError, describeValue } from '../src/errors.js';

test('TimeoutError is a RingKernelError with a stable code and the limit in its message', () => {
  const error = new TimeoutError('receive', 100, 'calculator');
  assert.ok(error instanceof RingKernelError);
  assert.equal(error.code, 'TIMEOUT');
  assert.equal(error.name, 'TimeoutError');
  assert.equal(error.timeoutMs, 100);
  assert.match(error.message, /receive on 'calculator' timed out after 100 ms/);
});

test('describeValue keeps values short and readable', () => {
  assert.equal(describeValue('x'.repeat(100)).length, 62);
  assert.equal(describeValue(5n), '5n');
  assert.equal(describeValue(new Float32Array(3)), 'Float32Array(3)');
  assert.equal(describeValue([1, 2]), 'array(2)');
  assert.equal(describeValue(null), 'null');
});
