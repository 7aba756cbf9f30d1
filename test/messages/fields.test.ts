import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineMessage, field, MessageValidationError, type AnyField } from '../../src/messages/index.js';

/** Builds a one-field message type and returns a function creating it from a value. */
function single(spec: AnyField): (value: unknown) => Record<string, unknown> {
  const definition = defineMessage('Probe', { value: spec });
  return (value) => definition.create({ value });
}

function rejects(spec: AnyField, value: unknown, expected: RegExp, fieldPath = 'value'): void {
  const create = single(spec);
  assert.throws(
    () => create(value),
    (error: unknown) => {
      assert.ok(error instanceof MessageValidationError, String(error));
      assert.equal(error.field, fieldPath);
      assert.match(error.expected, expected);
      // The message carries the field, the value (as describeValue prints it) and the expected type.
      assert.ok(error.message.startsWith(`Probe.${fieldPath}: got `), error.message);
      assert.ok(error.message.includes(error.expected), error.message);
      return true;
    },
    `${String(value)} should be rejected`,
  );
}

function accepts(spec: AnyField, value: unknown): unknown {
  return single(spec)(value).value;
}

describe('field kinds: validation on create', () => {
  it('f32: any number within float32 range, NaN and infinities', () => {
    for (const value of [0, -1.5, 3.4028234663852886e38, -3.4028234663852886e38, Number.NaN, Infinity])
      assert.ok(Object.is(accepts(field.f32(), value), value));
    rejects(field.f32(), 3.5e38, /^f32/);
    rejects(field.f32(), -1e39, /^f32/);
    rejects(field.f32(), '1', /^f32/);
    rejects(field.f32(), 1n, /^f32/);
  });

  it('f64: any number', () => {
    assert.equal(accepts(field.f64(), 1e300), 1e300);
    rejects(field.f64(), null, /^f64/);
    rejects(field.f64(), '3', /^f64/);
  });

  it('i32 / u32: integers in range', () => {
    assert.equal(accepts(field.i32(), -2147483648), -2147483648);
    assert.equal(accepts(field.i32(), 2147483647), 2147483647);
    rejects(field.i32(), 2147483648, /-2147483648\.\.2147483647/);
    rejects(field.i32(), 1.5, /^i32/);
    rejects(field.i32(), Number.NaN, /^i32/);
    assert.equal(accepts(field.u32(), 4294967295), 4294967295);
    rejects(field.u32(), -1, /0\.\.4294967295/);
    rejects(field.u32(), 4294967296, /^u32/);
  });

  it('i8 / u8 / i16 / u16: integers in range', () => {
    assert.equal(accepts(field.i8(), -128), -128);
    rejects(field.i8(), 128, /-128\.\.127/);
    assert.equal(accepts(field.u8(), 255), 255);
    rejects(field.u8(), 256, /0\.\.255/);
    rejects(field.u8(), -1, /0\.\.255/);
    assert.equal(accepts(field.i16(), -32768), -32768);
    rejects(field.i16(), 32768, /-32768\.\.32767/);
    assert.equal(accepts(field.u16(), 65535), 65535);
    rejects(field.u16(), 65536, /0\.\.65535/);
  });

  it('i64 / u64: bigints in range, beyond 2^53 too', () => {
    assert.equal(accepts(field.i64(), -(2n ** 63n)), -(2n ** 63n));
    assert.equal(accepts(field.u64(), 2n ** 64n - 1n), 2n ** 64n - 1n);
    rejects(field.i64(), 2n ** 63n, /^i64/);
    rejects(field.u64(), -1n, /^u64/);
    rejects(field.i64(), 5, /bigint/);
  });

  it('bool and string', () => {
    assert.equal(accepts(field.bool(), false), false);
    rejects(field.bool(), 0, /boolean/);
    assert.equal(accepts(field.string(), ''), '');
    rejects(field.string(), 5, /string/);
    rejects(field.string({ maxLength: 3 }), 'abcd', /at most 3 characters/);
  });

  it('enum: one of the literals', () => {
    const spec = field.enum(['add', 'sub']);
    assert.equal(accepts(spec, 'sub'), 'sub');
    rejects(spec, 'mul', /one of "add", "sub"/);
    rejects(spec, 0, /one of/);
  });

  it('uuid', () => {
    const id = crypto.randomUUID();
    assert.equal(accepts(field.uuid(), id), id);
    rejects(field.uuid(), 'abc', /UUID/);
  });

  it('date: valid Dates only', () => {
    const now = new Date();
    assert.equal(accepts(field.date(), now), now);
    rejects(field.date(), new Date(Number.NaN), /valid Date/);
    rejects(field.date(), Date.now(), /valid Date/);
  });

  it('bytes: Uint8Array (Buffer included), capped when asked', () => {
    const bytes = new Uint8Array([1, 2]);
    assert.equal(accepts(field.bytes(), bytes), bytes);
    assert.ok(accepts(field.bytes(), Buffer.from([1])) instanceof Uint8Array);
    rejects(field.bytes(), [1, 2], /Uint8Array/);
    rejects(field.bytes(), new Int8Array(2), /Uint8Array/);
    rejects(field.bytes({ maxLength: 1 }), bytes, /at most 1 bytes/);
  });

  it('fixed-length arrays: right class and length, or plain numbers converted after a range check', () => {
    const spec = field.array('f32', 3);
    const values = new Float32Array([1, 2, 3]);
    assert.equal(accepts(spec, values), values);
    const converted = accepts(spec, [1, 2, 3]);
    assert.ok(converted instanceof Float32Array);
    assert.deepEqual(Array.from(converted), [1, 2, 3]);
    rejects(spec, new Float32Array(4), /Float32Array of length 3/);
    rejects(spec, new Float64Array(3), /Float32Array of length 3/);
    rejects(spec, [1, 2], /Float32Array of length 3/);
    rejects(field.array('u8', 2), [1, 256], /u8 element/, 'value[1]');
    rejects(field.array('i32', 2), [1, 'x'], /i32 element/, 'value[1]');
    const big = accepts(field.array('u64', 2), [1n, 2n ** 64n - 1n]);
    assert.ok(big instanceof BigUint64Array);
    rejects(field.array('i64', 1), [1], /i64 element/, 'value[0]');
  });

  it('variable-length arrays: any length of the right class', () => {
    const spec = field.array('i16');
    assert.equal((accepts(spec, new Int16Array(0)) as Int16Array).length, 0);
    assert.equal((accepts(spec, [1, 2, 3, 4, 5]) as Int16Array).length, 5);
    rejects(spec, new Uint16Array(2), /^Int16Array$/);
  });

  it('vectors: vec2/vec3/vec4 and vector arrays', () => {
    assert.equal((accepts(field.vec2('i32'), [1, 2]) as Int32Array).length, 2);
    rejects(field.vec3('f32'), [1, 2], /vec3<f32>/);
    assert.equal((accepts(field.vec4('u32'), [1, 2, 3, 4]) as Uint32Array).length, 4);
    assert.equal((accepts(field.vectorArray(3, 'f32', 2), new Float32Array(6)) as Float32Array).length, 6);
    rejects(field.vectorArray(3, 'f32', 2), new Float32Array(3), /array<vec3<f32>, 2>/);
  });

  it('lists: each item validated, with its index in the field path', () => {
    const spec = field.list(field.i32(), { maxLength: 3 });
    assert.deepEqual(accepts(spec, [1, 2]), [1, 2]);
    rejects(spec, [1, 'two'], /^i32/, 'value[1]');
    rejects(spec, [1, 2, 3, 4], /at most 3/);
    rejects(spec, 'abc', /array of i32/);
    const nested = field.list(field.list(field.bool()));
    rejects(nested, [[true], [false, 1]], /boolean/, 'value[1][1]');
  });

  it('optional: undefined allowed, other values checked by the inner field', () => {
    const spec = field.optional(field.u8());
    assert.equal(accepts(spec, undefined), undefined);
    assert.equal(accepts(spec, 3), 3);
    rejects(spec, 300, /^u8/);
  });

  it('nested messages: an instance or a plain init validated with the full path', () => {
    const Point = defineMessage('Point', { x: field.f32(), y: field.f32({ default: 0 }) });
    const spec = field.message(Point);
    const point = Point.create({ x: 1 });
    assert.equal(accepts(spec, point), point);
    const built = accepts(spec, { x: 2 });
    assert.ok(Point.is(built));
    assert.equal(built.x, 2);
    assert.equal(built.y, 0);
    rejects(spec, { x: 'far' }, /^f32/, 'value.x');
    rejects(spec, { x: 1, z: 2 }, /no such field in Point/, 'value.z');
    rejects(spec, 5, /Point init object/);
    const Path = defineMessage('Path', { points: field.list(field.message(Point)) });
    assert.throws(
      () =>
        Path.create({ points: [{ x: 1 }, { x: Number.POSITIVE_INFINITY }, { x: 'y' as unknown as number }] }),
      (error: unknown) => error instanceof MessageValidationError && error.field === 'points[2].x',
    );
  });

  it('json: JSON-compatible values only', () => {
    const value = { a: [1, 'x', null, true, { b: 2 }] };
    assert.equal(accepts(field.json(), value), value);
    rejects(field.json(), { a: new Date() }, /JSON value/);
    rejects(field.json(), { a: Number.NaN }, /JSON value/);
    rejects(field.json(), { a: 1n }, /JSON value/);
    rejects(field.json(), new Map(), /JSON value/);
    // JSON.parse makes an own __proto__ key, which msgpack decoders rename: refused, not mangled.
    rejects(field.json(), JSON.parse('{"a": {"__proto__": 1}}'), /JSON value/);
  });

  it('json: null is a valid value that round-trips, also at the top level and inside optional', () => {
    const J = defineMessage('JsonNull', { doc: field.json(), maybe: field.optional(field.json()) });
    const nulls = J.decode(J.encode(J.create({ doc: null, maybe: null })));
    assert.equal(nulls.doc, null);
    assert.equal(nulls.maybe, null, 'an optional json null stays null, not undefined');
    const absent = J.decode(J.encode(J.create({ doc: [null, { a: null }] })));
    assert.deepEqual(absent.doc, [null, { a: null }]);
    assert.equal(absent.maybe, undefined);
    const Defaulted = defineMessage('JsonNullDefault', { doc: field.json({ default: null }) });
    assert.equal(Defaulted.decode(Defaulted.encode(Defaulted.create({}))).doc, null);
    const Listed = defineMessage('JsonNullList', { docs: field.list(field.json()) });
    assert.deepEqual(Listed.decode(Listed.encode(Listed.create({ docs: [null, 1, null] }))).docs, [
      null,
      1,
      null,
    ]);
  });

  it('describes the bad value in the message', () => {
    assert.throws(() => single(field.i32())('seven'), /Probe\.value: got "seven", expected i32/);
    assert.throws(() => single(field.array('f32', 2))(new Float32Array(5)), /got Float32Array\(5\)/);
    assert.throws(() => single(field.u64())(-3n), /got -3n/);
  });
});
