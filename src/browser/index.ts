/**
 * ringkernel for web pages (`ringkernel/browser`, bundled as `dist/browser/ringkernel.js`):
 * everything in the main entry (runtime, messages, compute on `navigator.gpu`, GPU ring kernels)
 * plus Web Worker kernels. Nothing here imports a Node module, and the Dawn loader is left out of the
 * bundle: WebGPU comes from `navigator.gpu` (a secure context: https or http://localhost).
 */
export * from '../index.js';
export {
  webWorkerKernel,
  webWorkerPool,
  sharedMemoryUnavailableReason,
  type WebWorkerKernelOptions,
  type WebWorkerPoolOptions,
  type WebWorkerTransport,
} from '../workers/web-worker-kernel.js';
export type { WorkerKernelOptions, WorkerPoolOptions, PoolStrategy } from '../workers/worker-options.js';
export type { MessageTypes } from '../workers/message-types.js';
export {
  WorkerCrashError,
  WorkerLoadError,
  WorkerMessageTypeError,
  WorkerMessageTypesError,
  type WorkerCrashKind,
} from '../workers/errors.js';
export { RemoteError, type SerializedError } from '../workers/serialized-error.js';
export { startWebWorkerEntry } from '../workers/worker-entry-web.js';
export { browserEnvironment, type BrowserEnvironment } from './environment.js';
