import { InvalidArgumentError, describeValue } from '../errors.js';
import { cpuBackend } from './backends/cpu/cpu-backend.js';
import { webgpuBackend } from './backends/webgpu/webgpu-backend.js';
import type { BackendFactory, ComputeBackend } from './backend.js';
import { BackendUnavailableError } from './errors.js';

/** Device limits that shape launches and allocations. */
export interface AcceleratorLimits {
  /** Most work-groups per dispatch dimension (65,535 on WebGPU). */
  readonly maxWorkgroupsPerDimension: number;
  /** Most invocations in one work-group. */
  readonly maxWorkgroupInvocations: number;
  /** Largest storage-buffer binding in bytes. */
  readonly maxStorageBufferBindingSize: number;
  /** Largest single allocation in bytes. */
  readonly maxBufferSize: number;
  /** Required alignment of a binding offset (views bound on the device start at multiples of it). */
  readonly minStorageBufferOffsetAlignment: number;
  /** Most storage buffers one kernel may bind. */
  readonly maxStorageBuffersPerStage: number;
  /** Work-group shared memory in bytes. */
  readonly maxWorkgroupStorageSize: number;
}

/**
 * One device a backend could run on, as reported by discovery.
 *
 * @example
 * ```ts
 * for (const device of await listAccelerators())
 *   console.log(device.backend, device.name, device.available ? 'ok' : device.reason);
 * ```
 */
export interface AcceleratorInfo {
  readonly backend: string;
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  /** Whether a backend can be created on this device. */
  readonly available: boolean;
  /** Why the device or its backend is unusable (missing package, no adapter, ...); set when `available` is false. */
  readonly reason?: string;
  /**
   * Device memory in bytes when the platform reports it; WebGPU does not expose it and the
   * browser-safe CPU backend cannot ask the OS, so it is absent there.
   */
  readonly memoryBytes?: number;
  readonly limits: AcceleratorLimits;
  /** Optional capabilities, e.g. `shader-f16`. */
  readonly features: readonly string[];
  /** Backend-specific facts (Dawn flags, fallback adapter, logical cores). */
  readonly details: Readonly<Record<string, string>>;
}

/** `'auto'` picks the highest-priority available backend, falling back down the list. */
export type BackendChoice = 'auto' | 'cpu' | 'webgpu' | 'cuda';

/** Options shared by discovery and backend selection. */
export interface DiscoveryOptions {
  /** Factories to consider; defaults to {@link defaultBackendFactories}. */
  readonly factories?: readonly BackendFactory[];
}

/** The factories used when none are passed: WebGPU (Dawn in Node, `navigator.gpu` in a browser), then CPU. */
export function defaultBackendFactories(): BackendFactory[] {
  return [webgpuBackend(), cpuBackend()];
}

function byPriority(factories: readonly BackendFactory[]): BackendFactory[] {
  return [...factories].sort((left, right) => right.priority - left.priority);
}

/**
 * Reports every device each factory can see, usable or not (with the reason). Never throws:
 * a backend whose library is missing or broken shows up as `available: false`.
 *
 * @example
 * ```ts
 * const devices = await listAccelerators();
 * const gpu = devices.find((d) => d.backend === 'webgpu' && d.available);
 * ```
 */
export async function listAccelerators(options: DiscoveryOptions = {}): Promise<AcceleratorInfo[]> {
  const factories = byPriority(options.factories ?? defaultBackendFactories());
  const reports = await Promise.all(
    factories.map(async (factory): Promise<AcceleratorInfo[]> => {
      try {
        return await factory.discover();
      } catch (error) {
        return [unavailableAccelerator(factory.kind, `discovery failed: ${errorText(error)}`)];
      }
    }),
  );
  return reports.flat();
}

/**
 * The device `backend` would run on: for `'auto'` the first available one by priority.
 * Resolves to an entry with `available: false` (and the reasons) when nothing fits; never throws
 * for missing hardware.
 *
 * @example
 * ```ts
 * const device = await getAccelerator({ backend: 'auto' });
 * console.log(`running on ${device.backend}: ${device.name}`);
 * ```
 */
export async function getAccelerator(
  options: DiscoveryOptions & { readonly backend?: BackendChoice } = {},
): Promise<AcceleratorInfo> {
  const choice = options.backend ?? 'auto';
  assertBackendChoice(choice);
  const all = await listAccelerators(options);
  const candidates = choice === 'auto' ? all : all.filter((device) => device.backend === choice);
  const usable = candidates.find((device) => device.available);
  if (usable !== undefined) return usable;
  const reasons = candidates.map((device) => `${device.backend}: ${device.reason ?? 'unavailable'}`);
  return unavailableAccelerator(
    choice,
    reasons.length > 0 ? reasons.join('; ') : 'no factory for this backend',
  );
}

/**
 * Creates a backend: the named one, or for `'auto'` the highest-priority one that starts,
 * falling back to the next on failure.
 *
 * @throws BackendUnavailableError when the named backend (or, for `'auto'`, every backend) fails to start.
 *
 * @example
 * ```ts
 * const backend = await createBackend({ backend: 'auto' });
 * const compute = new ComputeOrchestrator(backend, { ownsBackend: true });
 * ```
 */
export async function createBackend(
  options: DiscoveryOptions & { readonly backend?: BackendChoice } = {},
): Promise<ComputeBackend> {
  const choice = options.backend ?? 'auto';
  assertBackendChoice(choice);
  const factories = byPriority(options.factories ?? defaultBackendFactories()).filter(
    (factory) => choice === 'auto' || factory.kind === choice,
  );
  if (factories.length === 0)
    throw new BackendUnavailableError(choice, 'no factory for this backend was passed in { factories }');
  const failures: string[] = [];
  for (const factory of factories) {
    try {
      return await factory.create();
    } catch (error) {
      failures.push(`${factory.kind}: ${errorText(error)}`);
    }
  }
  throw new BackendUnavailableError(choice, failures.join('; '));
}

function assertBackendChoice(choice: unknown): asserts choice is BackendChoice {
  if (choice !== 'auto' && choice !== 'cpu' && choice !== 'webgpu' && choice !== 'cuda')
    throw new InvalidArgumentError(
      `backend must be 'auto', 'cpu', 'webgpu' or 'cuda'; got ${describeValue(choice)}`,
    );
}

/** Limits of a device that cannot run anything (for unavailable entries). */
export const NO_LIMITS: AcceleratorLimits = Object.freeze({
  maxWorkgroupsPerDimension: 0,
  maxWorkgroupInvocations: 0,
  maxStorageBufferBindingSize: 0,
  maxBufferSize: 0,
  minStorageBufferOffsetAlignment: 1,
  maxStorageBuffersPerStage: 0,
  maxWorkgroupStorageSize: 0,
});

/** An `AcceleratorInfo` saying `backend` cannot be used, and why. */
export function unavailableAccelerator(backend: string, reason: string): AcceleratorInfo {
  return {
    backend,
    name: `${backend} (unavailable)`,
    vendor: 'unknown',
    architecture: 'unknown',
    available: false,
    reason,
    limits: NO_LIMITS,
    features: [],
    details: {},
  };
}

/** The message of an unknown thrown value. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return describeValue(error);
}
