export { cudaBackend, CudaBackend } from './cuda-backend-node.js';
export {
  CudaDriverError,
  DEVICE_ATTRIBUTE,
  formatVersion,
  loadCudaDriver,
  MIN_DRIVER_VERSION,
  type CudaDriver,
} from './cuda-driver-node.js';
export { compilePtx, compilePtxAsync, findNvcc, PtxCompileError } from './ptx-compiler-node.js';
