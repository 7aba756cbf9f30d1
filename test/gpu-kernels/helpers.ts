import { webgpuBackend, type ComputeBackend } from '../../src/compute/index.js';

/**
 * A WebGPU backend for the tests, or why there is none. With CI=true a missing adapter is a
 * failure (the GPU tests must run in CI), never a skip.
 */
export async function probeWebgpu(): Promise<{ skip: string | false }> {
  const [info] = await webgpuBackend().discover();
  if (info?.available === true) return { skip: false };
  const reason = `no WebGPU adapter: ${info?.reason ?? 'unknown'}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}; the WebGPU tests must run in CI`);
  return { skip: reason };
}

/** Creates a WebGPU backend the test owns (dispose it). */
export function createWebgpu(): Promise<ComputeBackend> {
  return webgpuBackend().create();
}

/** A bound for waits that only expire when the behaviour under test is broken. */
export const PATIENCE_MS = 20_000;

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  if (left.length !== right.length) throw new Error(`lengths differ: ${left.length} vs ${right.length}`);
  let largest = 0;
  for (let index = 0; index < left.length; index++)
    largest = Math.max(largest, Math.abs(left[index]! - right[index]!));
  return largest;
}
