import type { TypedArray } from '../dtype.js';
import { defineKernel } from '../kernel.js';

const ELEMENTWISE_DTYPES = ['float32', 'float64', 'int32', 'uint32'] as const;

/** Element type conversion for a scalar `alpha` in WGSL, matching what the CPU reference does. */
function integerSafeProduct(dtype: string): (value: number, alpha: number) => number {
  // Integer buffers wrap like WGSL i32/u32: truncate alpha, multiply modulo 2^32.
  if (dtype === 'int32' || dtype === 'uint32') return (value, alpha) => Math.imul(value, Math.trunc(alpha));
  return (value, alpha) => value * alpha;
}

/**
 * `out[i] = a[i] + b[i]` over 1-D buffers of equal length (float32, float64 on CPU, int32, uint32;
 * integers wrap).
 *
 * @example
 * ```ts
 * await compute.run(vectorAdd, { a, b, out });
 * ```
 */
export const vectorAdd = defineKernel({
  name: 'vector_add',
  buffers: {
    a: { access: 'read', dtypes: ELEMENTWISE_DTYPES, shape: ['n'] },
    b: { access: 'read', sameDtypeAs: 'a', shape: ['n'] },
    out: { access: 'write', sameDtypeAs: 'a', shape: ['n'] },
  },
  workSize: (dims) => [dims.n ?? 0],
  cpu: ({ buffers: { a, b, out } }) => addArrays(a, b, out),
  webgpu: {
    workgroupSize: [256],
    source: ({ workgroupSize }) => `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = linear_index(global_id, workgroups);
  if (i < arrayLength(&out)) { out[i] = a[i] + b[i]; }
}`,
  },
});

function addArrays(a: TypedArray, b: TypedArray, out: TypedArray): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

/**
 * `out[i] = alpha * x[i]` (integer buffers: alpha truncated, product wraps).
 *
 * @example
 * ```ts
 * await compute.run(vectorScale, { x, out, alpha: 0.5 });
 * ```
 */
export const vectorScale = defineKernel({
  name: 'vector_scale',
  buffers: {
    x: { access: 'read', dtypes: ELEMENTWISE_DTYPES, shape: ['n'] },
    out: { access: 'write', sameDtypeAs: 'x', shape: ['n'] },
  },
  scalars: { alpha: { type: 'f32' } },
  workSize: (dims) => [dims.n ?? 0],
  cpu: ({ buffers: { x, out }, scalars: { alpha }, dtypes }) => {
    const product = integerSafeProduct(dtypes.x);
    const a = dtypes.x === 'float32' ? Math.fround(alpha) : alpha;
    for (let i = 0; i < out.length; i++) out[i] = product(x[i]!, a);
  },
  webgpu: {
    workgroupSize: [256],
    source: ({ workgroupSize, types }) => `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = linear_index(global_id, workgroups);
  if (i < arrayLength(&out)) { out[i] = ${types.x}(scalars.alpha) * x[i]; }
}`,
  },
});

/**
 * BLAS axpy: `out[i] = alpha * x[i] + y[i]` (float32, float64 on CPU).
 *
 * @example
 * ```ts
 * await compute.run(axpy, { x, y, out, alpha: 2 });
 * ```
 */
export const axpy = defineKernel({
  name: 'axpy',
  buffers: {
    x: { access: 'read', dtypes: ['float32', 'float64'], shape: ['n'] },
    y: { access: 'read', sameDtypeAs: 'x', shape: ['n'] },
    out: { access: 'write', sameDtypeAs: 'x', shape: ['n'] },
  },
  scalars: { alpha: { type: 'f32' } },
  workSize: (dims) => [dims.n ?? 0],
  cpu: ({ buffers: { x, y, out }, scalars: { alpha }, dtypes }) => {
    const a = dtypes.x === 'float32' ? Math.fround(alpha) : alpha;
    for (let i = 0; i < out.length; i++) out[i] = a * x[i]! + y[i]!;
  },
  webgpu: {
    workgroupSize: [256],
    source: ({ workgroupSize }) => `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = linear_index(global_id, workgroups);
  if (i < arrayLength(&out)) { out[i] = scalars.alpha * x[i] + y[i]; }
}`,
  },
});
