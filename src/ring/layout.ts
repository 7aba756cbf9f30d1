/**
 * Shared-memory layout of one SPSC byte ring. Word indices address an Int32Array over the header.
 *
 * Each line of 64 bytes is written by one side only, so the producer's and the consumer's stores
 * never contend for the same cache line on the hot path:
 *
 * | line | bytes   | written by                    | words                                       |
 * | ---- | ------- | ----------------------------- | ------------------------------------------- |
 * | 0    | 0–63    | initialiser (then read-only)  | magic, layout version, capacity             |
 * | 1    | 64–127  | producer                      | tail (free-running write index)             |
 * | 2    | 128–191 | consumer                      | head (free-running read index)              |
 * | 3    | 192–255 | consumer waiting (slow path)  | consumer sleeping flag, doorbell, interrupts |
 * | 4    | 256–319 | producer waiting (slow path)  | producer sleeping flag, doorbell, interrupts |
 *
 * The data region follows the header. A frame is a 4-byte length (host byte order) followed by the
 * payload, padded to a multiple of 4 so the length word never straddles the end of the ring; the
 * payload itself may wrap. A length word of {@link PADDING_MARKER} means "skip to the start",
 * written when a contiguous reservation does not fit before the end.
 */
export const CACHE_LINE_BYTES = 64;
export const RING_HEADER_BYTES = 5 * CACHE_LINE_BYTES;

export const MAGIC_WORD = 0;
export const VERSION_WORD = 1;
export const CAPACITY_WORD = 2;
export const TAIL_WORD = CACHE_LINE_BYTES / 4;
export const HEAD_WORD = (2 * CACHE_LINE_BYTES) / 4;

/** Offsets of the three waiting words inside a side's line (sleeping = number of sleepers). */
export const SLEEPING_OFFSET = 0;
export const DOORBELL_OFFSET = 1;
export const INTERRUPTS_OFFSET = 2;
export const CONSUMER_WAIT_LINE = (3 * CACHE_LINE_BYTES) / 4;
export const PRODUCER_WAIT_LINE = (4 * CACHE_LINE_BYTES) / 4;

/** "RKRG" in ASCII: marks an initialised ring header. */
export const RING_MAGIC = 0x524b5247;
export const RING_LAYOUT_VERSION = 1;

export const FRAME_HEADER_BYTES = 4;
export const PADDING_MARKER = -1;

export const MIN_RING_CAPACITY = 16;
/** Indices are free-running 32-bit counters; their difference must stay representable. */
export const MAX_RING_CAPACITY = 2 ** 30;

/** Bytes a frame of `length` payload bytes occupies in the data region. */
export function frameFootprint(length: number): number {
  return FRAME_HEADER_BYTES + ((length + 3) & ~3);
}
