/*
 * The body of a Web Worker running a worker kernel: the first message is the boot data, then the
 * shared body (`worker-main.ts`) runs with its reports sent by `postMessage`.
 */
import type { WorkerBootData } from './protocol.js';
import { runWorkerKernel } from './worker-main.js';

interface WorkerScope {
  postMessage(value: unknown): void;
  addEventListener(
    type: 'message',
    listener: (event: { data: unknown }) => void,
    options?: { once: boolean },
  ): void;
}

/**
 * Starts a worker kernel in this Web Worker once the host sends its boot data. Called by the
 * bundled worker entry (`ringkernel-worker.js`); a page does not call it.
 */
export function startWebWorkerEntry(): void {
  const scope = globalThis as unknown as WorkerScope;
  scope.addEventListener(
    'message',
    (event) => {
      void runWorkerKernel(event.data as WorkerBootData, (message) => scope.postMessage(message));
    },
    { once: true },
  );
}
