import { InvalidArgumentError } from '../errors.js';
import type { DType, TypedArray } from './dtype.js';

/** How a kernel uses a buffer parameter. `write` and `read-write` buffers are marked device-dirty after a launch. */
export type BufferAccess = 'read' | 'write' | 'read-write';

/** Declares a buffer parameter. */
export interface BufferParameter {
  readonly access: BufferAccess;
  /** Allowed dtypes. Default: the dtype of `sameDtypeAs`, else float32/int32/uint32/float64. */
  readonly dtypes?: readonly DType[];
  /** Must have the same dtype as this other buffer parameter. */
  readonly sameDtypeAs?: string;
  /**
   * Shape rule: numbers are exact sizes, strings are symbols bound across parameters
   * (`['m', 'k']` and `['k', 'n']` must agree on `k`), `'*'` is any size. The bound symbols are
   * passed to `workSize`, scalar `derive` and both implementations as `dims`.
   */
  readonly shape?: readonly (number | string)[];
}

/** WGSL scalar types usable as kernel scalars (passed in a uniform block). */
export type ScalarType = 'f32' | 'i32' | 'u32';

/** Declares a scalar parameter. */
export interface ScalarParameter {
  readonly type: ScalarType;
  /** Value used when the argument is omitted. */
  readonly default?: number;
  /** Computes the value from the bound dims when the argument is omitted (e.g. element counts). */
  readonly derive?: (dims: Readonly<Record<string, number>>) => number;
}

/** What a CPU implementation receives: host typed arrays (already synchronised), scalars and bound dims. */
export interface CpuKernelContext<B extends string, S extends string> {
  readonly buffers: Readonly<Record<B, TypedArray>>;
  readonly scalars: Readonly<Record<S, number>>;
  readonly dims: Readonly<Record<string, number>>;
  readonly dtypes: Readonly<Record<B, DType>>;
  readonly shapes: Readonly<Record<B, readonly number[]>>;
}

/** What a WGSL source generator receives. */
export interface WgslContext<B extends string> {
  /** WGSL element type of each buffer (`f32`, `i32`, `u32`, `f16`). */
  readonly types: Readonly<Record<B, string>>;
  readonly dtypes: Readonly<Record<B, DType>>;
  /** The `@workgroup_size(...)` attribute contents, e.g. `256` or `16, 16`. */
  readonly workgroupSize: string;
}

/**
 * The WebGPU implementation. The orchestrator prepends the bindings: one
 * `var<storage> NAME: array<T>` per buffer parameter in declaration order, a `scalars` uniform
 * holding the scalar parameters, and `fn linear_index(global_id, workgroups) -> u32`, which
 * 1-D kernels must use (large launches are folded into two dispatch dimensions).
 * Bindings cover exactly the buffer's elements, so `arrayLength` gives its length, except that an
 * empty buffer is bound as one element (WebGPU has no zero-sized bindings): kernels that can run
 * with an empty buffer should take its length as a derived scalar instead.
 */
export interface WebgpuImplementation<B extends string> {
  /** Threads per work-group: `[x]` for 1-D kernels, `[x, y]` for 2-D ones. */
  readonly workgroupSize: readonly number[];
  /** WGSL of the entry point `main` (and helpers), for the argument dtypes. */
  source(context: WgslContext<B>): string;
}

/** Everything needed to define a kernel; see {@link defineKernel}. */
export interface KernelSpec<B extends string, S extends string> {
  readonly name: string;
  readonly buffers: Readonly<Record<B, BufferParameter>>;
  readonly scalars?: Readonly<Record<S, ScalarParameter>>;
  /** Work items per dimension (`[n]` or `[x, y]`), from the bound dims and scalars. */
  workSize(dims: Readonly<Record<string, number>>, scalars: Readonly<Record<S, number>>): readonly number[];
  /** Extra validation across arguments; return a problem description or `undefined`. */
  validate?(context: {
    readonly dims: Readonly<Record<string, number>>;
    readonly shapes: Readonly<Record<B, readonly number[]>>;
  }): { readonly parameter: string; readonly problem: string } | undefined;
  /** Reference implementation over host typed arrays. */
  readonly cpu?: (context: CpuKernelContext<B, S>) => void;
  readonly webgpu?: WebgpuImplementation<B>;
}

