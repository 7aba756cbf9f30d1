/*
 * The browser's thread adapter: starts a worker kernel in a dedicated Web Worker (a module worker
 * running `worker-entry-web.ts`, bundled as `ringkernel-worker.js`), the counterpart of
 * `worker-thread-node.ts`. Everything above the thread (rings, control block, frames, calls,
 * telemetry) is the same code as in Node.
 */
import { bootMirror, isMirrorEnvelope } from './boot-mirror.js';
import type { WorkerBootData } from './protocol.js';
import type { WorkerHandle, WorkerStarter } from './worker-handle.js';

type TransportKind = 'sharedMemory' | 'postMessage';

/** The part of a browser's `Worker` this adapter uses. */
interface WebWorkerLike {
  postMessage(value: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'error',
    listener: (event: { message?: string; filename?: string; lineno?: number; error?: unknown }) => void,
  ): void;
  addEventListener(type: 'messageerror', listener: () => void): void;
  terminate(): void;
}

type WebWorkerConstructor = new (
  url: string | URL,
  options: { type: 'module'; name?: string },
) => WebWorkerLike;

/** Why `Worker` cannot be used here, or undefined when it can. */
export function webWorkerUnavailableReason(): string | undefined {
  const constructor = (globalThis as { Worker?: unknown }).Worker;
  return typeof constructor === 'function'
    ? undefined
    : 'this environment has no Web Worker API (globalThis.Worker); run the page in a browser';
}

/** A {@link WorkerStarter} that runs `entryUrl` (the web worker entry module) in a module Web Worker. */
export function webWorkerStarter(entryUrl: string, transport: TransportKind): WorkerStarter {
  return (boot: WorkerBootData): WorkerHandle => {
    const reason = webWorkerUnavailableReason();
    if (reason !== undefined) throw new Error(reason);
    const Worker = (globalThis as unknown as { Worker: WebWorkerConstructor }).Worker;
    const worker = new Worker(entryUrl, {
      type: 'module',
      name: `ringkernel ${boot.kernelId}#${boot.workerIndex}`,
    });
    const exitListeners: ((exitCode: number) => void)[] = [];
    let exited = false;
    // postMessage transport: the worker gets copies of the ring memory (taken by this very
    // postMessage), and a mirror on each side ships the changes.
    const mirror =
      transport === 'postMessage' && boot.mirrored === true
        ? bootMirror(boot, (envelope) => worker.postMessage(envelope))
        : undefined;
    worker.postMessage(boot);
    if (mirror !== undefined) {
      worker.addEventListener('message', (event) => {
        if (isMirrorEnvelope(event.data)) mirror.apply(event.data.ringkernelMirror);
      });
      mirror.start();
    }
    return {
      onMessage: (listener) =>
        worker.addEventListener('message', (event) => {
          if (!isMirrorEnvelope(event.data)) listener(event.data);
        }),
      onError: (listener) => {
        worker.addEventListener('error', (event) => {
          const where = event.filename === undefined ? '' : ` (${event.filename}:${event.lineno ?? 0})`;
          listener(
            event.error instanceof Error ? event.error : new Error(`${event.message ?? 'error'}${where}`),
          );
        });
        worker.addEventListener('messageerror', () =>
          listener(new Error('a message from the worker could not be deserialized')),
        );
      },
      // A Web Worker has no exit event: it ends only when terminated, which reports here as Node's does.
      onExit: (listener) => exitListeners.push(listener),
      terminate: () => {
        mirror?.stop();
        worker.terminate();
        if (!exited) {
          exited = true;
          for (const listener of exitListeners) listener(1);
        }
        return Promise.resolve();
      },
    };
  };
}
