import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageDecodeError } from '../../src/index.js';
import { decodeFrame, encodeFrame } from '../../src/cluster/frame.js';

test('a frame carries its encoded messages unchanged, empty ones included', () => {
  const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const frame = encodeFrame(parts, 303);
  assert.deepEqual(
    decodeFrame(frame).map((part) => [...part]),
    parts.map((part) => [...part]),
  );
  assert.deepEqual(decodeFrame(encodeFrame([], 0)), []);
});

test('cut, padded or garbage frames are MessageDecodeErrors', () => {
  const frame = encodeFrame([new Uint8Array([1, 2, 3])], 3);
  for (const bad of [
    frame.subarray(0, 3),
    frame.subarray(0, frame.length - 1),
    new Uint8Array([...frame, 0]),
  ]) {
    assert.throws(() => decodeFrame(bad), MessageDecodeError);
  }
  assert.throws(() => decodeFrame(new Uint8Array([255, 255, 255, 255])), MessageDecodeError);
});
