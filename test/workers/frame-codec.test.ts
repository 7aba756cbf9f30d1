import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MessageDecodeError,
  MessageRegistry,
  MessageTooLargeError,
  defineMessage,
  field,
} from '../../src/messages/index.js';
import type { Message } from '../../src/messages/index.js';
import { COMPACT_MARKER, FAST_MARKER, FrameCodec } from '../../src/workers/frame-codec.js';

const Inner = defineMessage('CodecInner', { label: field.string(), weight: field.f64() });
const Everything = defineMessage('CodecEverything', {
  small: field.i32(),
  unsigned: field.u32(),
  real: field.f64(),
  flag: field.bool(),
  text: field.string(),
  kind: field.enum(['a', 'b']),
  big: field.i64(),
  huge: field.u64(),
  blob: field.bytes(),
  samples: field.array('f32'),
  counts: field.list(field.i32()),
  inner: field.message(Inner),
  maybe: field.optional(field.string()),
  when: field.date(),
  id: field.uuid(),
});
const WithJson = defineMessage('CodecJson', { payload: field.json() });

function sample(overrides: Partial<Parameters<typeof Everything.create>[0]> = {}) {
  return Everything.create({
    small: -7,
    unsigned: 4_000_000_000,
    real: -0,
    flag: true,
    text: 'héllo wörld ✓ 🚀',
    kind: 'b',
    big: -(2n ** 62n),
    huge: 2n ** 62n + 5n,
    blob: new Uint8Array([0, 1, 254, 255]),
    samples: new Float32Array([1.5, -2.25, Number.NaN]),
    counts: [1, -2, 3],
    inner: Inner.create({ label: 'x'.repeat(36), weight: Number.POSITIVE_INFINITY }),
    maybe: undefined,
    when: new Date(1_700_000_000_000),
    id: crypto.randomUUID(),
    ...overrides,
  });
}

/** Same content: the registry's canonical msgpack bytes are equal. */
function assertSameMessage(registry: MessageRegistry, actual: Message, expected: Message): void {
  assert.deepEqual(registry.encode(actual), registry.encode(expected));
  assert.equal(actual.messageId, expected.messageId);
  assert.equal(actual.correlationId, expected.correlationId);
  assert.equal(actual.priority, expected.priority);
}

describe('FrameCodec: the compact frames of worker rings', () => {
  const registry = new MessageRegistry([Inner, Everything, WithJson]);
  // The other thread registered the same types in another order.
  const otherSide = new FrameCodec(new MessageRegistry([WithJson, Everything, Inner]));
  const codec = new FrameCodec(registry);

  test('every field kind round-trips exactly through a compact frame, across registration orders', () => {
    for (const message of [
      sample(),
      sample({ real: Number.NaN, small: 2 ** 31 - 1, big: 2n ** 63n - 1n, maybe: 'ünïcode' }),
      Everything.reply(sample(), { ...sample(), real: 1e-300, huge: 5n }),
    ]) {
      const frame = codec.encode(message).slice();
      assert.equal(frame[0], COMPACT_MARKER);
      const decoded = otherSide.decode(frame);
      assert.ok(Everything.is(decoded));
      assertSameMessage(registry, decoded, message);
      assert.ok(Object.is(decoded.real, message.real));
    }
  });

  test('values outside the compact set go as msgpack, which both sides decode', () => {
    for (const message of [
      WithJson.create({ payload: { nested: [1, 'two', { three: null }] } }),
      sample({ huge: 2n ** 64n - 1n }),
    ]) {
      const frame = codec.encode(message).slice();
      assert.notEqual(frame[0], COMPACT_MARKER);
      assert.deepEqual(frame, registry.encode(message));
      assertSameMessage(registry, otherSide.decode(frame), message);
    }
  });

  test('a json null round-trips through both frame formats', () => {
    for (const payload of [null, [null], { a: null }]) {
      const message = WithJson.create({ payload });
      const frame = codec.encode(message).slice();
      const decoded = otherSide.decode(frame);
      assert.ok(WithJson.is(decoded));
      assert.deepEqual(decoded.payload, payload);
      assertSameMessage(registry, decoded, message);
    }
    assert.equal(
      codec.encode(WithJson.create({ payload: null }))[0],
      COMPACT_MARKER,
      'null fits a compact frame',
    );
  });

  test('the registry limits and errors still apply', () => {
    const small = new FrameCodec(new MessageRegistry([Inner], { maxBytes: 64 }));
    assert.throws(
      () => small.encode(Inner.create({ label: 'y'.repeat(100), weight: 1 })),
      MessageTooLargeError,
    );
    assert.throws(() => small.encode(sample()), /not in this registry/);
  });

  test('damaged compact frames are refused with MessageDecodeError, never misread', () => {
    const frame = codec.encode(sample()).slice();
    for (const cut of [2, 10, frame.length - 1]) {
      assert.throws(() => codec.decode(frame.subarray(0, cut)), MessageDecodeError, `cut at ${cut}`);
    }
    const trailing = new Uint8Array(frame.length + 1);
    trailing.set(frame);
    assert.throws(() => codec.decode(trailing), MessageDecodeError);
    const unknownType = frame.slice();
    unknownType[1] = 0xff;
    assert.throws(() => codec.decode(unknownType), /unknown message type index/);
  });
});

describe('fast frames (schemas of numbers, booleans, strings, enums and UUIDs)', () => {
  const Flat = defineMessage('CodecFlat', {
    real: field.f64(),
    small: field.i8(),
    ratio: field.f32(),
    flag: field.bool(),
    text: field.string(),
    kind: field.enum(['a', 'b']),
    id: field.uuid(),
  });
  const codec = new FrameCodec(new MessageRegistry([Flat]));
  const make = (text: string, real: number) =>
    Flat.create({
      real,
      small: -5,
      ratio: 0.5,
      flag: true,
      text,
      kind: 'b',
      id: crypto.randomUUID(),
      priority: 201,
    });

  test('round-trip exactly, with their id, priority and correlation, as instances of their definition', () => {
    for (const [text, real] of [
      ['plain ascii', 1.5],
      ['héllo wörld ✓ 🚀 and a longer tail past thirty-two characters', -0],
      ['', Number.NaN],
    ] as const) {
      const message = make(text, real);
      const reply = Flat.reply(message, {
        real: Infinity,
        small: 1,
        ratio: 2,
        flag: false,
        text,
        kind: 'a',
        id: message.id,
      });
      for (const original of [message, reply]) {
        const bytes = codec.encode(original).slice();
        assert.equal(bytes[0], FAST_MARKER);
        const decoded = codec.decode(bytes);
        assert.ok(Flat.is(decoded));
        assert.ok(Object.isFrozen(decoded));
        assert.deepEqual({ ...decoded }, { ...original });
        assert.ok(Object.is(decoded.real, original.real));
      }
    }
  });

  test('a truncated or padded fast frame is refused with MessageDecodeError', () => {
    const bytes = codec.encode(make('x', 1)).slice();
    for (const broken of [
      bytes.subarray(0, bytes.length - 1),
      new Uint8Array([...bytes, 0]),
      bytes.subarray(0, 10),
    ]) {
      assert.throws(() => codec.decode(broken.slice()), MessageDecodeError);
    }
  });
});
