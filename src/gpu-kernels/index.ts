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
export { resolveKernelBackend, type KernelBackendOption, type ResolvedBackend } from './backend-selection.js';
export { GpuKernelDefinitionError, GpuKernelInputError } from './errors.js';
export { progressLine } from './progress-line.js';
export {
  runAnomalyScenario,
  runPageRankScenario,
  type AnomalyScenarioOptions,
  type AnomalyScenarioResult,
  type PageRankScenarioOptions,
  type PageRankScenarioResult,
} from './scenarios.js';
export { runFlagshipDemo, type FlagshipDemoOptions, type FlagshipDemoResult } from './flagship-demo.js';
export * from './anomaly/index.js';
export * from './pagerank/index.js';
