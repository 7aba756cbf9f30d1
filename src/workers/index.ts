export { workerKernel, workerPool } from './worker-kernel.js';
export type { WorkerKernelOptions, WorkerPoolOptions, PoolStrategy } from './worker-options.js';
export type { WorkerWaitMode } from './protocol.js';
export type { WorkerResourceLimits } from './worker-handle.js';
export type { MessageTypes } from './message-types.js';
export {
  WorkerCrashError,
  WorkerLoadError,
  WorkerMessageTypeError,
  WorkerMessageTypesError,
  type WorkerCrashKind,
} from './errors.js';
export { RemoteError, type SerializedError } from './serialized-error.js';
