/**
 * Property tests of the worker rings' frame codec (fast and compact frames), with fast-check:
 * random valid messages round-trip exactly; random and mutated frames give typed errors only.
 * `FUZZ_RUNS` / `FUZZ_SEED` as in test/helpers/fuzz.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RingKernelError } from '../../src/errors.js';
import { MessageRegistry, defineMessage, field, type Message } from '../../src/messages/index.js';
import { FrameCodec } from '../../src/workers/frame-codec.js';
import { fuzzParameters } from '../helpers/fuzz.js';

const Flat = defineMessage('FrameFuzzFlat', {
  real: field.f64(),
  small: field.i16(),
  ratio: field.f32(),
  flag: field.bool(),
  text: field.string(),
  kind: field.enum(['a', 'b', 'c']),
  id: field.uuid(),
});
const Rich = defineMessage('FrameFuzzRich', {
  count: field.u32(),
  names: field.list(field.string()),
  blob: field.bytes(),
  note: field.optional(field.string()),
  big: field.i64(),
  extra: field.json(),
});
const codec = new FrameCodec(new MessageRegistry([Flat, Rich]));

const F32_MAX = 3.4028234663852886e38;
const text = fc.string({ unit: 'binary', maxLength: 40 });
const flat = fc
  .record({
    real: fc.double(),
    small: fc.integer({ min: -32768, max: 32767 }),
    ratio: fc.double({ min: -F32_MAX, max: F32_MAX }),
    flag: fc.boolean(),
    text,
    kind: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
    id: fc.uuid({ version: 4 }),
    priority: fc.integer({ min: 0, max: 255 }),
    correlationId: fc.option(fc.uuid({ version: 4 }), { nil: undefined }),
  })
  .map((init) => Flat.create(init) as Message);
const json: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  text,
  fc.array(fc.oneof(fc.integer(), text), { maxLength: 4 }),
);
const rich = fc
  .record({
    count: fc.integer({ min: 0, max: 4_294_967_295 }),
    names: fc.array(text, { maxLength: 5 }),
    blob: fc.uint8Array({ maxLength: 64 }),
    note: fc.option(text, { nil: undefined }),
    big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    extra: json,
  })
  .map((init) => Rich.create(init as Parameters<typeof Rich.create>[0]) as Message);
const anyMessage = fc.oneof(flat, rich);

function isTyped(error: unknown): boolean {
  return error instanceof RingKernelError && typeof error.code === 'string';
}

describe('frame codec properties', () => {
  it('every valid message round-trips exactly, as an instance of its definition', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const decoded = codec.decode(codec.encode(message).slice());
        assert.deepEqual({ ...decoded }, { ...message });
        assert.equal(Object.getPrototypeOf(decoded), Object.getPrototypeOf(message));
      }),
      fuzzParameters(300, 20_261_207),
    );
  });

  it('mutated frames (bit flips, byte sets, truncation, insertion) decode or fail with typed errors only', () => {
    const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.nat(3) });
    fc.assert(
      fc.property(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 4 }), (message, mutations) => {
        let bytes = Array.from(codec.encode(message));
        for (const { at, byte, kind } of mutations) {
          const index = bytes.length === 0 ? 0 : at % bytes.length;
          if (kind === 0) bytes[index] = byte;
          else if (kind === 1) bytes[index] = (bytes[index] ?? 0) ^ (1 << (byte & 7));
          else if (kind === 2) bytes = bytes.slice(0, index);
          else bytes.splice(index, 0, byte);
        }
        try {
          codec.decode(new Uint8Array(bytes));
        } catch (error) {
          assert.ok(isTyped(error), `untyped error: ${String(error)}`);
        }
      }),
      fuzzParameters(2_000, 20_261_208),
    );
  });

  it('random bytes decode or fail with typed errors only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          codec.decode(bytes.slice());
        } catch (error) {
          assert.ok(isTyped(error), `untyped error: ${String(error)}`);
        }
      }),
      fuzzParameters(2_000, 20_261_209),
    );
  });
});
