import { parentPort, workerData } from 'node:worker_threads';
import { runEmulatedDevice, type EmulatorProgram } from './device-emulator.js';
import { RingRegion, type RegionLayout } from './ring-protocol.js';

/** What the emulator thread is started with. */
export interface EmulatorBoot {
  readonly region: SharedArrayBuffer;
  readonly layout: RegionLayout;
  readonly program: EmulatorProgram;
}

const boot = workerData as EmulatorBoot;
runEmulatedDevice(new RingRegion(boot.region, boot.layout), boot.program);
parentPort?.postMessage('terminated');