/** A validated, frozen kernel definition. Run it with `orchestrator.run(kernel, args)`. */
export interface KernelDefinition<B extends string = string, S extends string = string> extends KernelSpec<
  B,
  S
> {
  readonly scalars: Readonly<Record<S, ScalarParameter>>;
  readonly bufferNames: readonly B[];
  readonly scalarNames: readonly S[];
}

/** A kernel definition with its parameter names erased (what backends see). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKernelDefinition = KernelDefinition<any, any>;

/** The dtypes buffer parameters accept when they declare none. */
export const DEFAULT_DTYPES: readonly DType[] = ['float32', 'int32', 'uint32', 'float64'];

/**
 * Defines a kernel with a CPU implementation (TypeScript over typed arrays) and/or a WebGPU
 * implementation (WGSL), and declared parameters that every launch is validated against.
 *
 * @example
 * ```ts
 * const double = defineKernel({
 *   name: 'double',
 *   buffers: { x: { access: 'read', dtypes: ['float32'], shape: ['n'] }, out: { access: 'write', sameDtypeAs: 'x', shape: ['n'] } },
 *   workSize: (dims) => [dims.n ?? 0],
 *   cpu: ({ buffers: { x, out } }) => { for (let i = 0; i < x.length; i++) out[i] = 2 * x[i]!; },
 *   webgpu: {
 *     workgroupSize: [256],
 *     source: ({ workgroupSize }) => `
 *       @compute @workgroup_size(${workgroupSize})
 *       fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) w: vec3u) {
 *         let i = linear_index(g, w);
 *         if (i < arrayLength(&out)) { out[i] = 2.0 * x[i]; }
 *       }`,
 *   },
 * });
 * await compute.run(double, { x, out });
 * ```
 */
export function defineKernel<const B extends string, const S extends string = never>(
  spec: KernelSpec<B, S>,
): KernelDefinition<B, S> {
  if (typeof spec.name !== 'string' || spec.name.length === 0)
    throw new InvalidArgumentError('defineKernel(): name must be a non-empty string');
  const bufferNames = Object.keys(spec.buffers) as B[];
  const scalars = (spec.scalars ?? {}) as Readonly<Record<S, ScalarParameter>>;
  const scalarNames = Object.keys(scalars) as S[];
  if (bufferNames.length === 0)
    throw new InvalidArgumentError(`defineKernel('${spec.name}'): declare at least one buffer parameter`);
  for (const name of [...bufferNames, ...scalarNames]) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name === 'scalars' || name === 'main')
      throw new InvalidArgumentError(
        `defineKernel('${spec.name}'): parameter name '${name}' must be a WGSL identifier other than 'scalars' and 'main'`,
      );
  }
  for (const name of bufferNames) {
    const parameter = spec.buffers[name];
    if (parameter.sameDtypeAs !== undefined && !(parameter.sameDtypeAs in spec.buffers))
      throw new InvalidArgumentError(
        `defineKernel('${spec.name}'): '${name}'.sameDtypeAs names unknown buffer '${parameter.sameDtypeAs}'`,
      );
  }
  if (spec.cpu === undefined && spec.webgpu === undefined)
    throw new InvalidArgumentError(
      `defineKernel('${spec.name}'): give a cpu or a webgpu implementation (or both)`,
    );
  const size = spec.webgpu?.workgroupSize;
  if (
    size !== undefined &&
    (size.length < 1 || size.length > 2 || size.some((d) => !Number.isSafeInteger(d) || d < 1))
  )
    throw new InvalidArgumentError(
      `defineKernel('${spec.name}'): webgpu.workgroupSize must be [x] or [x, y] of positive integers`,
    );
  return Object.freeze({ ...spec, scalars, bufferNames, scalarNames });
}
