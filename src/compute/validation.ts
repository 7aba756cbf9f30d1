import { describeValue } from '../errors.js';
import type { ComputeBackend, KernelLaunch } from './backend.js';
import { KernelArgumentError, UnsupportedDtypeError } from './errors.js';
import {
  DEFAULT_DTYPES,
  type AnyKernelDefinition,
  type BufferParameter,
  type ScalarParameter,
} from './kernel.js';
import { supportedDtypes, type DType } from './dtype.js';
import { formatShape } from './shape.js';
import { UnifiedBuffer } from './unified-buffer.js';

const SCALAR_RANGES = {
  i32: [-(2 ** 31), 2 ** 31 - 1],
  u32: [0, 2 ** 32 - 1],
} as const;

/** A validated launch whose buffers are the caller's `UnifiedBuffer`s (the orchestrator syncs them). */
export interface ResolvedLaunch extends KernelLaunch {
  readonly buffers: ReadonlyMap<string, UnifiedBuffer>;
}

/**
 * Checks `args` against the kernel's declared parameters for a launch on `backend`, binds the
 * shape symbols and fills in scalars. Every problem throws `KernelArgumentError` naming the
 * kernel, the parameter and what to change.
 */
export function resolveLaunch(
  kernel: AnyKernelDefinition,
  args: Readonly<Record<string, unknown>>,
  backend: ComputeBackend,
): ResolvedLaunch {
  const fail = (parameter: string, problem: string): never => {
    throw new KernelArgumentError(kernel.name, parameter, problem);
  };
  const bufferNames = kernel.bufferNames as readonly string[];
  const scalarNames = kernel.scalarNames as readonly string[];
  const bufferParameters: Readonly<Record<string, BufferParameter>> = kernel.buffers;
  const scalarParameters: Readonly<Record<string, ScalarParameter>> = kernel.scalars;
  for (const name of Object.keys(args))
    if (!(name in kernel.buffers) && !(name in kernel.scalars))
      fail(name, `unknown parameter; '${kernel.name}' takes ${[...bufferNames, ...scalarNames].join(', ')}`);

  const buffers = new Map<string, UnifiedBuffer>();
  const dims: Record<string, number> = {};
  const shapes: Record<string, readonly number[]> = {};
  for (const name of bufferNames) {
    const parameter = bufferParameters[name] as BufferParameter;
    const argument = args[name];
    if (!(argument instanceof UnifiedBuffer))
      return fail(name, `expected a UnifiedBuffer, got ${describeValue(argument)}`);
    const value: UnifiedBuffer<DType> = argument as UnifiedBuffer<DType>;
    if (value.disposed) fail(name, 'the buffer is disposed (or was released to its pool)');
    const owner = value.backend;
    if (owner !== backend && !(owner === null && backend.sharesHostMemory))
      fail(
        name,
        `the buffer belongs to ${owner === null ? 'no backend (host-only)' : `backend ${owner.id}`}, ` +
          `not to this orchestrator's ${backend.id}; create it with compute.buffer() or compute.pool.acquire()`,
      );
    const sameAs = parameter.sameDtypeAs;
    if (sameAs !== undefined) {
      const other = args[sameAs];
      const otherDtype = other instanceof UnifiedBuffer ? (other as UnifiedBuffer<DType>).dtype : undefined;
      if (otherDtype !== undefined && otherDtype !== value.dtype)
        fail(name, `dtype ${value.dtype} must equal the dtype of '${sameAs}' (${otherDtype})`);
    }
    const allowed = parameter.dtypes ?? (sameAs === undefined ? DEFAULT_DTYPES : undefined);
    if (allowed !== undefined && !allowed.includes(value.dtype))
      fail(name, `dtype ${value.dtype} is not accepted; use one of ${allowed.join(', ')}`);
    if (!backend.supportsDtype(value.dtype))
      throw new UnsupportedDtypeError(
        value.dtype,
        `the ${backend.kind} backend (kernel '${kernel.name}', '${name}')`,
        supportedDtypes(backend),
      );
    if (parameter.shape !== undefined) {
      if (parameter.shape.length !== value.shape.length)
        fail(
          name,
          `shape ${formatShape(value.shape)} must have ${parameter.shape.length} dimension(s) [${parameter.shape.join(', ')}]`,
        );
      parameter.shape.forEach((rule, axis) => {
        const actual = value.shape[axis] ?? 0;
        if (typeof rule === 'number') {
          if (actual !== rule) fail(name, `dimension ${axis} is ${actual}, must be ${rule}`);
        } else if (rule !== '*') {
          const bound = dims[rule];
          if (bound === undefined) dims[rule] = actual;
          else if (bound !== actual)
            fail(
              name,
              `shape ${formatShape(value.shape)} mismatch: dimension ${axis} ('${rule}') is ${actual} but another argument fixed '${rule}' = ${bound}`,
            );
        }
      });
    }
    buffers.set(name, value);
    shapes[name] = value.shape;
  }

  const scalars = new Map<string, number>();
  for (const name of scalarNames) {
    const parameter = scalarParameters[name] as ScalarParameter;
    let value = args[name];
    if (value === undefined) value = parameter.default ?? parameter.derive?.(dims);
    if (value === undefined) return fail(name, `missing scalar argument (${parameter.type})`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      return fail(name, `expected a finite number (${parameter.type}), got ${describeValue(value)}`);
    if (parameter.type !== 'f32') {
      const [low, high] = SCALAR_RANGES[parameter.type];
      if (!Number.isInteger(value) || value < low || value > high)
        fail(name, `expected an integer in ${low}..${high} (${parameter.type}), got ${value}`);
    }
    scalars.set(name, value);
  }

  const problem = kernel.validate?.({ dims, shapes });
  if (problem !== undefined) fail(problem.parameter, problem.problem);
  const workSize = kernel.workSize(dims, Object.fromEntries(scalars));
  return { kernel, buffers, scalars, dims, workSize };
}
