import type { DType, TypedArray } from '../dtype.js';
import { defineKernel, type KernelDefinition } from '../kernel.js';
import type { ComputeOrchestrator } from '../orchestrator.js';
import type { UnifiedBuffer } from '../unified-buffer.js';

/** A reduction operator. */
export type ReduceOperation = 'sum' | 'min' | 'max';

const FLOAT32_MAX = 3.4028234663852886e38;

/** Identity of each operator per dtype; min/max of an empty input return it. */
function identity(operation: ReduceOperation, dtype: DType): number {
  if (operation === 'sum') return 0;
  const sign = operation === 'min' ? 1 : -1;
  switch (dtype) {
    case 'int32':
      return operation === 'min' ? 2147483647 : -2147483648;
    case 'uint32':
      return operation === 'min' ? 4294967295 : 0;
    case 'float64':
      return sign * Number.MAX_VALUE;
    default:
      return sign * FLOAT32_MAX;
  }
}

function wgslIdentity(operation: ReduceOperation, type: string): string {
  if (operation === 'sum') return `${type}(0)`;
  if (type === 'i32') return operation === 'min' ? '2147483647i' : '(-2147483647i - 1i)';
  if (type === 'u32') return operation === 'min' ? '4294967295u' : '0u';
  return operation === 'min' ? '0x1.fffffep+127f' : '-0x1.fffffep+127f';
}

function reduceCpu(operation: ReduceOperation, dtype: DType, input: TypedArray): number {
  let accumulator = identity(operation, dtype);
  const n = input.length;
  if (operation === 'sum') {
    if (dtype === 'int32') for (let i = 0; i < n; i++) accumulator = (accumulator + input[i]!) | 0;
    else if (dtype === 'uint32') for (let i = 0; i < n; i++) accumulator = (accumulator + input[i]!) >>> 0;
    else for (let i = 0; i < n; i++) accumulator += input[i]!;
  } else if (operation === 'min') {
    for (let i = 0; i < n; i++) if (input[i]! < accumulator) accumulator = input[i]!;
  } else {
    for (let i = 0; i < n; i++) if (input[i]! > accumulator) accumulator = input[i]!;
  }
  return accumulator;
}

const REDUCE_WORKGROUP = 256;

function reduceKernel(operation: ReduceOperation): KernelDefinition<'input' | 'output', 'count'> {
  const combine =
    operation === 'sum'
      ? (a: string, b: string) => `${a} + ${b}`
      : (a: string, b: string) => `${operation}(${a}, ${b})`;
  return defineKernel({
    name: `reduce_${operation}`,
    buffers: {
      input: { access: 'read', dtypes: ['float32', 'float64', 'int32', 'uint32'], shape: ['n'] },
      output: { access: 'write', sameDtypeAs: 'input', shape: [1] },
    },
    // The element count travels as a scalar: an empty buffer is bound as one element (WebGPU
    // has no zero-sized bindings), so arrayLength would read 1.
    scalars: { count: { type: 'u32', derive: (dims) => dims.n ?? 0 } },
    // One work-group strides over the whole input, then reduces in shared memory: a single
    // dispatch, so results need no second pass (throughput is bounded by one compute unit).
    workSize: () => [REDUCE_WORKGROUP],
    cpu: ({ buffers: { input, output }, dtypes }) => {
      output[0] = reduceCpu(operation, dtypes.input, input);
    },
    webgpu: {
      workgroupSize: [REDUCE_WORKGROUP],
      source: ({ types }) => {
        const type = types.input;
        return `
var<workgroup> partial: array<${type}, ${REDUCE_WORKGROUP}>;
@compute @workgroup_size(${REDUCE_WORKGROUP})
fn main(@builtin(local_invocation_index) lane: u32) {
  let n = scalars.count;
  var accumulator: ${type} = ${wgslIdentity(operation, type)};
  for (var i = lane; i < n; i += ${REDUCE_WORKGROUP}u) { accumulator = ${combine('accumulator', 'input[i]')}; }
  partial[lane] = accumulator;
  workgroupBarrier();
  for (var stride = ${REDUCE_WORKGROUP / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lane < stride) { partial[lane] = ${combine('partial[lane]', 'partial[lane + stride]')}; }
    workgroupBarrier();
  }
  if (lane == 0u) { output[0] = partial[0]; }
}`;
      },
    },
  });
}

