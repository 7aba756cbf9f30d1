import { RingKernelError } from '../errors.js';

/** A device-resident kernel's definition cannot work: bad schema, state, WGSL or option. */
export class GpuKernelDefinitionError extends RingKernelError {
  readonly kernelId: string | undefined;

  constructor(kernelId: string | undefined, problem: string) {
    super(
      'GPU_KERNEL_DEFINITION',
      `GPU ring kernel${kernelId === undefined ? '' : ` '${kernelId}'`}: ${problem}`,
    );
    this.kernelId = kernelId;
  }
}

/** A device-resident kernel got a message it cannot process (wrong type, malformed graph edit, ...). */
export class GpuKernelInputError extends RingKernelError {
  readonly kernelId: string;

  constructor(kernelId: string, problem: string) {
    super('GPU_KERNEL_INPUT', `kernel '${kernelId}' cannot process a message: ${problem}`);
    this.kernelId = kernelId;
  }
}
