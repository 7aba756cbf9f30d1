import type { AcceleratorInfo } from '../compute/accelerator-info.js';
import { listAccelerators } from '../compute/discovery.js';
import { sharedMemoryUnavailableReason } from '../workers/web-worker-kernel.js';
import { webWorkerUnavailableReason } from '../workers/worker-thread-web.js';

/** What this page offers ringkernel: WebGPU, Web Workers, SharedArrayBuffer rings. */
export interface BrowserEnvironment {
  /** True when the page is cross-origin isolated (SharedArrayBuffer rings for Web Worker kernels). */
  readonly crossOriginIsolated: boolean;
  /** `'sharedMemory'` or `'postMessage'`: what `webWorkerKernel` uses here by default. */
  readonly workerTransport: 'sharedMemory' | 'postMessage';
  /** Why Web Worker kernels fall back to postMessage; undefined when they do not. */
  readonly workerTransportReason: string | undefined;
  /** Why Web Worker kernels cannot run at all; undefined when they can. */
  readonly webWorkersUnavailable: string | undefined;
  /** Every device discovery sees (WebGPU through `navigator.gpu`, the CPU), with reasons when unusable. */
  readonly accelerators: readonly AcceleratorInfo[];
}

/**
 * Reports what ringkernel can use in this page. Never throws: a missing `navigator.gpu`, no adapter
 * or a software adapter shows up in `accelerators` with its reason or `details.software`.
 *
 * @example
 * ```ts
 * const env = await browserEnvironment();
 * if (!env.crossOriginIsolated) console.warn(env.workerTransportReason);
 * ```
 */
export async function browserEnvironment(): Promise<BrowserEnvironment> {
  const reason = sharedMemoryUnavailableReason();
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    workerTransport: reason === undefined ? 'sharedMemory' : 'postMessage',
    workerTransportReason: reason,
    webWorkersUnavailable: webWorkerUnavailableReason(),
    accelerators: await listAccelerators(),
  };
}
