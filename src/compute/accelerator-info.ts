import { describeValue } from '../errors.js';

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
  /**
   * True for a GPU emulated on the CPU (Mesa llvmpipe, SwiftShader, WARP, a fallback adapter). Such a
   * device works, but the CPU backend is faster on the same cores, so `backend: 'auto'` passes it over.
   */
  readonly software: boolean;
  /** Backend-specific facts (Dawn flags, fallback adapter, logical cores). */
  readonly details: Readonly<Record<string, string>>;
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
    software: false,
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

/**
 * True for a GPU adapter that renders in software (Mesa llvmpipe/softpipe/lavapipe, SwiftShader, WARP,
 * or one the platform flags as a fallback adapter), judged from what the adapter reports.
 */
export function looksLikeSoftwareAdapter(info: {
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly details: Readonly<Record<string, string>>;
}): boolean {
  if (info.details.fallbackAdapter === 'true') return true;
  const text = `${info.name} ${info.vendor} ${info.architecture} ${info.details.entry ?? ''}`.toLowerCase();
  return /llvmpipe|softpipe|swiftshader|lavapipe|warp|opengles/.test(text);
}
