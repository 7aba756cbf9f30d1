import type { AcceleratorInfo, AcceleratorLimits } from '../../accelerator-info.js';
import type { BackendFactory, ComputeBackend, DeviceAllocation, KernelLaunch } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { KernelNotImplementedError } from '../../errors.js';

const CPU_LIMITS: AcceleratorLimits = Object.freeze({
  maxWorkgroupsPerDimension: Number.MAX_SAFE_INTEGER,
  maxWorkgroupInvocations: 1,
  maxStorageBufferBindingSize: 2 ** 31 - 1,
  maxBufferSize: 2 ** 31 - 1,
  minStorageBufferOffsetAlignment: 1,
  maxStorageBuffersPerStage: Number.MAX_SAFE_INTEGER,
  maxWorkgroupStorageSize: 0,
});

let instances = 0;

/** Host facts the browser-safe core cannot read itself; the Node adapter supplies them. */
export interface CpuHostFacts {
  /** Processor model, e.g. from `os.cpus()[0].model`. */
  readonly model?: string;
  /** Installed memory in bytes. */
  readonly memoryBytes?: number;
  readonly logicalCores?: number;
}

function cpuInfo(facts: CpuHostFacts): AcceleratorInfo {
  const cores =
    facts.logicalCores ??
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return {
    backend: 'cpu',
    name: facts.model === undefined ? 'CPU' : `CPU (${facts.model})`,
    vendor: 'host',
    architecture: 'javascript',
    available: true,
    software: false,
    ...(facts.memoryBytes === undefined ? {} : { memoryBytes: facts.memoryBytes }),
    limits: CPU_LIMITS,
    features: ['float64', 'int8', 'uint8'],
    details: {
      execution: 'kernels run on the calling thread over the host typed arrays',
      ...(cores === undefined ? {} : { logicalCores: String(cores) }),
    },
  };
}

/**
 * The reference backend: runs each kernel's `cpu` implementation on the calling thread, directly
 * over the buffers' host typed arrays (no copies; buffers stay `host-only`). Always available.
 * Supports every dtype except `float16`.
 */
export class CpuBackend implements ComputeBackend {
  readonly kind = 'cpu';
  readonly id = `cpu#${++instances}`;
  readonly accelerator: AcceleratorInfo;
  readonly limits = CPU_LIMITS;
  readonly sharesHostMemory = true;
  #live = 0;

  constructor(facts: CpuHostFacts = {}) {
    this.accelerator = cpuInfo(facts);
  }

  supportsDtype(dtype: DType): boolean {
    return dtype !== 'float16';
  }

  allocate(byteLength: number): DeviceAllocation {
    this.#live++;
    return { byteLength, native: new ArrayBuffer(byteLength) };
  }

  free(_allocation: DeviceAllocation): void {
    this.#live--;
  }

  upload(allocation: DeviceAllocation, source: Uint8Array): void {
    new Uint8Array(allocation.native as ArrayBuffer).set(source);
  }

  download(allocation: DeviceAllocation, target: Uint8Array): Promise<void> {
    target.set(new Uint8Array(allocation.native as ArrayBuffer, 0, target.byteLength));
    return Promise.resolve();
  }

  launch(launch: KernelLaunch): Promise<void> {
    const implementation = launch.kernel.cpu;
    if (implementation === undefined) throw new KernelNotImplementedError(launch.kernel.name, 'cpu');
    const buffers: Record<string, TypedArray> = {};
    const dtypes: Record<string, DType> = {};
    const shapes: Record<string, readonly number[]> = {};
    for (const [name, buffer] of launch.buffers) {
      buffers[name] = buffer.readHost();
      dtypes[name] = buffer.dtype;
      shapes[name] = buffer.shape;
    }
    implementation({
      buffers,
      scalars: Object.fromEntries(launch.scalars),
      dims: launch.dims,
      dtypes,
      shapes,
    });
    return Promise.resolve();
  }

  synchronize(): Promise<void> {
    return Promise.resolve();
  }

  liveAllocations(): number {
    return this.#live;
  }

  dispose(): void {}
}

/**
 * Factory for the CPU backend (priority 0: `'auto'` uses it when nothing faster is available).
 * Pass host facts to have discovery report them (in Node, `nodeCpuBackend()` does).
 *
 * @example
 * ```ts
 * const compute = await createOrchestrator({ backend: cpuBackend() });
 * ```
 */
export function cpuBackend(facts: CpuHostFacts = {}): BackendFactory {
  return {
    kind: 'cpu',
    priority: 0,
    discover: () => Promise.resolve([cpuInfo(facts)]),
    create: () => Promise.resolve(new CpuBackend(facts)),
  };
}
