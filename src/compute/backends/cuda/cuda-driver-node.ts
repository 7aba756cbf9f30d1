import { createRequire } from 'node:module';

/*
 * The CUDA driver API (libcuda.so.1) through koffi: no native build step, nothing loaded until
 * `loadCudaDriver` is called. Only the calls ringkernel needs are bound. Every call returns a
 * CUresult; `check` turns a non-zero one into a CudaDriverError with the driver's own text.
 */

/** Driver API result codes named in reasons. */
export const CUDA_RESULT = {
  success: 0,
  notReady: 600,
  noDevice: 100,
  insufficientDriver: 35,
  unsupportedPtxVersion: 222,
  invalidPtx: 218,
} as const;

/** `cuDeviceGetAttribute` attribute numbers used by discovery. */
export const DEVICE_ATTRIBUTE = {
  maxThreadsPerBlock: 1,
  maxGridDimX: 5,
  maxSharedMemoryPerBlock: 8,
  multiprocessorCount: 16,
  kernelExecTimeout: 17,
  integrated: 18,
  canMapHostMemory: 19,
  unifiedAddressing: 41,
  computeCapabilityMajor: 75,
  computeCapabilityMinor: 76,
  hostNativeAtomicSupported: 86,
  pageableMemoryAccess: 88,
  concurrentManagedAccess: 89,
  cooperativeLaunch: 95,
} as const;

export const MEMHOSTALLOC_PORTABLE = 1;
export const MEMHOSTALLOC_DEVICEMAP = 2;
export const STREAM_NON_BLOCKING = 1;

/** Oldest driver (CUDA 12.0, as `cuDriverGetVersion` reports it) ringkernel drives. */
export const MIN_DRIVER_VERSION = 12_000;

/** A failed driver call. */
export class CudaDriverError extends Error {
  readonly code = 'CUDA_DRIVER_ERROR';
  readonly result: number;
  readonly call: string;
  constructor(call: string, result: number, text: string) {
    super(`${call} failed: ${text} (CUresult ${result})`);
    this.name = 'CudaDriverError';
    this.call = call;
    this.result = result;
  }
}

/** Opaque driver handles (koffi external pointers). */
export type CuHandle = object;

type Fn = (...args: unknown[]) => unknown;

/** The bound driver: thin wrappers that check results and return values instead of out-parameters. */
export interface CudaDriver {
  readonly version: number;
  /** Devices the driver sees (`cuDeviceGetCount`). */
  deviceCount(): number;
  /** The device handle of an ordinal (`cuDeviceGet`). */
  device(ordinal: number): number;
  /** The device's marketing name (`cuDeviceGetName`). */
  deviceName(device: number): string;
  /** Device memory in bytes (`cuDeviceTotalMem`). */
  deviceTotalMemory(device: number): number;
  /** One `cuDeviceGetAttribute` value (see {@link DEVICE_ATTRIBUTE}). */
  attribute(device: number, attribute: number): number;
  /** Retains the device's primary context (`cuDevicePrimaryCtxRetain`). */
  retainPrimaryContext(device: number): CuHandle;
  /** Releases one retain of the primary context. */
  releasePrimaryContext(device: number): void;
  /** Makes a context current on the calling thread (`cuCtxSetCurrent`). */
  setCurrentContext(context: CuHandle): void;
  /** Allocates device memory; returns its device address (`cuMemAlloc`). */
  memAlloc(bytes: number): bigint;
  /** Frees device memory (`cuMemFree`). */
  memFree(pointer: bigint): void;
  /** Fills device memory with a byte (`cuMemsetD8`). */
  memsetD8(pointer: bigint, value: number, bytes: number): void;
  /** Copies host bytes to device memory, synchronously (`cuMemcpyHtoD`). */
  copyHostToDevice(pointer: bigint, source: Uint8Array): void;
  /** Copies device memory into host bytes, synchronously (`cuMemcpyDtoH`). */
  copyDeviceToHost(target: Uint8Array, pointer: bigint): void;
  /** Pinned host memory mapped into the device's address space. */
  hostAllocMapped(bytes: number): { host: CuHandle; device: bigint; view: ArrayBuffer };
  /** Frees pinned host memory (`cuMemFreeHost`). */
  hostFree(host: CuHandle): void;
  /** Loads a module from PTX text (`cuModuleLoadData`; the driver JIT-compiles it). */
  moduleLoadData(image: string): CuHandle;
  /** Unloads a module (`cuModuleUnload`). */
  moduleUnload(module: CuHandle): void;
  /** A kernel of a module by its `extern "C"` name (`cuModuleGetFunction`). */
  moduleFunction(module: CuHandle, name: string): CuHandle;
  /** Launches with arguments given as (C type, value) pairs, e.g. `['uint64_t', ptr]`. */
  launch(
    kernel: CuHandle,
    grid: readonly [number, number, number],
    block: readonly [number, number, number],
    sharedBytes: number,
    stream: CuHandle | null,
    args: readonly (readonly ['uint64_t' | 'uint32_t' | 'float', number | bigint])[],
    cooperative?: boolean,
  ): void;
  /** Creates a stream, optionally not synchronising with the legacy default stream. */
  streamCreate(nonBlocking: boolean): CuHandle;
  /** Destroys a stream (`cuStreamDestroy`). */
  streamDestroy(stream: CuHandle): void;
  /** Waits until all work on the stream has finished (`cuStreamSynchronize`). */
  streamSynchronize(stream: CuHandle | null): void;
  /** True when all work on the stream has finished. */
  streamIdle(stream: CuHandle): boolean;
  /** Creates a timing event (`cuEventCreate`). */
  eventCreate(): CuHandle;
  /** Records an event on a stream (`cuEventRecord`). */
  eventRecord(event: CuHandle, stream: CuHandle | null): void;
  /** Waits for an event (`cuEventSynchronize`). */
  eventSynchronize(event: CuHandle): void;
  /** Milliseconds between two recorded events (`cuEventElapsedTime`). */
  eventElapsedMs(start: CuHandle, end: CuHandle): number;
  /** Destroys an event (`cuEventDestroy`). */
  eventDestroy(event: CuHandle): void;
  /** Waits until all work in the current context has finished (`cuCtxSynchronize`). */
  contextSynchronize(): void;
  /** The driver's text for a CUresult (`cuGetErrorString`). */
  errorText(result: number): string;
}

