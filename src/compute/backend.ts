import type { AcceleratorInfo, AcceleratorLimits } from './accelerator-info.js';
import type { CompileCache } from './compile-cache.js';
import type { DType, TypedArray } from './dtype.js';
import type { AnyKernelDefinition } from './kernel.js';

/** The backends ringkernel ships; custom backends may use other names. */
export const BACKEND_KINDS = ['cpu', 'webgpu'] as const;

/** The name of a backend ringkernel ships (see {@link BACKEND_KINDS}). */
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** An opaque device-side allocation owned by a backend (a `GPUBuffer` for WebGPU). */
export interface DeviceAllocation {
  /** Bytes allocated on the device (at least the buffer's byte length, padded to 4). */
  readonly byteLength: number;
  /** The backend-native object, for interop (`GPUBuffer` on WebGPU, `null` on the CPU). */
  readonly native: unknown;
}

/**
 * A buffer argument as a backend sees it: a `UnifiedBuffer` bound to this backend, its device copy
 * current (the orchestrator uploads before it launches).
 */
export interface LaunchBuffer {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Where the buffer starts in its device allocation (views share their parent's allocation). */
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The device allocation holding the buffer. */
  readonly device: DeviceAllocation;
  /** The host array, for backends that share host memory (CPU). */
  readHost(): TypedArray;
}

/** Everything a backend needs to run one kernel launch; built and validated by the orchestrator. */
export interface KernelLaunch {
  readonly kernel: AnyKernelDefinition;
  /** Buffer arguments in the kernel's declaration order (the binding order on WebGPU). */
  readonly buffers: ReadonlyMap<string, LaunchBuffer>;
  /** Scalar arguments in declaration order, defaults and derived values filled in. */
  readonly scalars: ReadonlyMap<string, number>;
  /** Symbolic dimensions bound from the buffers' shapes (e.g. `m`, `k`, `n` for matmul). */
  readonly dims: Readonly<Record<string, number>>;
  /** Number of work items per dimension, from the kernel's `workSize`. */
  readonly workSize: readonly number[];
}

/**
 * A place kernels run: owns device allocations, moves bytes, launches kernels.
 * Created by a {@link BackendFactory}; the orchestrator drives it.
 */
export interface ComputeBackend {
  readonly kind: string;
  /** Unique per backend instance (and so per device): part of every compile-cache key. */
  readonly id: string;
  readonly accelerator: AcceleratorInfo;
  readonly limits: AcceleratorLimits;
  /** True when kernels read the host arrays directly (CPU): buffers then never need a device copy. */
  readonly sharesHostMemory: boolean;
  /** Whether kernels on this backend can read and write `dtype`. */
  supportsDtype(dtype: DType): boolean;
  /** Reserves `byteLength` bytes on the device. */
  allocate(byteLength: number): DeviceAllocation;
  /** Returns an allocation (after the queued work using it). */
  free(allocation: DeviceAllocation): void;
  /** Copies `source` to the start of `allocation` (queued; ordered before later launches). */
  upload(allocation: DeviceAllocation, source: Uint8Array): void;
  /** Copies the start of `allocation` into `target` once all queued work is done. */
  download(allocation: DeviceAllocation, target: Uint8Array): Promise<void>;
  /** Runs a kernel, compiled once per backend through `cache`; await `synchronize()` before reading results. */
  launch(launch: KernelLaunch, cache: CompileCache): Promise<void>;
  /** Resolves when all queued work has finished on the device. */
  synchronize(): Promise<void>;
  /** Device allocations currently alive (for leak checks). */
  liveAllocations(): number;
  /** Frees everything the backend owns; the backend is unusable afterwards. */
  dispose(): void;
}

/**
 * Creates backends of one kind and reports the devices it could use. Factories are passed in
 * explicitly (nothing registers itself on import).
 *
 * @example
 * ```ts
 * const compute = await createOrchestrator({ backend: 'auto', factories: [webgpuBackend(), cpuBackend()] });
 * ```
 */
export interface BackendFactory {
  readonly kind: string;
  /** Higher is tried first by `backend: 'auto'`. */
  readonly priority: number;
  /** Lists the devices of this kind, with `available: false` and a reason when unusable. Never throws. */
  discover(scope?: DeviceScope): Promise<AcceleratorInfo[]>;
  /** Creates a backend on the best device of this kind; throws `BackendUnavailableError` if there is none. */
  create(scope?: DeviceScope): Promise<ComputeBackend>;
}

/**
 * Which devices a factory should consider. `backend: 'auto'` asks for hardware only: it would never
 * pick a GPU emulated in software, so a factory may skip probing for one (Dawn's software paths are
 * slow to start and print driver warnings).
 */
export interface DeviceScope {
  /** Skip devices emulated in software (`AcceleratorInfo.software`). */
  readonly hardwareOnly?: boolean;
}
