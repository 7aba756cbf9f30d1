import { InvalidArgumentError } from '../../errors.js';
import type { DType } from '../dtype.js';
import { defineKernel, type KernelDefinition } from '../kernel.js';

/** Options for {@link mapKernel}. */
export interface MapKernelOptions {
  /** Kernel name (appears in errors and compile diagnostics). Default `map`. */
  readonly name?: string;
  /** WGSL expression over `x` (the input element, of the buffer's WGSL type), e.g. `x * x + 1.0`. */
  readonly wgsl: string;
  /** The same function for the CPU backend (and the conformance reference). */
  readonly cpu: (x: number) => number;
  /** Accepted dtypes. Default float32 (and float64 on CPU). */
  readonly dtypes?: readonly DType[];
}

/**
 * An element-wise kernel `output[i] = f(input[i])` from a WGSL expression plus the equivalent
 * JavaScript function. Each expression compiles once per device (the compile cache keys on the
 * generated source).
 *
 * @example
 * ```ts
 * const square = mapKernel({ name: 'square', wgsl: 'x * x', cpu: (x) => x * x });
 * await compute.run(square, { input, output });
 * ```
 */
export function mapKernel(options: MapKernelOptions): KernelDefinition<'input' | 'output', never> {
  if (typeof options.wgsl !== 'string' || options.wgsl.trim() === '' || /[;{}]/.test(options.wgsl))
    throw new InvalidArgumentError('mapKernel(): wgsl must be a single expression over x (no ;, { or })');
  if (typeof options.cpu !== 'function')
    throw new InvalidArgumentError('mapKernel(): cpu must be a function (x) => number');
  const expression = options.wgsl;
  const fn = options.cpu;
  return defineKernel({
    name: options.name ?? 'map',
    buffers: {
      input: { access: 'read', dtypes: options.dtypes ?? ['float32', 'float64'], shape: ['n'] },
      output: { access: 'write', sameDtypeAs: 'input', shape: ['n'] },
    },
    workSize: (dims) => [dims.n ?? 0],
    cpu: ({ buffers: { input, output } }) => {
      for (let i = 0; i < output.length; i++) output[i] = fn(input[i]!);
    },
    webgpu: {
      workgroupSize: [256],
      source: ({ workgroupSize }) => `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = linear_index(global_id, workgroups);
  if (i < arrayLength(&output)) {
    let x = input[i];
    output[i] = ${expression};
  }
}`,
    },
  });
}
