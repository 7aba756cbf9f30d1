import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cudaStruct, defineMessage, field, gpuLayout, GpuLayoutError } from '../../src/messages/index.js';

test('the CUDA struct has the WGSL offsets: explicit padding, padded vec3 array elements, pinned by static_asserts', () => {
  const Shape = defineMessage('CuLayoutShape', {
    id: field.u32(),
    position: field.vec3('f32'),
    points: field.vectorArray(3, 'f32', 2),
    step: field.vec2('i32'),
    mask: field.vec4('u32'),
    weights: field.array('f32', 3),
  });
  const layout = gpuLayout(Shape);
  const source = cudaStruct(layout);
  assert.match(source, /struct __align__\(16\) rk_float3_stride16 \{ float3 value; uint8_t _pad\[4\]; \};/);
  assert.match(
    source,
    /struct CuLayoutShape \{\n {2}uint32_t id; \/\/ offset 0, size 4\n {2}uint8_t _pad0\[12\];\n {2}float3 position; \/\/ offset 16, size 12\n {2}uint8_t _pad1\[4\];\n {2}rk_float3_stride16 points\[2\]; \/\/ offset 32, size 32\n {2}int2 step; \/\/ offset 64, size 8\n {2}uint8_t _pad2\[8\];\n {2}uint4 mask; \/\/ offset 80, size 16\n {2}float weights\[3\]; \/\/ offset 96, size 12\n {2}uint8_t _pad3\[4\];\n\};/,
  );
  for (const entry of layout.fields)
    assert.ok(source.includes(`static_assert(offsetof(CuLayoutShape, ${entry.name}) == ${entry.offset},`));
  assert.ok(source.includes(`static_assert(sizeof(CuLayoutShape) == ${layout.size},`));
});

test('C/C++ keywords are refused as field or struct names, naming the field', () => {
  const Keyword = defineMessage('CuKeyword', { double: field.f32() });
  assert.throws(
    () => cudaStruct(gpuLayout(Keyword)),
    (error: unknown) => {
      assert.ok(error instanceof GpuLayoutError);
      assert.equal(error.field, 'double');
      assert.match(error.message, /reserved in CUDA C/);
      return true;
    },
  );
  const Fine = defineMessage('CuFine', { x: field.f32() });
  assert.throws(() => cudaStruct(gpuLayout(Fine, { structName: 'In' })), GpuLayoutError);
});
