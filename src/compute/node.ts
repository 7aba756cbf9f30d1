/**
 * Node-only additions to the compute layer (they import `node:` modules, so they are kept out of
 * `compute/index.ts`, which must also load in a browser).
 */
export { nodeCpuBackend } from './backends/cpu/node-host.js';
export * from './backends/cuda/index.js';

import { cudaBackend } from './backends/cuda/cuda-backend-node.js';
import { defaultBackendFactories } from './discovery.js';
import type { BackendFactory } from './backend.js';

/**
 * The factories Node can offer: the defaults (WebGPU, CPU) plus CUDA through the driver API
 * (reported unavailable, with the reason, where there is no NVIDIA driver or device).
 *
 * @example
 * ```ts
 * const devices = await listAccelerators({ factories: nodeBackendFactories() });
 * ```
 */
export function nodeBackendFactories(): BackendFactory[] {
  return [...defaultBackendFactories(), cudaBackend()];
}
