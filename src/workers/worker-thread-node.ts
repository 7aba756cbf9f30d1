import { Worker } from 'node:worker_threads';
import type { WorkerBootData } from './protocol.js';
import type { WorkerHandle, WorkerResourceLimits, WorkerStarter } from './worker-handle.js';

/** The entry module next to this file: `.ts` when running from sources under tsx, `.js` when built. */
const ownExtension = /\.[cm]?[jt]s$/.exec(import.meta.url)?.[0] ?? '.js';
const entryUrl = new URL(`./worker-entry-node${ownExtension}`, import.meta.url).href;
const typeScriptUrl = /\.[cm]?tsx?$/;

/**
 * Where tsx's programmatic API lives, if it is installed. Resolved from this package so it does not
 * depend on the current directory.
 */
function tsxApiUrl(): string | undefined {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}

/**
 * Starts the worker entry in a `worker_thread`. When TypeScript has to be loaded (the entry itself
 * under tsx, or a `.ts` kernel module), the thread first registers tsx's loader and then imports the
 * entry: on Node 20 `execArgv: ['--import', 'tsx']` registers the loader too late for the entry.
 */
export const startWorkerThread: WorkerStarter = (
  boot: WorkerBootData,
  resourceLimits: WorkerResourceLimits | undefined,
): WorkerHandle => {
  const needsTypeScript =
    typeScriptUrl.test(entryUrl) ||
    typeScriptUrl.test(boot.moduleUrl) ||
    (boot.messagesModuleUrl !== undefined && typeScriptUrl.test(boot.messagesModuleUrl));
  const options = {
    workerData: boot,
    ...(resourceLimits === undefined ? {} : { resourceLimits: { ...resourceLimits } }),
  };
  let worker: Worker;
  if (needsTypeScript) {
    const tsx = tsxApiUrl();
    if (tsx === undefined) {
      throw new Error(
        'loading a .ts kernel module needs tsx (npm install --save-dev tsx), or build it to .js first',
      );
    }
    const source =
      `import(${JSON.stringify(tsx)}).then((api) => { api.register(); ` +
      `return import(${JSON.stringify(entryUrl)}); });`;
    // The inherited `--import tsx` would register the loader a second time.
    worker = new Worker(source, { ...options, eval: true, execArgv: [] });
  } else {
    worker = new Worker(new URL(entryUrl), options);
  }
  return {
    onMessage: (listener) => worker.on('message', listener),
    onError: (listener) => worker.on('error', listener),
    onExit: (listener) => worker.on('exit', listener),
    terminate: async () => {
      await worker.terminate();
    },
  };
};
