import { test } from 'node:test';
import { pack } from 'msgpackr';
import assert from 'node:assert/strict';
import {
  MessageCodec,
  MessageDecodeError,
  MessageTooLargeError,
  MessageValidationError,
} from '../../src/messages/index.js';
import { RingKernelError } from '../../src/errors.js';
import { CalculateRequest, CalculateResponse } from '../../examples/seed/calculator.js';

const valid = () => CalculateRequest.encode(CalculateRequest.create({ a: 10, b: 5, operation: 'div' }));

test('a valid request round-trips through its bytes', () => {
  const request = CalculateRequest.create({ a: 10, b: 5, operation: 'div' });
  const decoded = CalculateRequest.decode(CalculateRequest.encode(request));
  assert.deepEqual({ ...decoded }, { ...request });
});

test('corrupted, truncated, oversized and wrong-type bytes give typed errors, never a crash', () => {
  const bytes = valid();
  const cases: [string, () => unknown, new (...args: never[]) => RingKernelError][] = [
    ['empty', () => CalculateRequest.decode(new Uint8Array(0)), MessageDecodeError],
    ['not msgpack', () => CalculateRequest.decode(new Uint8Array([0xc1, 0xc1, 0xc1])), MessageDecodeError],
    ['truncated', () => CalculateRequest.decode(bytes.subarray(0, bytes.length - 4)), MessageDecodeError],
    [
      'trailing garbage',
      () => CalculateRequest.decode(Uint8Array.from([...bytes, 0x01, 0x02])),
      MessageDecodeError,
    ],
    [
      'another type',
      () => CalculateRequest.decode(CalculateResponse.encode(CalculateResponse.create({ result: 1 }))),
      MessageDecodeError,
    ],
    [
      'oversized',
      () => new MessageCodec({ maxBytes: 16 }).decode(bytes, CalculateRequest),
      MessageTooLargeError,
    ],
    ['not bytes', () => CalculateRequest.decode('abc' as unknown as Uint8Array), MessageDecodeError],
  ];
  for (const [name, decode, expected] of cases) {
    assert.throws(decode, (error: unknown) => {
      assert.ok(error instanceof expected, `${name}: got ${String(error)}`);
      assert.ok(error instanceof RingKernelError);
      return true;
    });
  }
});

test('every single-byte corruption of a request either decodes to a valid message or throws a typed error', () => {
  const bytes = valid();
  for (let index = 0; index < bytes.length; index++) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const corrupted = bytes.slice();
      corrupted[index] = corrupted[index]! ^ flip;
      try {
        const decoded = CalculateRequest.decode(corrupted);
        assert.ok(CalculateRequest.is(decoded));
      } catch (error) {
        assert.ok(error instanceof RingKernelError, `byte ${index} ^ ${flip}: ${String(error)}`);
      }
    }
  }
});

test('a field of the wrong type in the bytes fails validation naming the field', () => {
  const wire = CalculateRequest.toWire(CalculateRequest.create({ a: 1, b: 2 }));
  wire[0] = 'CalculateRequest';
  wire[4] = 'ten'; // [tag, messageId, priority, correlationId, a, b, operation]
  assert.throws(
    () => CalculateRequest.decode(pack(wire)),
    (error: unknown) => error instanceof MessageValidationError && error.field === 'a',
  );
});

test('an encoded message over the size limit is refused on encode too', () => {
  const codec = new MessageCodec({ maxBytes: 16 });
  assert.throws(
    () => codec.encode(CalculateRequest.create({ a: 1, b: 2, operation: 'x'.repeat(64) })),
    MessageTooLargeError,
  );
});
