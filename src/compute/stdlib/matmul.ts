import type { TypedArray } from '../dtype.js';
import { defineKernel } from '../kernel.js';

const TILE = 16;

/**
 * Dense matrix multiply `out[m×n] = a[m×k] · b[k×n]` (row-major; float32, float64 on CPU).
 * WebGPU: 16×16 tiles staged through work-group memory.
 *
 * @example
 * ```ts
 * await compute.run(matmul, { a: compute.buffer([m, k]), b: compute.buffer([k, n]), out: compute.buffer([m, n]) });
 * ```
 */
export const matmul = defineKernel({
  name: 'matmul',
  buffers: {
    a: { access: 'read', dtypes: ['float32', 'float64'], shape: ['m', 'k'] },
    b: { access: 'read', sameDtypeAs: 'a', shape: ['k', 'n'] },
    out: { access: 'write', sameDtypeAs: 'a', shape: ['m', 'n'] },
  },
  scalars: {
    m: { type: 'u32', derive: (dims) => dims.m ?? 0 },
    n: { type: 'u32', derive: (dims) => dims.n ?? 0 },
    k: { type: 'u32', derive: (dims) => dims.k ?? 0 },
  },
  workSize: (dims) => [dims.n ?? 0, dims.m ?? 0],
  cpu: ({ buffers: { a, b, out }, dims }) => matmulLoop(a, b, out, dims.m ?? 0, dims.n ?? 0, dims.k ?? 0),
  webgpu: {
    workgroupSize: [TILE, TILE],
    source: ({ types }) => {
      const type = types.a;
      return `
var<workgroup> tileA: array<array<${type}, ${TILE}>, ${TILE}>;
var<workgroup> tileB: array<array<${type}, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(local_invocation_id) local_id: vec3<u32>) {
  let row = global_id.y;
  let column = global_id.x;
  var accumulator: ${type} = ${type}(0);
  let tiles = (scalars.k + ${TILE - 1}u) / ${TILE}u;
  for (var tile = 0u; tile < tiles; tile++) {
    let aColumn = tile * ${TILE}u + local_id.x;
    let bRow = tile * ${TILE}u + local_id.y;
    if (row < scalars.m && aColumn < scalars.k) {
      tileA[local_id.y][local_id.x] = a[row * scalars.k + aColumn];
    } else {
      tileA[local_id.y][local_id.x] = ${type}(0);
    }
    if (bRow < scalars.k && column < scalars.n) {
      tileB[local_id.y][local_id.x] = b[bRow * scalars.n + column];
    } else {
      tileB[local_id.y][local_id.x] = ${type}(0);
    }
    workgroupBarrier();
    for (var i = 0u; i < ${TILE}u; i++) {
      accumulator += tileA[local_id.y][i] * tileB[i][local_id.x];
    }
    workgroupBarrier();
  }
  if (row < scalars.m && column < scalars.n) {
    out[row * scalars.n + column] = accumulator;
  }
}`;
    },
  },
});

/** i-p-j order so the inner loop streams rows of `b` and `out`; one double-precision row accumulator. */
function matmulLoop(a: TypedArray, b: TypedArray, out: TypedArray, m: number, n: number, k: number): void {
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    const aOffset = i * k;
    for (let p = 0; p < k; p++) {
      const scale = a[aOffset + p]!;
      const bOffset = p * n;
      for (let j = 0; j < n; j++) row[j]! += scale * b[bOffset + j]!;
    }
    const outOffset = i * n;
    for (let j = 0; j < n; j++) out[outOffset + j] = row[j]!;
  }
}
