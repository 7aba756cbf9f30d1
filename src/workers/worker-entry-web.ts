/*
 * The body of a Web Worker running a worker kernel: the first message is the boot data, then the
 * shared body (`worker-main.ts`) runs with its reports sent by `postMessage`.
 */
import { bootMirror, isMirrorEnvelope } from './boot-mirror.js';
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
      const boot = event.data as WorkerBootData;
      if (boot.mirrored !== true) {
        void runWorkerKernel(boot, (message) => scope.postMessage(message));
        return;
      }
      // postMessage transport: this thread's copy of the ring memory is kept in step by a mirror;
      // reports follow the changes made before them, so the host reads final counters.
      const mirror = bootMirror(boot, (envelope) => scope.postMessage(envelope));
      scope.addEventListener('message', (next) => {
        if (isMirrorEnvelope(next.data)) mirror.apply(next.data.ringkernelMirror);
      });
      mirror.start();
      void runWorkerKernel(boot, (message) => {
        mirror.flush();
        scope.postMessage(message);
      });
    },
    { once: true },
  );
}
