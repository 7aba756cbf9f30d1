export {
  DEFAULT_MAX_BATCH,
  gpuRingKernel,
  type GpuRingKernelDefinition,
  type GpuRingKernelOptions,
} from './gpu-ring-kernel.js';
export type { CpuMessageHandler } from './cpu-batch-executor.js';
export type {
  StateArrayOf,
  StateBufferSpec,
  StateElementType,
  StateMap,
  StateViews,
} from './state-buffers.js';
export type { BatchOrder } from './wgsl-program.js';
export {
  bestBackendKind,
  isSoftwareAdapter,
  resolveKernelBackend,
  type KernelBackendOption,
  type ResolvedBackend,
} from './backend-selection.js';
export { GpuKernelDefinitionError, GpuKernelInputError } from './errors.js';