interface Koffi {
  load(path: string): { func(signature: string): Fn };
  alloc(type: string, count: number): CuHandle;
  free(value: CuHandle): void;
  encode(ref: CuHandle, type: unknown, value: unknown): void;
  array(type: string, length: number): unknown;
  view(ref: CuHandle, length: number): ArrayBuffer;
}

/** The koffi module, or the reason it cannot be loaded (it is an optional dependency). */
export function loadKoffi(): Koffi | string {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    return `the koffi package is missing (npm install koffi): ${(error as Error).message}`;
  }
}

let cached: CudaDriver | string | undefined;

/**
 * Loads libcuda.so.1 and calls `cuInit(0)`. Returns the bound driver, or a one-line reason it is
 * unusable (no koffi, no libcuda, driver too old, no device, cuInit failed). Never throws. A bound
 * driver is kept for the process; a failure is probed again on the next call.
 */
export function loadCudaDriver(): CudaDriver | string {
  if (typeof cached === 'object') return cached;
  cached = bindDriver();
  return cached;
}

function bindDriver(): CudaDriver | string {
  const koffi = loadKoffi();
  if (typeof koffi === 'string') return koffi;
  let library: { func(signature: string): Fn };
  // RINGKERNEL_LIBCUDA names another driver library (an unusual install, or the tests' stand-in).
  const override = process.env['RINGKERNEL_LIBCUDA'];
  const candidates =
    override !== undefined && override !== ''
      ? [override]
      : process.platform === 'win32'
        ? ['nvcuda.dll']
        : ['libcuda.so.1', 'libcuda.so'];
  let lastError = '';
  for (const name of candidates) {
    try {
      library = koffi.load(name);
      return bindFunctions(koffi, library);
    } catch (error) {
      lastError = (error as Error).message;
    }
  }
  return `no CUDA driver: ${candidates[0]} could not be loaded (${lastError}); install the NVIDIA driver`;
}

