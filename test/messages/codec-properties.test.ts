/**
 * Property tests of the message codec (fast-check). Deterministic by default: a fixed seed and a
 * small number of runs per property. `FUZZ_RUNS=5000` runs more; `FUZZ_SEED=<n>` replays or varies
 * the seed (a failure prints the seed and path to replay it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { RingKernelError } from '../../src/errors.js';
import {
  defineMessage,
  field,
  MessageCodec,
  MessageRegistry,
  type JsonValue,
  type MessageOf,
} from '../../src/messages/index.js';
import { fuzzParameters } from '../helpers/fuzz.js';

const parameters: fc.Parameters<unknown> = fuzzParameters(150, 20_261_125);

const Point = defineMessage('FuzzPoint', { x: field.f32(), y: field.f32() });

const Everything = defineMessage('FuzzEverything', {
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
  operation: field.enum(['add', 'sub', 'mul']),
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
  maybeExtra: field.optional(field.json()),
});
type Everything = MessageOf<typeof Everything>;

const F32_MAX = 3.4028234663852886e38;
const point = fc.record({
  x: fc.double({ min: -F32_MAX, max: F32_MAX }),
  y: fc.oneof(fc.constant(Number.NaN), fc.constant(Number.NEGATIVE_INFINITY), fc.constant(-0), fc.float()),
});
/** Well-formed Unicode: UTF-8 cannot carry a lone surrogate (it would arrive as U+FFFD). */
const text = fc.string({ unit: 'binary', maxLength: 40 });
/**
 * JSON semantics: -0 is 0 in JSON, and so in json fields. Keys named `__proto__` are refused by
 * json fields (no msgpack decoder restores them), so none are generated.
 */
const json: fc.Arbitrary<JsonValue> = fc
  .jsonValue({ maxDepth: 4 })
  .map(
    (value) =>
      JSON.parse(JSON.stringify(value), (key, item: unknown) =>
        key === '__proto__' ? undefined : item,
      ) as JsonValue,
  );
const uuid = fc
  .uuid()
  .map((value) => value.toUpperCase())
  .chain((upper) => fc.constantFrom(upper, upper.toLowerCase()));

const everything: fc.Arbitrary<Everything> = fc
  .record({
    f32: fc.double({ min: -F32_MAX, max: F32_MAX }),
    f64: fc.double(),
    i8: fc.integer({ min: -128, max: 127 }),
    u8: fc.integer({ min: 0, max: 255 }),
    i16: fc.integer({ min: -32768, max: 32767 }),
    u16: fc.integer({ min: 0, max: 65535 }),
    i32: fc.integer(),
    u32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    i64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    u64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    flag: fc.boolean(),
    text,
    operation: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const),
    reference: uuid,
    when: fc.date({ noInvalidDate: true }),
    blob: fc.uint8Array({ maxLength: 64 }),
    position: fc.float32Array({ minLength: 3, maxLength: 3 }),
    samples: fc.float64Array({ maxLength: 16 }),
    ids: fc.bigUint64Array({ minLength: 2, maxLength: 2 }),
    counts: fc.int16Array({ maxLength: 16 }),
    velocity: fc.float32Array({ minLength: 3, maxLength: 3 }),
    corners: fc.int32Array({ minLength: 4, maxLength: 4 }),
    names: fc.array(text, { maxLength: 5 }),
    points: fc.array(point, { maxLength: 4 }),
    origin: point,
    note: fc.option(text, { nil: undefined }),
    missing: fc.option(fc.date({ noInvalidDate: true }), { nil: undefined }),
    extra: json,
    maybeExtra: fc.option(json, { nil: undefined }),
    priority: fc.integer({ min: 0, max: 255 }),
    correlationId: fc.option(uuid, { nil: undefined }),
  })
  .map((init) => Everything.create(init));

const codec = new MessageCodec();
const registry = new MessageRegistry([Everything, Point]);

/** A typed error: one of the project's error classes, with a stable string code. */
function assertTyped(error: unknown, input: Uint8Array): void {
  if (error instanceof RingKernelError && typeof error.code === 'string' && error.code !== '') return;
  assert.fail(
    `decoding ${Buffer.from(input).toString('hex').slice(0, 200)} threw an untyped ${
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }`,
  );
}

/** Decodes `bytes` every way there is; each must return a message or throw a typed error. */
function decodeEveryWay(bytes: Uint8Array): void {
  for (const decode of [
    () => Everything.decode(bytes),
    () => Point.decode(bytes),
    () => codec.decode(bytes, Everything),
    () => registry.decode(bytes),
  ]) {
    try {
      decode();
    } catch (error) {
      assertTyped(error, bytes);
    }
  }
}

/** A byte-level change of a valid encoding. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 9 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : change.at % bytes.length;
  const out = bytes.slice();
  switch (change.kind) {
    case 'flip':
      out[at] = out[at]! ^ (1 << change.bit);
      return out;
    case 'set':
      out[at] = change.byte;
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'insert':
      return Uint8Array.from([...out.subarray(0, at), ...change.bytes, ...out.subarray(at)]);
    case 'remove':
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + change.count)]);
  }
}

describe(`codec properties (${String(parameters.numRuns)} runs each, seed ${String(parameters.seed)}; FUZZ_RUNS and FUZZ_SEED change them)`, () => {
  it('every valid message round-trips exactly, through a definition, a codec and a registry', () => {
    fc.assert(
      fc.property(everything, (message) => {
        const bytes = Everything.encode(message);
        for (const decoded of [
          Everything.decode(bytes),
          codec.decode(bytes, Everything),
          registry.decode(bytes),
        ]) {
          assert.ok(Everything.is(decoded));
          assert.deepStrictEqual(decoded, message);
        }
        assert.deepStrictEqual(codec.encode(Everything.decode(bytes)), bytes, 'the encoding is canonical');
      }),
      parameters,
    );
  });

  it('random bytes decode to typed errors only (never a raw TypeError or RangeError)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => decodeEveryWay(bytes)),
      parameters,
    );
  });

  it('msgpack-shaped random input decodes to typed errors only', () => {
    // Tagged arrays of random values get past the outer checks and into the field decoders.
    const value = fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withDate: true,
      withTypedArray: true,
      withNullPrototype: true,
    });
    const wire = fc.oneof(
      fc.array(value, { maxLength: 40 }).map((rest) => ['FuzzEverything', ...rest]),
      fc.array(value, { maxLength: 8 }).map((rest) => ['FuzzPoint', ...rest]),
      value,
    );
    const packer = new MessageCodec();
    fc.assert(
      fc.property(wire, (value) => {
        let bytes: Uint8Array;
        try {
          bytes = pack(value);
        } catch {
          return; // msgpackr cannot pack every JS value; those never reach a decoder
        }
        if (bytes.length <= packer.maxBytes) decodeEveryWay(bytes);
      }),
      parameters,
    );
  });

  it('mutated valid encodings decode to a message or a typed error, never anything else', () => {
    fc.assert(
      fc.property(everything, fc.array(mutation, { minLength: 1, maxLength: 4 }), (message, changes) => {
        let bytes = Everything.encode(message);
        for (const change of changes) bytes = mutate(bytes, change);
        decodeEveryWay(bytes);
      }),
      parameters,
    );
  });
});
