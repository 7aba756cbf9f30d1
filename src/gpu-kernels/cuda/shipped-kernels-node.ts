import { cudaAnomalyDetector } from './anomaly-kernel-node.js';
import { cudaEchoKernel } from './echo-kernel-node.js';

/** The persistent kernels ringkernel ships, by name, with their CUDA C (for `npm run build:ptx` and the CI compile check). */
export function shippedCudaSources(): Record<string, string> {
  return {
    'cuda-echo': cudaEchoKernel().cudaSource,
    'cuda-anomaly-b1000': cudaAnomalyDetector({ batchSize: 1000 }).cudaSource,
  };
}

/** Targets every kernel is compiled for: the H100's sm_90 and a generic PTX target JIT-compiled on any sm_75+. */
export const PTX_TARGETS = ['sm_90', 'compute_75'] as const;

/** The target whose PTX is shipped in the package: generic, JIT-compiled by the driver on any sm_75+. */
export const SHIPPED_PTX_TARGET = 'compute_75';
