import { Worker } from 'node:worker_threads';
import { waitOnWordAsync } from '../../ring/wait-on-word.js';
import type { StateBufferSpec } from '../state-buffers.js';
import { initialStateArray } from '../state-buffers.js';
import type { DeviceLink } from './device-link.js';
import type { EmulatorProgram } from './device-emulator.js';
import type { EmulatorBoot } from './device-emulator-worker-node.js';
import { CudaDeviceError } from './errors.js';
import { CONTROL, RingRegion, type RegionLayout } from './ring-protocol.js';
import type { PlainFieldLayout } from './struct-codec.js';

const ownExtension = /\.[cm]?[jt]s$/.exec(import.meta.url)?.[0] ?? '.js';
const entryUrl = new URL(`./device-emulator-worker-node${ownExtension}`, import.meta.url).href;

function startThread(boot: EmulatorBoot): Worker {
  if (!/\.[cm]?tsx?$/.test(entryUrl)) return new Worker(new URL(entryUrl), { workerData: boot });
  // Under tsx (sources), register its loader in the thread before importing the entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const source =
    `import(${JSON.stringify(tsx)}).then((api) => { api.register(); ` +
    `return import(${JSON.stringify(entryUrl)}); });`;
  return new Worker(source, { eval: true, execArgv: [], workerData: boot });
}

/** What an emulated kernel is made of. */
export interface EmulatorLinkOptions {
  readonly kernelId: string;
  readonly layout: RegionLayout;
  readonly inputFields: readonly PlainFieldLayout[];
  readonly outputFields: readonly PlainFieldLayout[];
  readonly bodySource: string;
  readonly order: 'parallel' | 'sequential';
  readonly state: readonly (readonly [string, StateBufferSpec])[];
}

/**
 * Starts the device emulator: the ring region and the state buffers are SharedArrayBuffers, and a
 * worker thread runs the kernel loop over them (same layout and protocol as the GPU).
 */
export function startEmulatorLink(options: EmulatorLinkOptions): DeviceLink {
  const region = new RingRegion(new SharedArrayBuffer(options.layout.byteLength), options.layout);
  region.initialise();
  const stateViews = new Map<string, Float32Array | Int32Array | Uint32Array>();
  const state: [string, StateBufferSpec['type'], SharedArrayBuffer][] = [];
  for (const [name, spec] of options.state) {
    const buffer = new SharedArrayBuffer(spec.length * 4);
    stateViews.set(name, initialStateArray(spec, buffer as unknown as ArrayBuffer));
    state.push([name, spec.type, buffer]);
  }
  const program: EmulatorProgram = {
    kernelId: options.kernelId,
    inputFields: options.inputFields,
    outputFields: options.outputFields,
    bodySource: options.bodySource,
    order: options.order,
    state,
  };
  const worker = startThread({ region: region.buffer as SharedArrayBuffer, layout: options.layout, program });
  let closed = false;
  let exited = false;
  const failure = new Promise<Error>((resolve) => {
    worker.on('error', (error) =>
      resolve(
        new CudaDeviceError(options.kernelId, `the emulator thread failed: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    worker.on('exit', (code) => {
      exited = true;
      if (!closed && code !== 0)
        resolve(new CudaDeviceError(options.kernelId, `the emulator thread exited with code ${code}`));
    });
  });
  return {
    kind: 'cuda-emulator',
    description: 'device emulator (worker thread, same ring layout as the GPU)',
    region,
    kick: () => undefined,
    waitForDevice: async (seen, timeoutMs) => {
      await waitOnWordAsync(region.words, CONTROL.deviceDoorbell, seen | 0, timeoutMs);
    },
    readState: (name) => {
      const view = stateViews.get(name);
      if (view === undefined)
        return Promise.reject(new CudaDeviceError(options.kernelId, `there is no state buffer '${name}'`));
      return Promise.resolve(view.slice());
    },
    failure,
    close: async (force) => {
      if (closed) return;
      closed = true;
      if (force || !exited) await worker.terminate();
    },
  };
}
