import { createHash } from 'node:crypto';
import { SHIPPED_PTX } from './shipped-ptx.js';

/** The key PTX is shipped under: a hash of the exact CUDA C it was compiled from. */
export function cudaSourceHash(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 32);
}

/**
 * PTX shipped with the package (built by `npm run build:ptx` for a generic target, JIT-compiled by
 * the driver on any sm_75+ GPU) for this exact source, or undefined: then nvcc compiles it at launch.
 */
export function shippedPtxFor(source: string): string | undefined {
  return SHIPPED_PTX[cudaSourceHash(source)]?.ptx;
}
