import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pack } from 'msgpackr';
import { RingKernelError } from '../../src/errors.js';
import {
  defineMessage,
  DuplicateMessageTypeError,
  field,
  MessageCodec,
  MessageDecodeError,
  MessageRegistry,
  MessageTooLargeError,
  MessageValidationError,
  type MessageOf,
} from '../../src/messages/index.js';

const Point = defineMessage('Point', { x: field.f32(), y: field.f32() });

const Everything = defineMessage('Everything', {
  f32: field.f32(),
  f64: field.f64(),
  i8: field.i8(),
  u8: field.u8(),
  i16: field.i16(),
  u16: field.u16(),
  i32: field.i32(),
  u32: field.u32(),
  i64: field.i64(),
  u64: field.u64(),
  flag: field.bool(),
  text: field.string(),
  operation: field.enum(['add', 'sub']),
  reference: field.uuid(),
  when: field.date(),
  blob: field.bytes(),
  position: field.array('f32', 3),
  samples: field.array('f64'),
  ids: field.array('u64', 2),
  counts: field.array('i16'),
  velocity: field.vec3('f32'),
  corners: field.vectorArray(2, 'i32', 2),
  names: field.list(field.string()),
  points: field.list(field.message(Point)),
  origin: field.message(Point),
  note: field.optional(field.string()),
  missing: field.optional(field.date()),
  extra: field.json(),
});
type Everything = MessageOf<typeof Everything>;

function everything(): Everything {
  return Everything.create({
    f32: 1.5,
    f64: Math.PI,
    i8: -128,
    u8: 255,
    i16: -32768,
    u16: 65535,
    i32: -2147483648,
    u32: 4294967295,
    i64: -(2n ** 63n),
    u64: 2n ** 64n - 1n,
    flag: true,
    text: 'héllo ✓ \u{1F680}',
    operation: 'sub',
    reference: crypto.randomUUID(),
    when: new Date('2026-11-25T17:46:52.123Z'),
    blob: new Uint8Array([0, 1, 2, 255]),
    position: new Float32Array([0.1, -2, 3e38]),
    samples: new Float64Array([Number.MIN_VALUE, -0, Number.MAX_VALUE, Number.NaN]),
    ids: new BigUint64Array([0n, 2n ** 64n - 2n]),
    counts: new Int16Array([-1, 2, -3]),
    velocity: [1, 2, 3],
    corners: [1, -2, 3, -4],
    names: ['a', '', 'c'],
    points: [{ x: 1, y: 2 }, Point.create({ x: 3, y: 4 })],
    origin: { x: 0, y: 0 },
    note: 'present',
    extra: { nested: [1, 'two', null, { deep: true }] },
    priority: 7,
    correlationId: crypto.randomUUID(),
  });
}

function decodeError(run: () => unknown, pattern?: RegExp): MessageDecodeError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof MessageDecodeError, `expected MessageDecodeError, got ${String(error)}`);
    assert.ok(error instanceof RingKernelError);
    assert.equal(error.code, 'MESSAGE_DECODE');
    if (pattern !== undefined) assert.match(error.message, pattern);
    return error;
  }
  assert.fail('expected a MessageDecodeError');
}

