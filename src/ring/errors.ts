import { RingKernelError } from '../errors.js';

/**
 * A frame can never fit in the ring: its length plus the 4-byte length prefix exceeds the capacity.
 *
 * Raised only at API boundaries (`write`, `checkFrameSize`, `reserve` validation); the hot-path
 * `tryWrite` returns `false` instead, so check `ring.maxFrameSize` when choosing a capacity.
 */
export class FrameTooLargeError extends RingKernelError {
  /** Length of the rejected frame, in bytes. */
  readonly frameLength: number;
  /** Largest frame this ring accepts, in bytes. */
  readonly maxFrameSize: number;

  constructor(frameLength: number, maxFrameSize: number) {
    super(
      'FRAME_TOO_LARGE',
      `a frame of ${frameLength} bytes cannot fit in this ring (max frame size ${maxFrameSize} bytes); ` +
        'allocate the ring with a larger capacity or split the payload',
    );
    this.frameLength = frameLength;
    this.maxFrameSize = maxFrameSize;
  }
}

/**
 * A SharedArrayBuffer region does not hold what `attach` expected (wrong offset, never initialised,
 * or written by an incompatible layout version).
 */
export class RingLayoutError extends RingKernelError {
  constructor(message: string) {
    super('RING_LAYOUT', message);
  }
}
