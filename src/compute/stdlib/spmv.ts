import type { TypedArray } from '../dtype.js';
import { defineKernel } from '../kernel.js';

/**
 * Sparse matrix × dense vector, matrix in CSR form: `y[r] = Σ values[k] * x[columnIndices[k]]`
 * for `k` in `rowPointers[r] .. rowPointers[r + 1]`. `rowPointers` has rows + 1 entries.
 *
 * @example
 * ```ts
 * await compute.run(spmvCsr, { rowPointers, columnIndices, values, x, y });
 * ```
 */
export const spmvCsr = defineKernel({
  name: 'spmv_csr',
  buffers: {
    rowPointers: { access: 'read', dtypes: ['int32', 'uint32'], shape: ['rowPointerCount'] },
    columnIndices: { access: 'read', dtypes: ['int32', 'uint32'], shape: ['nonzeros'] },
    values: { access: 'read', dtypes: ['float32', 'float64'], shape: ['nonzeros'] },
    x: { access: 'read', sameDtypeAs: 'values', shape: ['columns'] },
    y: { access: 'write', sameDtypeAs: 'values', shape: ['rows'] },
  },
  validate: ({ dims }) =>
    dims.rowPointerCount === (dims.rows ?? 0) + 1
      ? undefined
      : {
          parameter: 'rowPointers',
          problem: `has ${dims.rowPointerCount} entries; needs rows + 1 = ${(dims.rows ?? 0) + 1} (y has ${dims.rows} rows)`,
        },
  workSize: (dims) => [dims.rows ?? 0],
  cpu: ({ buffers: { rowPointers, columnIndices, values, x, y } }) =>
    spmvCsrLoop(rowPointers, columnIndices, values, x, y),
  webgpu: {
    workgroupSize: [256],
    source: ({ workgroupSize, types }) => `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let row = linear_index(global_id, workgroups);
  if (row >= arrayLength(&y)) { return; }
  let end = u32(rowPointers[row + 1u]);
  var sum: ${types.values} = ${types.values}(0);
  for (var k = u32(rowPointers[row]); k < end; k++) {
    sum += values[k] * x[u32(columnIndices[k])];
  }
  y[row] = sum;
}`,
  },
});

/** The CPU CSR loop: kept free of closures and allocation so V8 compiles it tight. */
function spmvCsrLoop(
  rowPointers: TypedArray,
  columnIndices: TypedArray,
  values: TypedArray,
  x: TypedArray,
  y: TypedArray,
): void {
  const rows = y.length;
  let start = rowPointers[0]!;
  for (let row = 0; row < rows; row++) {
    const end = rowPointers[row + 1]!;
    let sum = 0;
    for (let k = start; k < end; k++) sum += values[k]! * x[columnIndices[k]!]!;
    y[row] = sum;
    start = end;
  }
}
