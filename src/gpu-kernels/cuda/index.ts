/** Persistent CUDA ring kernels (Node only: the GPU through koffi, the emulator in a worker thread). */
export {
  cudaRingKernel,
  resolveCudaDevice,
  type CudaDeviceChoice,
  type CudaRingKernelDefinition,
  type CudaRingKernelOptions,
} from './cuda-ring-kernel-node.js';
export {
  cudaProgram,
  CUDA_ENTRY_POINT,
  DEFAULT_CUDA_LANES,
  type CudaBurstOrder,
  type CudaProgramParts,
} from './cuda-program.js';
export type { CudaDeviceKind, DeviceLink } from './device-link.js';
export { probeCudaDevice, type CudaProbe } from './cuda-link-node.js';
export { CudaDeviceError, CudaMessageRejectedError } from './errors.js';
export {
  COMMAND,
  CONTROL,
  DEVICE_MODE,
  DEVICE_STATE,
  RingRegion,
  regionLayout,
  type RegionLayout,
} from './ring-protocol.js';
export {
  cudaEchoKernel,
  CudaEchoReply,
  CudaEchoRequest,
  type CudaEchoKernelOptions,
} from './echo-kernel-node.js';
export { cudaAnomalyDetector, type CudaAnomalyDetectorOptions } from './anomaly-kernel-node.js';
