import {
  CUDA_RESULT,
  CudaDriverError,
  DEVICE_ATTRIBUTE,
  loadCudaDriver,
  type CudaDriver,
  type CuHandle,
} from '../../compute/backends/cuda/cuda-driver-node.js';
import { compilePtx, findNvcc } from '../../compute/backends/cuda/ptx-compiler-node.js';
import type { StateBufferSpec } from '../state-buffers.js';
import { initialStateArray } from '../state-buffers.js';
import { CUDA_ENTRY_POINT } from './cuda-program.js';
import type { DeviceLink } from './device-link.js';
import { CudaDeviceError } from './errors.js';
import { CONTROL, RingRegion, type RegionLayout } from './ring-protocol.js';

/** Whether a persistent kernel can run here, on which device and in which mode. Never throws. */
export type CudaProbe =
  | {
      readonly available: true;
      readonly description: string;
      readonly persistent: boolean;
      readonly arch: string;
    }
  | { readonly available: false; readonly reason: string };

/**
 * Looks for device 0 through the driver: it must map host memory (`cuMemHostAlloc` DEVICEMAP) and
 * have compute capability 7.0 or newer (`__nanosleep`, system-scope atomics). A device under a
 * display watchdog (kernel run-time limit) cannot keep a kernel resident: it gets relaunch mode.
 */
export function probeCudaDevice(): Promise<CudaProbe> {
  try {
    const driver = loadCudaDriver();
    if (typeof driver === 'string') return Promise.resolve({ available: false, reason: driver });
    if (driver.deviceCount() === 0) return Promise.resolve({ available: false, reason: 'no CUDA device' });
    const device = driver.device(0);
    const major = driver.attribute(device, DEVICE_ATTRIBUTE.computeCapabilityMajor);
    const minor = driver.attribute(device, DEVICE_ATTRIBUTE.computeCapabilityMinor);
    const name = driver.deviceName(device);
    if (major < 7)
      return Promise.resolve({
        available: false,
        reason: `${name} is sm_${major}${minor}; persistent ring kernels need sm_70+`,
      });
    if (driver.attribute(device, DEVICE_ATTRIBUTE.canMapHostMemory) === 0)
      return Promise.resolve({ available: false, reason: `${name} cannot map host memory` });
    const persistent = driver.attribute(device, DEVICE_ATTRIBUTE.kernelExecTimeout) === 0;
    return Promise.resolve({
      available: true,
      description: `${name} (sm_${major}${minor}, ${persistent ? 'persistent' : 'relaunch mode: kernel run-time limit'})`,
      persistent,
      arch: `sm_${major}${minor}`,
    });
  } catch (error) {
    return Promise.resolve({ available: false, reason: `CUDA probe failed: ${(error as Error).message}` });
  }
}

/**
 * The kernel's module: from the given (or shipped) PTX, else compiled by nvcc for this device. PTX
 * newer than the driver understands (shipped PTX is built by a recent nvcc) is rebuilt with the
 * local nvcc when there is one.
 */
function loadModule(driver: CudaDriver, options: CudaLinkOptions, arch: string): CuHandle {
  if (options.ptx === undefined) return driver.moduleLoadData(compilePtx(options.source, arch));
  try {
    return driver.moduleLoadData(options.ptx);
  } catch (error) {
    const tooNew =
      error instanceof CudaDriverError &&
      (error.result === CUDA_RESULT.unsupportedPtxVersion || error.result === CUDA_RESULT.invalidPtx);
    if (!tooNew || findNvcc() === undefined) throw error;
    return driver.moduleLoadData(compilePtx(options.source, arch));
  }
}

/** What a kernel on a real GPU is made of. */
export interface CudaLinkOptions {
  readonly kernelId: string;
  readonly layout: RegionLayout;
  readonly source: string;
  readonly ptx: string | undefined;
  readonly state: readonly (readonly [string, StateBufferSpec])[];
  readonly lanes: number;
}

/**
 * Starts a persistent ring kernel on device 0: the region in mapped pinned host memory, state
 * buffers in device memory, the module from PTX (given, or compiled with nvcc for this device),
 * and one launch of `rk_ring_kernel` on its own non-blocking stream. In relaunch mode every kick
 * launches a one-pass kernel when none is running.
 */
