import { RingKernelError } from '../../errors.js';

/** A persistent CUDA kernel's body rejected a message (set `status` non-zero, or threw in the emulator). */
export class CudaMessageRejectedError extends RingKernelError {
  readonly kernelId: string;
  readonly status: number;

  constructor(kernelId: string, status: number, position: number) {
    super(
      'CUDA_MESSAGE_REJECTED',
      `kernel '${kernelId}' rejected message ${position} with status ${status} (its body set status); ` +
        'no reply was made: fix the input or handle the error',
    );
    this.kernelId = kernelId;
    this.status = status;
  }
}

/** The device side of a persistent CUDA kernel failed (CUDA error, emulator thread died, broken region). */
export class CudaDeviceError extends RingKernelError {
  readonly kernelId: string;

  constructor(kernelId: string, problem: string, options?: ErrorOptions) {
    super('CUDA_DEVICE_ERROR', `CUDA ring kernel '${kernelId}': ${problem}`, options);
    this.kernelId = kernelId;
  }
}
