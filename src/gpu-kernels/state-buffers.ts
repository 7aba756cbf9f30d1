import { GpuKernelDefinitionError } from './errors.js';

/** Element types a device-resident state buffer can hold (WGSL storage scalars). */
export type StateElementType = 'f32' | 'i32' | 'u32';

/** One buffer of a kernel's device-resident state. */
export interface StateBufferSpec {
  readonly type: StateElementType;
  /** Elements in the buffer. */
  readonly length: number;
  /** Initial contents (at most `length` values; the rest are zero). Default: zeros. */
  readonly init?: ArrayLike<number>;
}

/** A kernel's state: buffers by name; the names are the WGSL variable names. */
export type StateMap = Readonly<Record<string, StateBufferSpec>>;

/** The typed array a state buffer is on the host (CPU implementation). */
export type StateArrayOf<T extends StateElementType> = T extends 'f32'
  ? Float32Array
  : T extends 'i32'
    ? Int32Array
    : Uint32Array;

/** What a CPU implementation sees: one typed array per state buffer. */
export type StateViews<S extends StateMap> = { readonly [K in keyof S]: StateArrayOf<S[K]['type']> };

/** Names the generated WGSL uses itself. */
export const RESERVED_NAMES = new Set([
  'inputs',
  'outputs',
  'batch',
  'input',
  'output',
  'index',
  'main',
  'handle',
  'BatchInfo',
]);

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Validates state specs; returns them as ordered entries (the binding order). */
export function checkStateMap(kernelId: string | undefined, state: StateMap): [string, StateBufferSpec][] {
  const entries = Object.entries(state);
  for (const [name, spec] of entries) {
    if (!IDENTIFIER.test(name) || RESERVED_NAMES.has(name))
      throw new GpuKernelDefinitionError(
        kernelId,
        `state buffer name '${name}' must be a WGSL identifier other than ${[...RESERVED_NAMES].join(', ')}`,
      );
    if (spec.type !== 'f32' && spec.type !== 'i32' && spec.type !== 'u32')
      throw new GpuKernelDefinitionError(
        kernelId,
        `state buffer '${name}' has type ${String(spec.type)}; use 'f32', 'i32' or 'u32'`,
      );
    if (!Number.isSafeInteger(spec.length) || spec.length < 1)
      throw new GpuKernelDefinitionError(
        kernelId,
        `state buffer '${name}' needs a positive integer length, got ${String(spec.length)}`,
      );
    if (spec.init !== undefined && spec.init.length > spec.length)
      throw new GpuKernelDefinitionError(
        kernelId,
        `state buffer '${name}' has ${spec.init.length} initial values for ${spec.length} elements`,
      );
  }
  return entries;
}

/** A typed array of the state buffer's type over `buffer` (a fresh one when omitted), initialised. */
export function initialStateArray(
  spec: StateBufferSpec,
  buffer?: ArrayBuffer,
): Float32Array | Int32Array | Uint32Array {
  const array =
    spec.type === 'f32'
      ? new Float32Array(buffer ?? new ArrayBuffer(spec.length * 4), 0, spec.length)
      : spec.type === 'i32'
        ? new Int32Array(buffer ?? new ArrayBuffer(spec.length * 4), 0, spec.length)
        : new Uint32Array(buffer ?? new ArrayBuffer(spec.length * 4), 0, spec.length);
  array.fill(0);
  if (spec.init !== undefined) array.set(spec.init);
  return array;
}
