/**
 * The Node.js side of ringkernel: everything in the main entry plus the adapters that need Node
 * (worker-thread kernels, the file state store, the dashboard and metrics servers).
 */
export * from './index.js';
export * from './workers/index.js';
export * from './persistence/node.js';
export * from './dashboard/index.js';
export * from './compute/node.js';
export * from './gpu-kernels/cuda/index.js';