/**
 * Reductions into a one-element `output`: `reduceSum`, `reduceMin`, `reduceMax`
 * (float32, float64 on CPU, int32, uint32; integer sums wrap). Min/max of an empty input give
 * the dtype's largest/smallest finite value.
 *
 * @example
 * ```ts
 * const total = compute.buffer([1], 'float32');
 * await compute.run(reduceSum, { input: values, output: total });
 * const [sum] = await total.toArray();
 * ```
 */
export const reduceSum = reduceKernel('sum');
/** See {@link reduceSum}. */
export const reduceMin = reduceKernel('min');
/** See {@link reduceSum}. */
export const reduceMax = reduceKernel('max');

/** Elements each thread of the first pass folds, at least (keeps the partials few). */
const ELEMENTS_PER_THREAD = 16;
const MAX_PARTIALS = 4096;
/** Below this many elements one work-group is as fast as two passes. */
const SINGLE_PASS_LIMIT = 65_536;

function partialsKernel(operation: ReduceOperation): KernelDefinition<'input' | 'partials', 'count'> {
  const combine =
    operation === 'sum'
      ? (a: string, b: string) => `${a} + ${b}`
      : (a: string, b: string) => `${operation}(${a}, ${b})`;
  return defineKernel({
    name: `reduce_${operation}_partials`,
    buffers: {
      input: { access: 'read', dtypes: ['float32', 'int32', 'uint32'], shape: ['n'] },
      partials: { access: 'write', sameDtypeAs: 'input', shape: ['groups'] },
    },
    scalars: { count: { type: 'u32', derive: (dims) => dims.n ?? 0 } },
    workSize: (dims) => [(dims.groups ?? 0) * REDUCE_WORKGROUP],
    webgpu: {
      workgroupSize: [REDUCE_WORKGROUP],
      // Work-group g folds elements g·256 + lane + k·(groups·256); groups beyond the partials
      // (added when a launch is folded into 2-D) compute but never write.
      source: ({ types }) => {
        const type = types.input;
        return `
var<workgroup> partial: array<${type}, ${REDUCE_WORKGROUP}>;
@compute @workgroup_size(${REDUCE_WORKGROUP})
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) group: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let groupIndex = group.x + group.y * workgroups.x;
  let groupCount = arrayLength(&partials);
  let stride = groupCount * ${REDUCE_WORKGROUP}u;
  var accumulator: ${type} = ${wgslIdentity(operation, type)};
  for (var i = groupIndex * ${REDUCE_WORKGROUP}u + lane; i < scalars.count; i += stride) {
    accumulator = ${combine('accumulator', 'input[i]')};
  }
  partial[lane] = accumulator;
  workgroupBarrier();
  for (var half = ${REDUCE_WORKGROUP / 2}u; half > 0u; half = half >> 1u) {
    if (lane < half) { partial[lane] = ${combine('partial[lane]', 'partial[lane + half]')}; }
    workgroupBarrier();
  }
  if (lane == 0u && groupIndex < groupCount) { partials[groupIndex] = partial[0]; }
}`;
      },
    },
  });
}

const SINGLE_PASS = { sum: reduceSum, min: reduceMin, max: reduceMax } as const;
const FIRST_PASS = {
  sum: partialsKernel('sum'),
  min: partialsKernel('min'),
  max: partialsKernel('max'),
} as const;

/**
 * Reduces `input` into the one-element `output` using the whole device: on a GPU, large inputs
 * go through a first pass of many work-groups writing partial results (a pooled scratch
 * buffer), then `reduceSum`/`reduceMin`/`reduceMax` over the partials. On the CPU, and for small
 * inputs, it is the single-pass kernel.
 *
 * @example
 * ```ts
 * const total = compute.buffer([1], 'float32');
 * await runReduction(compute, values, 'sum', total);
 * const [sum] = await total.toArray();
 * ```
 */
export async function runReduction(
  compute: ComputeOrchestrator,
  input: UnifiedBuffer,
  operation: ReduceOperation,
  output: UnifiedBuffer,
): Promise<void> {
  const single = SINGLE_PASS[operation];
  if (compute.backend.sharesHostMemory || input.size <= SINGLE_PASS_LIMIT)
    return compute.run(single, { input, output });
  const groups = Math.min(Math.ceil(input.size / (REDUCE_WORKGROUP * ELEMENTS_PER_THREAD)), MAX_PARTIALS);
  const partials = compute.pool.acquire([groups], input.dtype);
  try {
    await compute.run(FIRST_PASS[operation], { input, partials });
    await compute.run(single, { input: partials, output });
  } finally {
    // Safe before the GPU finishes: the pool's next user is ordered after these launches on the queue.
    compute.pool.release(partials);
  }
}
