import {
  webgpuBackend,
  type AcceleratorInfo,
  type BackendFactory,
  type ComputeBackend,
  type DeviceAllocation,
  type DType,
  type KernelLaunch,
} from '../../src/compute/index.js';

/**
 * The WebGPU factory used by the tests, or why it cannot run here. With CI=true a missing
 * adapter is a failure (the GPU tests must run in CI), never a skip.
 */
export async function probeWebgpu(): Promise<{
  factory: BackendFactory | undefined;
  skipReason: string | undefined;
}> {
  const factory = webgpuBackend();
  const [info] = await factory.discover();
  if (info?.available === true) return { factory, skipReason: undefined };
  const reason = `no WebGPU adapter: ${info?.reason ?? 'unknown'}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}; the WebGPU tests must run in CI`);
  return { factory: undefined, skipReason: reason };
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A backend with separate "device" memory held in ArrayBuffers, synchronous and observable:
 * lets residency tests count every upload and download without a GPU.
 */
export class RecordingBackend implements ComputeBackend {
  readonly kind = 'recording';
  readonly id = `recording#${Math.random().toString(36).slice(2)}`;
  readonly sharesHostMemory = false;
  readonly limits = {
    maxWorkgroupsPerDimension: 65535,
    maxWorkgroupInvocations: 256,
    maxStorageBufferBindingSize: 2 ** 30,
    maxBufferSize: 2 ** 30,
    minStorageBufferOffsetAlignment: 4,
    maxStorageBuffersPerStage: 8,
    maxWorkgroupStorageSize: 16384,
  };
  readonly accelerator: AcceleratorInfo = {
    backend: 'recording',
    name: 'recording test device',
    vendor: 'test',
    architecture: 'test',
    available: true,
    software: false,
    limits: this.limits,
    features: [],
    details: {},
  };
  uploads = 0;
  downloads = 0;
  live = new Set<DeviceAllocation>();

  supportsDtype(dtype: DType): boolean {
    return dtype !== 'float16';
  }
  allocate(byteLength: number): DeviceAllocation {
    const allocation = { byteLength, native: new ArrayBuffer(byteLength) };
    this.live.add(allocation);
    return allocation;
  }
  free(allocation: DeviceAllocation): void {
    this.live.delete(allocation);
  }
  upload(allocation: DeviceAllocation, source: Uint8Array): void {
    this.uploads++;
    new Uint8Array(allocation.native as ArrayBuffer).set(source);
  }
  download(allocation: DeviceAllocation, target: Uint8Array): Promise<void> {
    this.downloads++;
    target.set(new Uint8Array(allocation.native as ArrayBuffer, 0, target.byteLength));
    return Promise.resolve();
  }
  /** Writes into device memory directly, as a kernel would. */
  writeDevice(allocation: DeviceAllocation, values: Float32Array): void {
    new Float32Array(allocation.native as ArrayBuffer, 0, values.length).set(values);
  }
  launch(_launch: KernelLaunch): Promise<void> {
    return Promise.resolve();
  }
  synchronize(): Promise<void> {
    return Promise.resolve();
  }
  liveAllocations(): number {
    return this.live.size;
  }
  dispose(): void {}
}
