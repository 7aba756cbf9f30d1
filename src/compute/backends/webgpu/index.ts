export {
  WebgpuBackend,
  webgpuBackend,
  type GpuCandidate,
  type WebgpuBackendOptions,
} from './webgpu-backend.js';
export { loadDawnCandidates, type DawnOptions } from './dawn-loader.js';