export async function startCudaLink(options: CudaLinkOptions): Promise<DeviceLink> {
  const probe = await probeCudaDevice();
  if (!probe.available) throw new CudaDeviceError(options.kernelId, probe.reason);
  const driver = loadCudaDriver() as CudaDriver;
  const device = driver.device(0);
  const context = driver.retainPrimaryContext(device);
  driver.setCurrentContext(context);
  const cleanups: (() => void)[] = [() => driver.releasePrimaryContext(device)];
  const cleanup = (): void => {
    for (const step of cleanups.reverse()) {
      try {
        step();
      } catch {
        // Best effort while tearing down: the first error was already reported.
      }
    }
    cleanups.length = 0;
  };
  try {
    const mapped = driver.hostAllocMapped(options.layout.byteLength);
    cleanups.push(() => driver.hostFree(mapped.host));
    const live = new RingRegion(mapped.view, options.layout);
    // Before the mapped memory goes, the region keeps a copy (telemetry stays readable).
    cleanups.push(() => live.detach());
    const statePointers: bigint[] = [];
    const stateBytes = new Map<string, { pointer: bigint; spec: StateBufferSpec }>();
    for (const [name, spec] of options.state) {
      const pointer = driver.memAlloc(spec.length * 4);
      cleanups.push(() => driver.memFree(pointer));
      const initial = initialStateArray(spec);
      driver.copyHostToDevice(
        pointer,
        new Uint8Array(initial.buffer, initial.byteOffset, initial.byteLength),
      );
      statePointers.push(pointer);
      stateBytes.set(name, { pointer, spec });
    }
    live.initialise(statePointers);
    const module = loadModule(driver, options, probe.arch);
    cleanups.push(() => driver.moduleUnload(module));
    const kernel = driver.moduleFunction(module, CUDA_ENTRY_POINT);
    const stream = driver.streamCreate(true);
    cleanups.push(() => driver.streamDestroy(stream));
    const relaunch = probe.persistent ? 0 : 1;
    const launch = (): void =>
      driver.launch(kernel, [1, 1, 1], [options.lanes, 1, 1], 0, stream, [
        ['uint64_t', mapped.device],
        ['uint32_t', relaunch],
      ]);
    launch();
    const pendingInput = (): boolean => live.load(live.inputTailWord) !== live.load(live.inputHeadWord);
    let closed = false;
    const kickRelaunch = (): void => {
      if (closed) return;
      if (
        relaunch === 1 &&
        driver.streamIdle(stream) &&
        (pendingInput() || (live.load(CONTROL.command) & 2) !== 0)
      )
        launch();
    };
    let fail: ((error: Error) => void) | undefined;
    const failure = new Promise<Error>((resolve) => (fail = resolve));
    return {
      kind: 'cuda',
      description: probe.description,
      region: live,
      kick: kickRelaunch,
      waitForDevice: async (seen, timeoutMs) => {
        // The GPU cannot notify the host: poll the doorbell, yielding to the event loop between looks.
        const deadline = performance.now() + timeoutMs;
        while (!closed && live.load(CONTROL.deviceDoorbell) === seen >>> 0 && performance.now() < deadline) {
          try {
            kickRelaunch();
            if (relaunch === 0 && driver.streamIdle(stream) && live.load(CONTROL.deviceState) !== 2)
              throw new CudaDeviceError(options.kernelId, 'the persistent kernel exited without terminating');
          } catch (error) {
            fail?.(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      },
      readState: (name) => {
        const entry = stateBytes.get(name);
        if (entry === undefined)
          return Promise.reject(new CudaDeviceError(options.kernelId, `there is no state buffer '${name}'`));
        const copy = initialStateArray({ type: entry.spec.type, length: entry.spec.length });
        driver.copyDeviceToHost(new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength), entry.pointer);
        return Promise.resolve(copy);
      },
      failure,
      close: (force) => {
        if (closed) return Promise.resolve();
        closed = true;
        if (!force) driver.streamSynchronize(stream);
        // A forced close of a resident kernel that does not stop cannot free its memory safely: keep it.
        if (force && !driver.streamIdle(stream)) return Promise.resolve();
        cleanup();
        return Promise.resolve();
      },
    };
  } catch (error) {
    cleanup();
    throw new CudaDeviceError(options.kernelId, `could not start on the GPU: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
