import type { AcceleratorInfo, AcceleratorLimits } from '../../accelerator-info.js';
import { unavailableAccelerator } from '../../accelerator-info.js';
import type { BackendFactory, ComputeBackend, DeviceAllocation, KernelLaunch } from '../../backend.js';
import type { DType } from '../../dtype.js';
import { BackendUnavailableError, KernelNotImplementedError } from '../../errors.js';
import {
  DEVICE_ATTRIBUTE,
  formatVersion,
  loadCudaDriver,
  type CudaDriver,
  type CuHandle,
} from './cuda-driver-node.js';

let instances = 0;

/** Everything discovery reports about one CUDA device. */
function describeDevice(driver: CudaDriver, ordinal: number): AcceleratorInfo {
  const device = driver.device(ordinal);
  const attribute = (which: number): number => driver.attribute(device, which);
  const major = attribute(DEVICE_ATTRIBUTE.computeCapabilityMajor);
  const minor = attribute(DEVICE_ATTRIBUTE.computeCapabilityMinor);
  const memoryBytes = driver.deviceTotalMemory(device);
  const limits: AcceleratorLimits = {
    maxWorkgroupsPerDimension: attribute(DEVICE_ATTRIBUTE.maxGridDimX),
    maxWorkgroupInvocations: attribute(DEVICE_ATTRIBUTE.maxThreadsPerBlock),
    maxStorageBufferBindingSize: memoryBytes,
    maxBufferSize: memoryBytes,
    minStorageBufferOffsetAlignment: 256,
    maxStorageBuffersPerStage: 4096,
    maxWorkgroupStorageSize: attribute(DEVICE_ATTRIBUTE.maxSharedMemoryPerBlock),
  };
  const features: string[] = [];
  if (attribute(DEVICE_ATTRIBUTE.canMapHostMemory) !== 0) features.push('mapped-host-memory');
  if (attribute(DEVICE_ATTRIBUTE.cooperativeLaunch) !== 0) features.push('cooperative-launch');
  if (attribute(DEVICE_ATTRIBUTE.hostNativeAtomicSupported) !== 0) features.push('host-native-atomics');
  if (attribute(DEVICE_ATTRIBUTE.kernelExecTimeout) === 0) features.push('persistent-kernels');
  return {
    backend: 'cuda',
    name: driver.deviceName(device),
    vendor: 'nvidia',
    architecture: `sm_${major}${minor}`,
    available: true,
    software: false,
    memoryBytes,
    limits,
    features,
    details: {
      ordinal: String(ordinal),
      driverVersion: formatVersion(driver.version),
      multiprocessors: String(attribute(DEVICE_ATTRIBUTE.multiprocessorCount)),
      integrated: attribute(DEVICE_ATTRIBUTE.integrated) !== 0 ? 'yes' : 'no',
    },
  };
}

/**
 * Lists the CUDA devices the driver sees, or one unavailable entry with the reason (no koffi, no
 * libcuda, driver too old, no device). Never throws.
 */
export function discoverCuda(): Promise<AcceleratorInfo[]> {
  try {
    const driver = loadCudaDriver();
    if (typeof driver === 'string') return Promise.resolve([unavailableAccelerator('cuda', driver)]);
    const count = driver.deviceCount();
    if (count === 0) return Promise.resolve([unavailableAccelerator('cuda', 'no CUDA device')]);
    return Promise.resolve(Array.from({ length: count }, (_, ordinal) => describeDevice(driver, ordinal)));
  } catch (error) {
    return Promise.resolve([
      unavailableAccelerator('cuda', `CUDA discovery failed: ${(error as Error).message}`),
    ]);
  }
}

/**
 * Buffers in device memory on CUDA device 0 (primary context), through the driver API. Kernels of
 * the compute layer's standard library have no CUDA implementation yet: `launch` throws
 * `KernelNotImplementedError`; persistent ring kernels (`cudaRingKernel`) are the CUDA work this
 * backend's driver binding serves today.
 */
export class CudaBackend implements ComputeBackend {
  readonly kind = 'cuda';
  readonly id = `cuda#${++instances}`;
  readonly accelerator: AcceleratorInfo;
  readonly limits: AcceleratorLimits;
  readonly sharesHostMemory = false;
  readonly #driver: CudaDriver;
  readonly #device: number;
  readonly #context: CuHandle;
  readonly #live = new Set<DeviceAllocation>();
  #disposed = false;

  constructor(driver: CudaDriver, ordinal = 0) {
    this.#driver = driver;
    this.accelerator = describeDevice(driver, ordinal);
    this.limits = this.accelerator.limits;
    this.#device = driver.device(ordinal);
    this.#context = driver.retainPrimaryContext(this.#device);
    driver.setCurrentContext(this.#context);
  }

  supportsDtype(dtype: DType): boolean {
    return dtype !== 'float16';
  }

  allocate(byteLength: number): DeviceAllocation {
    const padded = Math.max(4, Math.ceil(byteLength / 4) * 4);
    const allocation = { byteLength: padded, native: this.#driver.memAlloc(padded) };
    this.#live.add(allocation);
    return allocation;
  }

  free(allocation: DeviceAllocation): void {
    if (!this.#live.delete(allocation)) return;
    this.#driver.memFree(allocation.native as bigint);
  }

  upload(allocation: DeviceAllocation, source: Uint8Array): void {
    this.#driver.copyHostToDevice(allocation.native as bigint, source);
  }

  download(allocation: DeviceAllocation, target: Uint8Array): Promise<void> {
    this.#driver.copyDeviceToHost(target, allocation.native as bigint);
    return Promise.resolve();
  }

  launch(launch: KernelLaunch): Promise<void> {
    return Promise.reject(new KernelNotImplementedError(launch.kernel.name, 'cuda'));
  }

  synchronize(): Promise<void> {
    this.#driver.contextSynchronize();
    return Promise.resolve();
  }

  liveAllocations(): number {
    return this.#live.size;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const allocation of [...this.#live]) this.free(allocation);
    this.#driver.releasePrimaryContext(this.#device);
  }
}

/**
 * Factory for the CUDA backend. `'auto'` passes it by while its standard-library kernels are
 * missing (its `create` refuses the hardware-only scope `'auto'` uses); ask for it by name with
 * `{ backend: 'cuda', factories: [cudaBackend(), ...] }`. Discovery reports why CUDA is unavailable
 * (no koffi, no libcuda, driver too old, no device) instead of throwing.
 *
 * @example
 * ```ts
 * const devices = await listAccelerators({ factories: [cudaBackend(), cpuBackend()] });
 * ```
 */
export function cudaBackend(): BackendFactory {
  return {
    kind: 'cuda',
    priority: -1,
    discover: discoverCuda,
    create: (scope) => {
      if (scope?.hardwareOnly === true)
        return Promise.reject(
          new BackendUnavailableError(
            'cuda',
            "its standard-library kernels are not written yet, so 'auto' passes it by; name it ({ backend: 'cuda' }) for its buffers",
          ),
        );
      const driver = loadCudaDriver();
      if (typeof driver === 'string') return Promise.reject(new BackendUnavailableError('cuda', driver));
      try {
        if (driver.deviceCount() === 0) throw new Error('no CUDA device');
        return Promise.resolve(new CudaBackend(driver));
      } catch (error) {
        return Promise.reject(new BackendUnavailableError('cuda', (error as Error).message));
      }
    },
  };
}