function bindFunctions(koffi: Koffi, library: { func(signature: string): Fn }): CudaDriver | string {
  const f = (signature: string): Fn => library.func(signature);
  const cuGetErrorString = f('int cuGetErrorString(int error, _Out_ const char **text)');
  const errorText = (result: number): string => {
    const out: [string | null] = [null];
    return cuGetErrorString(result, out) === 0 && out[0] !== null ? out[0] : `CUDA error ${result}`;
  };
  const check = (call: string, result: unknown): void => {
    if (result !== 0) throw new CudaDriverError(call, result as number, errorText(result as number));
  };
  const cuInit = f('int cuInit(unsigned int flags)');
  const cuDriverGetVersion = f('int cuDriverGetVersion(_Out_ int *version)');
  const versionOut = [0];
  check('cuDriverGetVersion', cuDriverGetVersion(versionOut));
  const version = versionOut[0]!;
  if (version < MIN_DRIVER_VERSION)
    return `the CUDA driver is too old: version ${formatVersion(version)}, ringkernel needs ${formatVersion(MIN_DRIVER_VERSION)} or newer`;
  const initResult = cuInit(0) as number;
  if (initResult === CUDA_RESULT.noDevice) return 'no CUDA device: the driver is installed but sees no GPU';
  if (initResult !== 0) return `cuInit failed: ${errorText(initResult)} (CUresult ${initResult})`;

  const cuDeviceGetCount = f('int cuDeviceGetCount(_Out_ int *count)');
  const cuDeviceGet = f('int cuDeviceGet(_Out_ int *device, int ordinal)');
  const cuDeviceGetName = f('int cuDeviceGetName(_Out_ char *name, int length, int device)');
  const cuDeviceTotalMem = f('int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int device)');
  const cuDeviceGetAttribute = f('int cuDeviceGetAttribute(_Out_ int *value, int attribute, int device)');
  const cuDevicePrimaryCtxRetain = f('int cuDevicePrimaryCtxRetain(_Out_ void **context, int device)');
  const cuDevicePrimaryCtxRelease = f('int cuDevicePrimaryCtxRelease_v2(int device)');
  const cuCtxSetCurrent = f('int cuCtxSetCurrent(void *context)');
  const cuCtxSynchronize = f('int cuCtxSynchronize()');
  const cuMemAlloc = f('int cuMemAlloc_v2(_Out_ uint64_t *pointer, size_t bytes)');
  const cuMemFree = f('int cuMemFree_v2(uint64_t pointer)');
  const cuMemsetD8 = f('int cuMemsetD8_v2(uint64_t pointer, uint8_t value, size_t count)');
  const cuMemcpyHtoD = f('int cuMemcpyHtoD_v2(uint64_t target, const void *source, size_t bytes)');
  const cuMemcpyDtoH = f('int cuMemcpyDtoH_v2(void *target, uint64_t source, size_t bytes)');
  const cuMemHostAlloc = f('int cuMemHostAlloc(_Out_ void **pointer, size_t bytes, unsigned int flags)');
  const cuMemFreeHost = f('int cuMemFreeHost(void *pointer)');
  const cuMemHostGetDevicePointer = f(
    'int cuMemHostGetDevicePointer_v2(_Out_ uint64_t *device, void *host, unsigned int flags)',
  );
  const cuModuleLoadData = f('int cuModuleLoadData(_Out_ void **module, const char *image)');
  const cuModuleUnload = f('int cuModuleUnload(void *module)');
  const cuModuleGetFunction = f(
    'int cuModuleGetFunction(_Out_ void **kernel, void *module, const char *name)',
  );
  const launchSignature =
    '(void *kernel, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, ' +
    'unsigned int bz, unsigned int shared, void *stream, void *params';
  const cuLaunchKernel = f(`int cuLaunchKernel${launchSignature}, void *extra)`);
  const cuLaunchCooperativeKernel = f(`int cuLaunchCooperativeKernel${launchSignature})`);
  const cuStreamCreate = f('int cuStreamCreate(_Out_ void **stream, unsigned int flags)');
  const cuStreamDestroy = f('int cuStreamDestroy_v2(void *stream)');
  const cuStreamSynchronize = f('int cuStreamSynchronize(void *stream)');
  const cuStreamQuery = f('int cuStreamQuery(void *stream)');
  const cuEventCreate = f('int cuEventCreate(_Out_ void **event, unsigned int flags)');
  const cuEventRecord = f('int cuEventRecord(void *event, void *stream)');
  const cuEventSynchronize = f('int cuEventSynchronize(void *event)');
  const cuEventElapsedTime = f('int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)');
  const cuEventDestroy = f('int cuEventDestroy_v2(void *event)');

  const handleOut = (call: string, invoke: (out: [CuHandle | null]) => unknown): CuHandle => {
    const out: [CuHandle | null] = [null];
    check(call, invoke(out));
    if (out[0] === null) throw new CudaDriverError(call, -1, 'returned a null handle');
    return out[0];
  };
  const numberOut = (call: string, invoke: (out: [number | bigint]) => unknown): number => {
    const out: [number | bigint] = [0];
    check(call, invoke(out));
    return Number(out[0]);
  };
  const bigintOut = (call: string, invoke: (out: [number | bigint]) => unknown): bigint => {
    const out: [number | bigint] = [0];
    check(call, invoke(out));
    return BigInt(out[0]);
  };

  return {
    version,
    deviceCount: () => numberOut('cuDeviceGetCount', (out) => cuDeviceGetCount(out)),
    device: (ordinal) => numberOut('cuDeviceGet', (out) => cuDeviceGet(out, ordinal)),
    deviceName: (device) => {
      const name = Buffer.alloc(256);
      check('cuDeviceGetName', cuDeviceGetName(name, name.length, device));
      const end = name.indexOf(0);
      return name.subarray(0, end < 0 ? name.length : end).toString('utf8');
    },
    deviceTotalMemory: (device) => numberOut('cuDeviceTotalMem', (out) => cuDeviceTotalMem(out, device)),
    attribute: (device, attribute) =>
      numberOut('cuDeviceGetAttribute', (out) => cuDeviceGetAttribute(out, attribute, device)),
    retainPrimaryContext: (device) =>
      handleOut('cuDevicePrimaryCtxRetain', (out) => cuDevicePrimaryCtxRetain(out, device)),
    releasePrimaryContext: (device) => check('cuDevicePrimaryCtxRelease', cuDevicePrimaryCtxRelease(device)),
    setCurrentContext: (context) => check('cuCtxSetCurrent', cuCtxSetCurrent(context)),
    memAlloc: (bytes) => bigintOut('cuMemAlloc', (out) => cuMemAlloc(out, bytes)),
    memFree: (pointer) => check('cuMemFree', cuMemFree(pointer)),
    memsetD8: (pointer, value, bytes) => check('cuMemsetD8', cuMemsetD8(pointer, value, bytes)),
    copyHostToDevice: (pointer, source) =>
      check('cuMemcpyHtoD', cuMemcpyHtoD(pointer, source, source.byteLength)),
    copyDeviceToHost: (target, pointer) =>
      check('cuMemcpyDtoH', cuMemcpyDtoH(target, pointer, target.byteLength)),
    hostAllocMapped: (bytes) => {
      const host = handleOut('cuMemHostAlloc', (out) =>
        cuMemHostAlloc(out, bytes, MEMHOSTALLOC_DEVICEMAP | MEMHOSTALLOC_PORTABLE),
      );
      const device = bigintOut('cuMemHostGetDevicePointer', (out) => cuMemHostGetDevicePointer(out, host, 0));
      return { host, device, view: koffi.view(host, bytes) };
    },
    hostFree: (host) => check('cuMemFreeHost', cuMemFreeHost(host)),
    moduleLoadData: (image) => handleOut('cuModuleLoadData', (out) => cuModuleLoadData(out, image)),
    moduleUnload: (module) => check('cuModuleUnload', cuModuleUnload(module)),
    moduleFunction: (module, name) =>
      handleOut('cuModuleGetFunction', (out) => cuModuleGetFunction(out, module, name)),
    launch: (kernel, grid, block, sharedBytes, stream, args, cooperative = false) => {
      // kernelParams: an array of pointers, each to one argument's value.
      const values = args.map(([type, value]) => {
        const cell = koffi.alloc(type, 1);
        koffi.encode(cell, type, value);
        return cell;
      });
      const params = koffi.alloc('void *', Math.max(1, values.length));
      if (values.length > 0) koffi.encode(params, koffi.array('void *', values.length), values);
      try {
        const result = cooperative
          ? cuLaunchCooperativeKernel(kernel, ...grid, ...block, sharedBytes, stream, params)
          : cuLaunchKernel(kernel, ...grid, ...block, sharedBytes, stream, params, null);
        check(cooperative ? 'cuLaunchCooperativeKernel' : 'cuLaunchKernel', result);
      } finally {
        // The driver copies the argument values at launch.
        koffi.free(params);
        for (const cell of values) koffi.free(cell);
      }
    },
    streamCreate: (nonBlocking) =>
      handleOut('cuStreamCreate', (out) => cuStreamCreate(out, nonBlocking ? STREAM_NON_BLOCKING : 0)),
    streamDestroy: (stream) => check('cuStreamDestroy', cuStreamDestroy(stream)),
    streamSynchronize: (stream) => check('cuStreamSynchronize', cuStreamSynchronize(stream)),
    streamIdle: (stream) => {
      const result = cuStreamQuery(stream) as number;
      if (result === CUDA_RESULT.notReady) return false;
      check('cuStreamQuery', result);
      return true;
    },
    eventCreate: () => handleOut('cuEventCreate', (out) => cuEventCreate(out, 0)),
    eventRecord: (event, stream) => check('cuEventRecord', cuEventRecord(event, stream)),
    eventSynchronize: (event) => check('cuEventSynchronize', cuEventSynchronize(event)),
    eventElapsedMs: (start, end) =>
      numberOut('cuEventElapsedTime', (out) => cuEventElapsedTime(out, start, end)),
    eventDestroy: (event) => check('cuEventDestroy', cuEventDestroy(event)),
    contextSynchronize: () => check('cuCtxSynchronize', cuCtxSynchronize()),
    errorText,
  };
}

/** 12040 → "12.4". */
export function formatVersion(version: number): string {
  return `${Math.floor(version / 1000)}.${Math.floor((version % 1000) / 10)}`;
}