describe('codec: round trips', () => {
  it('every field kind round-trips exactly', () => {
    const original = everything();
    const decoded = Everything.decode(Everything.encode(original));
    assert.deepEqual(decoded, original);
    assert.ok(Everything.is(decoded));
    assert.ok(Object.isFrozen(decoded));
    // deepEqual treats -0 and 0 and NaN carefully already; check the subtle ones by hand as well.
    assert.ok(Object.is(decoded.samples[1], -0));
    assert.ok(Number.isNaN(decoded.samples[3]));
    assert.equal(decoded.u64, 2n ** 64n - 1n);
    assert.equal(decoded.i64, -(2n ** 63n));
    assert.equal(decoded.when.toISOString(), '2026-11-25T17:46:52.123Z');
    assert.equal(decoded.blob.constructor, Uint8Array, 'bytes decode as a plain Uint8Array, not a Buffer');
    assert.ok(Point.is(decoded.origin));
    assert.ok(Point.is(decoded.points[1]));
    assert.equal(decoded.missing, undefined);
    assert.equal(decoded.messageId, original.messageId);
    assert.equal(decoded.correlationId, original.correlationId);
    assert.equal(decoded.priority, 7);
  });

  it('bigints beyond 2^53 keep every bit', () => {
    const Big = defineMessage('Big', { signed: field.i64(), unsigned: field.u64() });
    for (const value of [0n, 1n, 2n ** 53n + 1n, 2n ** 62n + 12345n, -(2n ** 53n) - 7n]) {
      const message = Big.create({ signed: value, unsigned: value < 0n ? -value : value });
      assert.deepEqual(Big.decode(Big.encode(message)), message);
    }
  });

  it('-0 survives in float fields (msgpack has no integer -0); integer fields hold 0', () => {
    const Zeros = defineMessage('Zeros', {
      single: field.f32(),
      double: field.f64(),
      maybe: field.optional(field.f64()),
      many: field.list(field.f64()),
      whole: field.i32(),
    });
    const message = Zeros.create({ single: -0, double: -0, maybe: -0, many: [0, -0], whole: -0 });
    assert.ok(Object.is(message.whole, 0));
    const decoded = Zeros.decode(Zeros.encode(message));
    assert.ok(Object.is(decoded.single, -0));
    assert.ok(Object.is(decoded.double, -0));
    assert.ok(Object.is(decoded.maybe, -0));
    assert.ok(Object.is(decoded.many[0], 0));
    assert.ok(Object.is(decoded.many[1], -0));
    assert.ok(
      Object.is(
        Zeros.decode(Zeros.encode(Zeros.create({ ...message, maybe: undefined, messageId: undefined })))
          .maybe,
        undefined,
      ),
    );
  });

  it('decoding leaves the input bytes exactly as they were (no properties added)', () => {
    const bytes = Everything.encode(everything());
    const copy = bytes.slice();
    Everything.decode(bytes);
    new MessageRegistry([Everything]).decode(bytes);
    assert.deepStrictEqual(Object.keys(bytes), Object.keys(copy));
    assert.deepStrictEqual(bytes, copy);
  });

  it('decoded typed arrays own their memory (no view into the input bytes)', () => {
    const original = everything();
    const bytes = Everything.encode(original);
    const decoded = Everything.decode(bytes);
    bytes.fill(0);
    assert.deepEqual(decoded.position, original.position);
    assert.deepEqual(decoded.blob, original.blob);
  });

  it('decodes from a view into a SharedArrayBuffer (how worker rings hand frames over) into unshared copies', () => {
    const Frame = defineMessage('Frame', {
      text: field.string(),
      data: field.bytes(),
      values: field.array('f32', 2),
    });
    const message = Frame.create({
      text: `${'x'.repeat(300)}é✓`,
      data: new Uint8Array([1, 2]),
      values: [3, 4],
    });
    const bytes = Frame.encode(message);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 7), 3, bytes.length);
    shared.set(bytes);
    const decoded = Frame.decode(shared);
    assert.deepEqual(decoded, message);
    assert.ok(!(decoded.data.buffer instanceof SharedArrayBuffer));
    assert.ok(!(decoded.values.buffer instanceof SharedArrayBuffer));
  });

  it('encode returns an owned plain Uint8Array: encodings never alias, and transferring one leaves the others whole', async () => {
    const codec = new MessageCodec();
    const registry = new MessageRegistry([Point]);
    for (const encode of [
      (message: MessageOf<typeof Point>) => Point.encode(message),
      (message: MessageOf<typeof Point>) => codec.encode(message),
      (message: MessageOf<typeof Point>) => registry.encode(message),
    ]) {
      const first = encode(Point.create({ x: 1, y: 2 }));
      const second = encode(Point.create({ x: 3, y: 4 }));
      assert.equal(Object.getPrototypeOf(first), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer');
      assert.equal(first.byteOffset, 0);
      assert.equal(first.buffer.byteLength, first.length, 'owns exactly its bytes');
      assert.notEqual(first.buffer, second.buffer, 'two encodings do not share memory');
      const expected = second.slice();
      const moved = structuredClone(first, { transfer: [first.buffer] });
      assert.equal(first.length, 0, 'the transferred encoding is detached');
      assert.deepEqual(second, expected, 'transferring one encoding leaves another intact');
      assert.deepEqual(Point.decode(second), Point.decode(expected));
      assert.equal(Point.decode(moved).x, 1);
      // Across threads: postMessage with a transfer list.
      const third = encode(Point.create({ x: 5, y: 6 }));
      const fourth = encode(Point.create({ x: 7, y: 8 }));
      const { port1, port2 } = new MessageChannel();
      const received = new Promise<Uint8Array>((resolve) => {
        port2.onmessage = (event: MessageEvent<Uint8Array>) => resolve(event.data);
      });
      port1.postMessage(third, [third.buffer]);
      assert.equal(Point.decode(await received).x, 5);
      port1.close();
      port2.close();
      assert.equal(third.length, 0);
      assert.equal(Point.decode(fourth).x, 7, 'the other encoding is still readable');
    }
  });

  it('encodes typed array views at an offset without the rest of their buffer', () => {
    const Window = defineMessage('Window', { values: field.array('f32') });
    const backing = new Float32Array([9, 1, 2, 9]);
    const message = Window.create({ values: backing.subarray(1, 3) });
    assert.deepEqual(Array.from(Window.decode(Window.encode(message)).values), [1, 2]);
  });

  it("a definition refuses to encode another type's message or a plain object", () => {
    const point = Point.create({ x: 1, y: 2 });
    assert.throws(() => Everything.encode(point as never), /Everything\.encode\(\) got Point instance/);
    assert.throws(() => Point.encode({ ...point }), /pass a message made by Point\.create\(\)/);
  });

  it('a 3-field message encodes compactly', () => {
    const Small = defineMessage('CalculateRequest', {
      a: field.f64(),
      b: field.f64(),
      operation: field.enum(['add']),
    });
    assert.ok(Small.encode(Small.create({ a: 10, b: 5, operation: 'add' })).length < 80);
  });
});

