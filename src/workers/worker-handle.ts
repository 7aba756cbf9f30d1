import type { WorkerBootData } from './protocol.js';

/** Limits of a worker thread's heap and stack (Node's `resourceLimits`), in MB. */
export interface WorkerResourceLimits {
  readonly maxOldGenerationSizeMb?: number;
  readonly maxYoungGenerationSizeMb?: number;
  readonly codeRangeSizeMb?: number;
  readonly stackSizeMb?: number;
}

/** A started worker thread, as the platform-neutral host code sees it. */
export interface WorkerHandle {
  onMessage(listener: (value: unknown) => void): void;
  /** An error escaped the thread (an uncaught exception, out of memory, a failed entry module). */
  onError(listener: (error: Error) => void): void;
  onExit(listener: (exitCode: number) => void): void;
  /** Stops the thread at once; resolves when it is gone. */
  terminate(): Promise<void>;
}

/** Starts the worker entry with `boot`; the Node implementation lives in `worker-thread-node.ts`. */
export type WorkerStarter = (
  boot: WorkerBootData,
  resourceLimits: WorkerResourceLimits | undefined,
) => WorkerHandle;
