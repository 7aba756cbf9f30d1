import type { GpuFieldLayout, GpuLayout } from './gpu-layout.js';
import { GpuLayoutError } from './errors.js';

/** C and C++ words a CUDA struct member or struct name must not take (WGSL's list misses some). */
const CUDA_RESERVED = new Set(
  (
    'alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t char8_t ' +
    'class compl concept const const_cast consteval constexpr constinit continue co_await co_return co_yield ' +
    'decltype default delete do double dynamic_cast else enum explicit export extern false float for friend ' +
    'goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private ' +
    'protected public register reinterpret_cast requires return short signed sizeof static static_assert ' +
    'static_cast struct switch template this thread_local throw true try typedef typeid typename union ' +
    'unsigned using virtual void volatile wchar_t while xor xor_eq int32_t uint32_t uint64_t size_t ' +
    'float2 float3 float4 int2 int3 int4 uint2 uint3 uint4 In Out'
  ).split(' '),
);

const SCALAR_C: Record<GpuFieldLayout['scalar'], string> = { f32: 'float', i32: 'int32_t', u32: 'uint32_t' };
const VECTOR_C: Record<GpuFieldLayout['scalar'], string> = { f32: 'float', i32: 'int', u32: 'uint' };

/** The CUDA C type of one element of a field (a scalar, or a builtin vector such as `float3`). */
function elementType(field: GpuFieldLayout): string {
  return field.vectorWidth === 1 ? SCALAR_C[field.scalar] : `${VECTOR_C[field.scalar]}${field.vectorWidth}`;
}

/**
 * The CUDA C flavour of a schema's GPU layout: a struct with the same byte offsets, size and stride as
 * the WGSL struct of {@link GpuLayout} (explicit padding members fill WGSL's alignment gaps, and
 * `static_assert`s pin every offset), so one buffer packed by `layout.pack` is read as-is by a CUDA
 * kernel. Scalars become `float` / `int32_t` / `uint32_t`, vectors CUDA's `float2..4` / `int2..4` /
 * `uint2..4`, fixed arrays C arrays. Arrays of `vec3` (stride 16 in WGSL) use a padded element struct.
 *
 * @throws {@link GpuLayoutError} when a field or struct name is a C/C++ keyword or a name the kernel
 * generator uses itself.
 *
 * @example
 * ```ts
 * const Particle = defineMessage('Particle', { position: field.vec3('f32'), mass: field.f32() });
 * cudaStruct(gpuLayout(Particle));
 * // struct Particle { float3 position; float mass; }; + static_asserts on offsets and size 16
 * ```
 */
export function cudaStruct(layout: GpuLayout): string {
  const typeName = layout.structName;
  const messageType = layout.definition.name;
  if (CUDA_RESERVED.has(typeName))
    throw new GpuLayoutError(
      messageType,
      undefined,
      `'${typeName}' is reserved in CUDA C; pass { structName }`,
    );
  const helpers: string[] = [];
  const members: string[] = [];
  const asserts: string[] = [];
  let at = 0;
  let padding = 0;
  for (const field of layout.fields) {
    if (CUDA_RESERVED.has(field.name))
      throw new GpuLayoutError(
        messageType,
        field.name,
        `'${field.name}' is reserved in CUDA C; rename the field`,
      );
    if (field.offset > at) members.push(`  uint8_t _pad${padding++}[${field.offset - at}];`);
    let type = elementType(field);
    if (
      field.arrayLength !== undefined &&
      field.arrayStride !== undefined &&
      field.arrayStride !== field.vectorWidth * 4
    ) {
      // vec3 elements of an array sit 16 bytes apart in WGSL; CUDA's float3 is 12 bytes long.
      const padded = `rk_${type}_stride${field.arrayStride}`;
      const guard = `RK_${padded.toUpperCase()}_DEFINED`;
      helpers.push(
        `#ifndef ${guard}`,
        `#define ${guard}`,
        `struct __align__(${field.align}) ${padded} { ${type} value; uint8_t _pad[${field.arrayStride - 12}]; };`,
        `#endif`,
      );
      type = padded;
    }
    members.push(
      field.arrayLength === undefined
        ? `  ${type} ${field.name}; // offset ${field.offset}, size ${field.size}`
        : `  ${type} ${field.name}[${field.arrayLength}]; // offset ${field.offset}, size ${field.size}`,
    );
    asserts.push(
      `static_assert(offsetof(${typeName}, ${field.name}) == ${field.offset}, "${typeName}.${field.name}");`,
    );
    at = field.offset + field.size;
  }
  if (layout.size > at) members.push(`  uint8_t _pad${padding}[${layout.size - at}];`);
  asserts.push(`static_assert(sizeof(${typeName}) == ${layout.size}, "${typeName} size");`);
  return [...helpers, `struct ${typeName} {`, ...members, '};', ...asserts, ''].join('\n');
}