describe('codec: bad bytes give typed errors', () => {
  const bytes = Everything.encode(everything());

  it('bytes of another type are refused by name', () => {
    decodeError(() => Point.decode(bytes), /cannot decode 'Point': the bytes hold a 'Everything' message/);
  });

  it('every truncation is a MessageDecodeError, never a crash or a partial object', () => {
    for (let length = 0; length < bytes.length; length += 1)
      decodeError(() => Everything.decode(bytes.subarray(0, length)));
  });

  it('trailing bytes are refused', () => {
    decodeError(() => Everything.decode(new Uint8Array([...bytes, 0])), /not a valid msgpack message/);
  });

  it('garbage and random corruption never produce a wrong object silently', () => {
    decodeError(() => Point.decode(new Uint8Array([0xc1])));
    decodeError(() => Point.decode(new TextEncoder().encode('hello world')));
    decodeError(() => Point.decode('not bytes' as unknown as Uint8Array), /expected a Uint8Array/);
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const original = Everything.decode(bytes);
    for (let trial = 0; trial < 500; trial += 1) {
      const corrupted = Uint8Array.from(bytes);
      for (let flips = 0; flips < 3; flips += 1) corrupted[random() % corrupted.length] = random() & 0xff;
      try {
        const decoded = Everything.decode(corrupted);
        // Corruption inside a value (a float's bits, a string's letters) can still decode as a valid
        // message; it must then be a complete, valid, frozen message of the right type.
        assert.ok(Everything.is(decoded));
        assert.deepEqual(Object.keys(decoded), Object.keys(original));
        assert.ok(Object.isFrozen(decoded));
      } catch (error) {
        assert.ok(
          error instanceof MessageDecodeError || error instanceof MessageValidationError,
          `trial ${trial}: ${String(error)}`,
        );
      }
    }
  });

  it('huge length headers and deep nesting fail fast instead of allocating or overflowing', () => {
    const headers = [
      [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 4 billion
      [0xdf, 0xff, 0xff, 0xff, 0xff], // map32
      [0xdb, 0xff, 0xff, 0xff, 0xff], // str32
      [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32
      [0xc9, 0xff, 0xff, 0xff, 0xff, 0x05], // ext32
    ];
    for (const header of headers) decodeError(() => Point.decode(new Uint8Array(header)));
    decodeError(() => Point.decode(new Uint8Array(200_000).fill(0x91)));
  });

  it('well-formed msgpack with the wrong structure is refused', () => {
    decodeError(() => Point.decode(pack({ x: 1, y: 2 })), /expected a tagged message array/);
    decodeError(() => Point.decode(pack([1, 2])), /expected a tagged message array/);
    decodeError(
      () => Point.decode(pack(['Point', crypto.randomUUID(), 128, null, 1])),
      /has 4 values, expected 5/,
    );
    decodeError(() => Everything.decode(pack(['Everything'])), /has 0 values/);
  });

  it('values that break the schema are MessageValidationErrors naming the field', () => {
    const id = crypto.randomUUID();
    const cases: [unknown[], string][] = [
      [['Point', id, 128, null, 'x', 2], 'x'],
      [['Point', id, 128, null, 1, null], 'y'],
      [['Point', id, 128, null, 1e39, 2], 'x'],
      [['Point', 'nope', 128, null, 1, 2], 'messageId'],
      [['Point', id, 300, null, 1, 2], 'priority'],
      [['Point', id, 128, 'nope', 1, 2], 'correlationId'],
    ];
    for (const [wire, fieldName] of cases)
      assert.throws(
        () => Point.decode(pack(wire)),
        (error: unknown) => error instanceof MessageValidationError && error.field === fieldName,
        fieldName,
      );
  });

  it('nested and typed-array values are checked on decode too', () => {
    const Holder = defineMessage('Holder', {
      values: field.array('f32', 2),
      inner: field.message(Point),
      when: field.date(),
    });
    const id = crypto.randomUUID();
    const wire = (values: unknown, inner: unknown, when: unknown): Uint8Array =>
      pack(['Holder', id, 128, null, values, inner, when]);
    const innerOk = [id, 128, null, 1, 2];
    const valuesOk = new Uint8Array(new Float32Array([1, 2]).buffer);
    assert.ok(Holder.is(Holder.decode(wire(valuesOk, innerOk, 0))));
    assert.throws(
      () => Holder.decode(wire(new Uint8Array(12), innerOk, 0)),
      (error: unknown) => error instanceof MessageValidationError && error.field === 'values',
    );
    assert.throws(
      () => Holder.decode(wire(new Uint8Array(7), innerOk, 0)),
      (error: unknown) => error instanceof MessageValidationError && error.field === 'values',
    );
    assert.throws(
      () => Holder.decode(wire(valuesOk, [id, 128, null, 'x', 2], 0)),
      (error: unknown) => error instanceof MessageValidationError && error.field === 'inner.x',
    );
    decodeError(() => Holder.decode(wire(valuesOk, { x: 1 }, 0)), /inner should be a nested Point/);
    decodeError(() => Holder.decode(wire(valuesOk, [id, 128, null, 1], 0)), /inner \(Point\) has 4 values/);
    assert.throws(
      () => Holder.decode(wire(valuesOk, innerOk, 'yesterday')),
      (error: unknown) => error instanceof MessageValidationError && error.field === 'when',
    );
  });
});

describe('codec: size limit', () => {
  const Blob = defineMessage('Blob', { data: field.bytes() });

  it('defaults to 1 MiB on encode and decode', () => {
    const codec = new MessageCodec();
    assert.equal(codec.maxBytes, 1024 * 1024);
    const fits = Blob.create({ data: new Uint8Array(1024 * 1024 - 100) });
    assert.ok(Blob.encode(fits).length <= 1024 * 1024);
    const tooBig = Blob.create({ data: new Uint8Array(1024 * 1024) });
    assert.throws(
      () => Blob.encode(tooBig),
      (error: unknown) =>
        error instanceof MessageTooLargeError &&
        error.code === 'MESSAGE_TOO_LARGE' &&
        error.maxBytes === 1024 * 1024 &&
        error.size > 1024 * 1024,
    );
  });

  it('a smaller limit is enforced on both sides', () => {
    const codec = new MessageCodec({ maxBytes: 100 });
    const small = Blob.create({ data: new Uint8Array(10) });
    assert.deepEqual(codec.decode(codec.encode(small), Blob), small);
    const large = Blob.create({ data: new Uint8Array(200) });
    assert.throws(() => codec.encode(large), MessageTooLargeError);
    const bytes = new MessageCodec({ maxBytes: 1000 }).encode(large);
    assert.throws(() => codec.decode(bytes, Blob), /over the limit of 100 bytes/);
  });

  it('refuses a nonsensical limit and plain objects', () => {
    assert.throws(() => new MessageCodec({ maxBytes: 0 }), /maxBytes must be a positive integer/);
    assert.throws(
      () => new MessageCodec().encode({ messageId: crypto.randomUUID(), priority: 1 }),
      /only messages made by a definition/,
    );
  });
});

describe('MessageRegistry', () => {
  const Request = defineMessage('Request', { a: field.i32() });
  const Response = defineMessage('Response', { result: field.i32() });

  it('decodes any registered type by its tag', () => {
    const registry = new MessageRegistry([Request, Response]);
    const request = Request.create({ a: 1 });
    const response = Response.reply(request, { result: 2 });
    const decodedRequest = registry.decode(registry.encode(request));
    const decodedResponse = registry.decode(Response.encode(response));
    assert.ok(Request.is(decodedRequest));
    assert.deepEqual(decodedRequest, request);
    assert.ok(Response.is(decodedResponse));
    assert.equal(decodedResponse.correlationId, request.messageId);
    assert.deepEqual(registry.names, ['Request', 'Response']);
    assert.equal(registry.get('Request'), Request);
    assert.ok(registry.has('Response'));
  });

  it('refuses unknown types with the list of known ones', () => {
    const registry = new MessageRegistry([Request]);
    decodeError(
      () => registry.decode(Point.encode(Point.create({ x: 1, y: 2 }))),
      /unknown message type "Point" \(registered: Request\)/,
    );
    assert.throws(() => registry.encode(Point.create({ x: 1, y: 2 })), /not in this registry/);
  });

  it('refuses duplicate names, but re-adding the same definition is harmless', () => {
    const registry = new MessageRegistry([Request]);
    registry.add(Request);
    const Impostor = defineMessage('Request', { b: field.string() });
    assert.throws(
      () => registry.add(Impostor),
      (error: unknown) =>
        error instanceof DuplicateMessageTypeError && error.code === 'MESSAGE_TYPE_DUPLICATE',
    );
    assert.throws(() => new MessageRegistry([Request, Impostor]), DuplicateMessageTypeError);
    assert.throws(() => registry.encode(Impostor.create({ b: 'x' })), /not in this registry/);
  });

  it('registries are independent: nothing registers itself', () => {
    const first = new MessageRegistry([Request]);
    const second = new MessageRegistry();
    assert.deepEqual(second.names, []);
    decodeError(() => second.decode(first.encode(Request.create({ a: 1 }))), /registered: none/);
  });

  it('has its own size limit and checks bad bytes', () => {
    const registry = new MessageRegistry([Request], { maxBytes: 10 });
    assert.throws(() => registry.encode(Request.create({ a: 1 })), MessageTooLargeError);
    assert.throws(() => registry.decode(Request.encode(Request.create({ a: 1 }))), MessageTooLargeError);
    decodeError(() => new MessageRegistry([Request]).decode(new Uint8Array([0x92, 0x01])));
  });
});
