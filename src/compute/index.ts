export {
  looksLikeSoftwareAdapter,
  type AcceleratorInfo,
  type AcceleratorLimits,
} from './accelerator-info.js';
export {
  createBackend,
  defaultBackendFactories,
  getAccelerator,
  listAccelerators,
  type BackendChoice,
  type DiscoveryOptions,
} from './discovery.js';
export { BACKEND_KINDS } from './backend.js';
export type {
  BackendFactory,
  BackendKind,
  ComputeBackend,
  DeviceAllocation,
  DeviceScope,
  KernelLaunch,
  LaunchBuffer,
} from './backend.js';
export { CompileCache, type CompileCacheStats, type CompileKey } from './compile-cache.js';
export {
  DTYPES,
  bytesPerElement,
  fromFloat16Bits,
  isFloatDtype,
  toFloat16Bits,
  wgslType,
  type DType,
  type TypedArray,
} from './dtype.js';
export {
  BackendUnavailableError,
  BufferDisposedError,
  BufferStateError,
  ComputeDisposedError,
  DeviceError,
  DoubleReleaseError,
  ForeignBufferError,
  KernelArgumentError,
  KernelCompilationError,
  KernelNotImplementedError,
  LaunchGeometryError,
  PoolLimitError,
  ShapeMismatchError,
  UnsupportedDtypeError,
} from './errors.js';
export {
  defineKernel,
  type AnyKernelDefinition,
  type BufferAccess,
  type BufferParameter,
  type CpuKernelContext,
  type KernelDefinition as ComputeKernelDefinition,
  type KernelSpec,
  type ScalarParameter,
  type ScalarType,
  type WebgpuImplementation,
  type WgslContext,
} from './kernel.js';
export { dispatchSize } from './launch-geometry.js';
export { MemoryPool, getMemoryPool, type MemoryPoolOptions, type MemoryPoolStats } from './memory-pool.js';
export {
  ComputeOrchestrator,
  createOrchestrator,
  type KernelArguments,
  type OrchestratorOptions,
} from './orchestrator.js';
export type { Shape } from './shape.js';
export {
  UnifiedBuffer,
  type HostArrayOf,
  type Residency,
  type UnifiedBufferOptions,
} from './unified-buffer.js';
export { CpuBackend, cpuBackend, type CpuHostFacts } from './backends/cpu/index.js';
export {
  WebgpuBackend,
  loadDawnCandidates,
  webgpuBackend,
  type DawnOptions,
  type GpuCandidate,
  type WebgpuBackendOptions,
} from './backends/webgpu/index.js';
export * from './stdlib/index.js';
