import type { RingRegion } from './ring-protocol.js';

/** Which device plays the kernel: a real GPU through the CUDA driver, or the emulator thread. */
export type CudaDeviceKind = 'cuda' | 'cuda-emulator';

/** The host's handle on the device side of one persistent ring kernel. */
export interface DeviceLink {
  readonly kind: CudaDeviceKind;
  /** One line for logs: which device and mode (e.g. `emulator (worker thread)`). */
  readonly description: string;
  readonly region: RingRegion;
  /** Told after the host published inputs or changed the command (relaunch mode launches a pass). */
  kick(): void;
  /** Resolves once the device doorbell differs from `seen`, or after `timeoutMs`. Never rejects. */
  waitForDevice(seen: number, timeoutMs: number): Promise<void>;
  /** A copy of a state buffer (after termination or while running: a snapshot). */
  readState(name: string): Promise<Float32Array | Int32Array | Uint32Array>;
  /** Settles with the device side's failure, if it ever fails (never resolves otherwise). */
  readonly failure: Promise<Error>;
  /** Ends the device side: `force` kills it (emulator thread) or abandons it; frees memory. Idempotent. */
  close(force: boolean): Promise<void>;
}
