import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  defineMessage,
  field,
  GpuLayoutError,
  gpuLayout,
  type FieldMap,
  type GpuLayout,
} from '../../src/messages/index.js';

/** [name, offset, size, align] per field, as worked out by hand from the WGSL alignment rules. */
type Expected = [string, number, number, number][];

function assertLayout<F extends FieldMap>(
  layout: GpuLayout<F>,
  fields: Expected,
  size: number,
  align: number,
): void {
  assert.deepEqual(
    layout.fields.map((entry) => [entry.name, entry.offset, entry.size, entry.align]),
    fields,
  );
  assert.equal(layout.size, size);
  assert.equal(layout.align, align);
  assert.equal(layout.stride, size);
  assert.equal(layout.byteLength(3), 3 * size);
}

describe('gpuLayout: hand-checked WGSL layouts', () => {
  it('mixed scalars pack tightly at 4-byte alignment', () => {
    const Scalars = defineMessage('Scalars', { a: field.f32(), b: field.i32(), c: field.u32() });
    assertLayout(
      gpuLayout(Scalars),
      [
        ['a', 0, 4, 4],
        ['b', 4, 4, 4],
        ['c', 8, 4, 4],
      ],
      12,
      4,
    );
  });

  it('vec3 is aligned to 16 but 12 long, so a following f32 fills its tail', () => {
    const Particle = defineMessage('Particle', { position: field.vec3('f32'), mass: field.f32() });
    const layout = gpuLayout(Particle);
    assertLayout(
      layout,
      [
        ['position', 0, 12, 16],
        ['mass', 12, 4, 4],
      ],
      16,
      16,
    );
    assert.equal(layout.fields[0]?.wgslType, 'vec3<f32>');
  });

  it('a vec3 after a scalar skips to the next 16-byte boundary and the struct rounds to 16', () => {
    const Shifted = defineMessage('Shifted', { a: field.f32(), v: field.vec3('f32') });
    assertLayout(
      gpuLayout(Shifted),
      [
        ['a', 0, 4, 4],
        ['v', 16, 12, 16],
      ],
      32,
      16,
    );
  });

  it('vec2 aligns to 8; the struct rounds up to its largest alignment', () => {
    const Two = defineMessage('Two', { a: field.f32(), v: field.vec2('f32'), b: field.u32() });
    assertLayout(
      gpuLayout(Two),
      [
        ['a', 0, 4, 4],
        ['v', 8, 8, 8],
        ['b', 16, 4, 4],
      ],
      24,
      8,
    );
  });

  it('vec4 aligns to 16', () => {
    const Four = defineMessage('Four', { c: field.vec4('u32'), d: field.i32() });
    assertLayout(
      gpuLayout(Four),
      [
        ['c', 0, 16, 16],
        ['d', 16, 4, 4],
      ],
      32,
      16,
    );
  });

  it('array<f32, 3> has stride 4 and size 12', () => {
    const Arrays = defineMessage('Arrays', { values: field.array('f32', 3), tail: field.f32() });
    const layout = gpuLayout(Arrays);
    assertLayout(
      layout,
      [
        ['values', 0, 12, 4],
        ['tail', 12, 4, 4],
      ],
      16,
      4,
    );
    assert.equal(layout.fields[0]?.arrayStride, 4);
    assert.equal(layout.fields[0]?.wgslType, 'array<f32, 3>');
  });

  it('array<vec3<f32>, 2> has stride 16 and size 32', () => {
    const Corners = defineMessage('Corners', { corners: field.vectorArray(3, 'f32', 2), t: field.f32() });
    const layout = gpuLayout(Corners);
    assertLayout(
      layout,
      [
        ['corners', 0, 32, 16],
        ['t', 32, 4, 4],
      ],
      48,
      16,
    );
    assert.equal(layout.fields[0]?.arrayStride, 16);
    assert.equal(layout.fields[0]?.wgslType, 'array<vec3<f32>, 2>');
    assert.equal(layout.fields[0]?.components, 6);
  });

  it('array<vec2<i32>, 3> has stride 8', () => {
    const Pairs = defineMessage('Pairs', { flag: field.u32(), pairs: field.vectorArray(2, 'i32', 3) });
    const layout = gpuLayout(Pairs);
    assertLayout(
      layout,
      [
        ['flag', 0, 4, 4],
        ['pairs', 8, 24, 8],
      ],
      32,
      8,
    );
    assert.equal(layout.fields[1]?.arrayStride, 8);
  });

  it('produces the WGSL struct source', () => {
    const Particle = defineMessage('Particle', {
      position: field.vec3('f32'),
      mass: field.f32(),
      ids: field.array('u32', 2),
    });
    assert.equal(
      gpuLayout(Particle).wgsl,
      'struct Particle {\n' +
        '  position: vec3<f32>, // offset 0, size 12\n' +
        '  mass: f32, // offset 12, size 4\n' +
        '  ids: array<u32, 2>, // offset 16, size 8\n' +
        '}\n',
    );
    assert.match(gpuLayout(Particle, { structName: 'Body' }).wgsl, /^struct Body \{/);
  });
});

describe('gpuLayout: schemas that cannot go to the GPU', () => {
  const blocked = (
    fields: FieldMap,
    fieldName: string | undefined,
    pattern: RegExp,
    name = 'Blocked',
  ): void => {
    assert.throws(
      () => gpuLayout(defineMessage(name, fields)),
      (error: unknown) => {
        assert.ok(error instanceof GpuLayoutError, String(error));
        assert.equal(error.code, 'GPU_LAYOUT_UNSUPPORTED');
        assert.equal(error.field, fieldName);
        assert.match(error.message, pattern);
        return true;
      },
    );
  };

  it('names the field that blocks the layout and says why', () => {
    blocked(
      { ok: field.f32(), label: field.string() },
      'label',
      /Blocked\.label blocks GPU layout: string fields are not numeric/,
    );
    blocked({ wide: field.f64() }, 'wide', /no f64; use field\.f32\(\)/);
    blocked({ maybe: field.optional(field.f32()) }, 'maybe', /optional fields/);
    blocked({ bytes: field.array('u8', 4) }, 'bytes', /array elements are u8/);
    blocked({ open: field.array('f32') }, 'open', /variable-length arrays/);
    blocked({ flag: field.bool() }, 'flag', /bool fields are not numeric/);
    blocked({ big: field.i64() }, 'big', /i64 fields are not numeric/);
  });

  it('refuses names WGSL cannot use and empty schemas', () => {
    blocked({ type: field.f32() }, 'type', /reserved word/);
    blocked({ __x: field.f32() }, '__x', /no leading __/);
    blocked({ a: field.f32() }, undefined, /'Bad\$Name' is not a usable WGSL identifier/, 'Bad$Name');
    blocked({}, undefined, /no fields/);
  });
});

describe('gpuLayout: pack and unpack', () => {
  const Particle = defineMessage('Particle', {
    position: field.vec3('f32'),
    mass: field.f32(),
    id: field.u32(),
    charge: field.i32(),
    history: field.array('f32', 3),
    corners: field.vectorArray(3, 'f32', 2),
  });
  const layout = gpuLayout(Particle);
  const particles = [1, 2, 3].map((index) =>
    Particle.create({
      position: [index, index + 0.5, -index],
      mass: index * 10,
      id: 4294967295 - index,
      charge: -index,
      history: [index, 2 * index, 3 * index],
      corners: [1, 2, 3, 4, 5, index],
    }),
  );

  it('writes each field at its WGSL offset, struct after struct', () => {
    // position@0 (12) mass@12 id@16 charge@20 history@24 (12) corners@48 (stride 16) -> size 80
    assert.equal(layout.stride, 80);
    const buffer = new ArrayBuffer(layout.byteLength(3));
    assert.equal(layout.pack(particles, buffer), 240);
    const view = new DataView(buffer);
    for (const [index, particle] of particles.entries()) {
      const base = index * 80;
      assert.equal(view.getFloat32(base + 0, true), particle.position[0]);
      assert.equal(view.getFloat32(base + 8, true), particle.position[2]);
      assert.equal(view.getFloat32(base + 12, true), particle.mass);
      assert.equal(view.getUint32(base + 16, true), particle.id);
      assert.equal(view.getInt32(base + 20, true), particle.charge);
      assert.equal(view.getFloat32(base + 32, true), particle.history[2]);
      assert.equal(view.getFloat32(base + 48, true), 1);
      assert.equal(view.getFloat32(base + 56, true), 3);
      assert.equal(view.getFloat32(base + 64, true), 4, 'second vec3 starts one stride (16) later');
      assert.equal(view.getFloat32(base + 72, true), index + 1);
    }
  });

  it('leaves padding bytes alone', () => {
    const buffer = new ArrayBuffer(layout.byteLength(1));
    new Uint8Array(buffer).fill(0xaa);
    layout.pack([particles[0] as (typeof particles)[0]], buffer);
    const bytes = new Uint8Array(buffer);
    assert.deepEqual(Array.from(bytes.subarray(36, 48)), new Array<number>(12).fill(0xaa));
    assert.deepEqual(Array.from(bytes.subarray(60, 64)), [0xaa, 0xaa, 0xaa, 0xaa]);
  });

  it('round-trips through bytes (values rounded to float32)', () => {
    const buffer = new ArrayBuffer(layout.byteLength(3));
    layout.pack(particles, buffer);
    const back = layout.unpack(buffer, 3);
    assert.equal(back.length, 3);
    for (const [index, message] of back.entries()) {
      const original = particles[index] as (typeof particles)[0];
      assert.ok(Particle.is(message));
      assert.ok(Object.isFrozen(message));
      assert.notEqual(message.messageId, original.messageId);
      assert.deepEqual(message.position, original.position);
      assert.deepEqual(message.history, original.history);
      assert.deepEqual(message.corners, original.corners);
      assert.equal(message.id, original.id);
      assert.equal(message.charge, original.charge);
    }
    const Rounded = defineMessage('Rounded', { x: field.f32() });
    const roundedLayout = gpuLayout(Rounded);
    const bytes = new ArrayBuffer(4);
    roundedLayout.pack([Rounded.create({ x: 0.1 })], bytes);
    assert.equal(roundedLayout.unpack(bytes, 1)[0]?.x, Math.fround(0.1));
  });

  it('unpack with replyTo answers each request in order', () => {
    const buffer = new ArrayBuffer(layout.byteLength(3));
    layout.pack(particles, buffer);
    const replies = layout.unpack(buffer, 3, { replyTo: particles });
    assert.deepEqual(
      replies.map((reply) => reply.correlationId),
      particles.map((particle) => particle.messageId),
    );
    assert.deepEqual(
      replies.map((reply) => reply.priority),
      [128, 128, 128],
    );
    const urgent = Particle.create({ ...particles[0], messageId: undefined, priority: 240 } as never);
    assert.equal(
      layout.unpack(buffer, 1, { replyTo: [urgent] })[0]?.priority,
      240,
      'replies keep the request priority',
    );
    assert.throws(
      () => layout.unpack(buffer, 3, { replyTo: particles.slice(0, 2) }),
      /replyTo has 2 requests for 3/,
    );
    assert.throws(
      () => layout.unpack(buffer, 1, { replyTo: [{ messageId: 'nope', priority: 1 }] }),
      /replyTo\[0\] has messageId "nope"/,
    );
  });

  it('works at an offset, through views, on SharedArrayBuffer, and unaligned (DataView path) alike', () => {
    const reference = new ArrayBuffer(layout.byteLength(3));
    layout.pack(particles, reference);
    const expected = Array.from(new Uint8Array(reference));

    const shared = new SharedArrayBuffer(16 + layout.byteLength(3));
    assert.equal(layout.pack(particles, shared, 16), 240);
    assert.deepEqual(Array.from(new Uint8Array(shared, 16)), expected);

    const backing = new ArrayBuffer(8 + 3 + layout.byteLength(3));
    const unaligned = new Uint8Array(backing, 3);
    layout.pack(particles, unaligned, 8);
    assert.deepEqual(Array.from(new Uint8Array(backing, 11)), expected);
    const fromUnaligned = layout.unpack(new DataView(backing, 3), 3, { offset: 8 });
    assert.deepEqual(
      fromUnaligned.map((message) => Array.from(message.corners)),
      particles.map((particle) => Array.from(particle.corners)),
    );
    assert.deepEqual(
      fromUnaligned.map((message) => [message.id, message.charge, message.mass]),
      particles.map((particle) => [particle.id, particle.charge, particle.mass]),
    );
  });

  it('refuses a short buffer, bad offsets and foreign objects', () => {
    assert.throws(
      () => layout.pack(particles, new ArrayBuffer(239)),
      /needs 240: allocate layout\.byteLength/,
    );
    assert.throws(() => layout.pack(particles, new ArrayBuffer(240), -4), InvalidArgumentError);
    assert.throws(() => layout.unpack(new ArrayBuffer(80), 2), InvalidArgumentError);
    assert.throws(() => layout.unpack(new ArrayBuffer(80), -1), /count must be a non-negative integer/);
    const Other = defineMessage('Other', { mass: field.f32() });
    assert.throws(
      () => layout.pack([Other.create({ mass: 1 })] as never, new ArrayBuffer(80)),
      /messages\[0\] is Other instance, not a Particle message/,
    );
    assert.throws(() => layout.pack(particles, 'buffer' as never), /must be an ArrayBuffer/);
    assert.equal(layout.pack([], new ArrayBuffer(0)), 0);
    assert.deepEqual(layout.unpack(new ArrayBuffer(0), 0), []);
  });
});
