export { ControlBlock, type ControlWaitOptions } from './control-block.js';
export { FrameTooLargeError, RingLayoutError } from './errors.js';
export { RingChannel, type RingChannelOptions, type RingChannelSide } from './ring-channel.js';
export {
  RING_EMPTY,
  SpscByteRing,
  TARGET_TOO_SMALL,
  type FrameVisitor,
  type RingAsyncWaitOptions,
  type RingWaitOptions,
  type RingWaitOutcome,
} from './spsc-byte-ring.js';
