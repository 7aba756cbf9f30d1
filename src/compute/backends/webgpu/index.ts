export { WebgpuBackend, webgpuBackend, type WebgpuBackendOptions } from './webgpu-backend.js';
export type { GpuCandidate } from './gpu-candidate.js';
export { loadDawnCandidates, type DawnOptions } from './dawn-loader.js';
