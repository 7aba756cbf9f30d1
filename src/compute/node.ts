/**
 * Node-only additions to the compute layer (they import `node:` modules, so they are kept out of
 * `compute/index.ts`, which must also load in a browser).
 */
export { nodeCpuBackend } from './backends/cpu/node-host.js';
export * from './backends/cuda/index.js';
