import { InvalidArgumentError, describeValue } from '../../errors.js';

/*
 * The memory a persistent ring kernel shares with the host: one region of mapped, pinned host memory
 * on a GPU (`cuMemHostAlloc(DEVICEMAP | PORTABLE)`, seen by TypeScript as an ArrayBuffer through
 * koffi), or a SharedArrayBuffer when the device emulator plays the GPU's part. The byte layout is the
 * same in both and in the generated CUDA C (`RK_*` constants).
 *
 * | bytes            | what                         | written by                               |
 * | ---------------- | ---------------------------- | ---------------------------------------- |
 * | 0–63             | header                       | host, once before launch                 |
 * | 64–127           | command, host doorbell       | host                                     |
 * | 128–191          | device state, mode, error    | device                                   |
 * | 192–255          | telemetry                    | device                                   |
 * | 256–319          | state buffer pointers (u64)  | host, once before launch                 |
 * | 320–              | input ring: tail line (host), head line (device), slots          |
 * | then              | output ring: tail line (device), head line (host), slots         |
 *
 * Each ring is single-producer single-consumer over fixed slots; indices are free-running u32
 * counters (slot = index & (capacity - 1)). A producer fills slots, then publishes its index with a
 * release store; the consumer reads the index with an acquire load, then the slots. Input slots hold
 * the request struct (WGSL/CUDA layout of the input schema); output slots a 16-byte header
 * (sequence = the request's stream position, status: 0 = ok, else the body's error code) followed by
 * the reply struct. Every request yields exactly one output slot, in request order.
 */

/** "RKCU" in ASCII: marks an initialised region. */
export const REGION_MAGIC = 0x524b4355;
export const REGION_VERSION = 1;

export const LINE_BYTES = 64;
const LINE_WORDS = LINE_BYTES / 4;

/** Word indices (u32) in the control block. */
export const CONTROL = {
  magic: 0,
  version: 1,
  capacity: 2,
  inputSlotBytes: 3,
  outputSlotBytes: 4,
  maxBurst: 5,
  inputRingOffset: 6,
  outputRingOffset: 7,
  stateCount: 8,
  /** Host line: command bits ({@link COMMAND}) and a counter bumped on every publish or command. */
  command: LINE_WORDS,
  hostDoorbell: LINE_WORDS + 1,
  /** Device line: {@link DEVICE_STATE}, {@link DEVICE_MODE}, error code, device doorbell. */
  deviceState: 2 * LINE_WORDS,
  deviceMode: 2 * LINE_WORDS + 1,
  errorCode: 2 * LINE_WORDS + 2,
  deviceDoorbell: 2 * LINE_WORDS + 3,
  /** Input index up to which the device has taken messages (set before a burst is processed). */
  claimed: 2 * LINE_WORDS + 4,
  /** Telemetry line (device-written, counters modulo 2^32). */
  processed: 3 * LINE_WORDS,
  rejected: 3 * LINE_WORDS + 1,
  bursts: 3 * LINE_WORDS + 2,
  idlePolls: 3 * LINE_WORDS + 3,
  lastError: 3 * LINE_WORDS + 4,
  clockLow: 3 * LINE_WORDS + 5,
  clockHigh: 3 * LINE_WORDS + 6,
  dropped: 3 * LINE_WORDS + 7,
  launches: 3 * LINE_WORDS + 8,
  /** First word of the state pointer table (8 × u64). */
  statePointers: 4 * LINE_WORDS,
} as const;

export const CONTROL_BYTES = 5 * LINE_BYTES;
/** Most state buffers one kernel may have (the pointer table's size). */
export const MAX_STATE_BUFFERS = 8;

/** Bits of the command word. */
export const COMMAND = { active: 1, terminate: 2 } as const;
/** Values of the device-state word. */
export const DEVICE_STATE = { notStarted: 0, running: 1, terminated: 2, failed: 3 } as const;
/** Values of the device-mode word. */
export const DEVICE_MODE = { unknown: 0, persistent: 1, relaunch: 2, emulator: 3 } as const;
/** Error codes of the error word / telemetry `lastError`. */
export const DEVICE_ERROR = { none: 0, bodyStatus: 1, emulatorBody: 2, badHeader: 3 } as const;

/** A ring header: two lines, the producer's index on the first, the consumer's on the second. */
export const RING_HEADER_BYTES = 2 * LINE_BYTES;
export const OUTPUT_HEADER_BYTES = 16;

/** Where everything sits in a region. */
export interface RegionLayout {
  readonly capacity: number;
  readonly inputSlotBytes: number;
  readonly outputSlotBytes: number;
  readonly maxBurst: number;
  readonly inputRingOffset: number;
  readonly inputSlotsOffset: number;
  readonly outputRingOffset: number;
  readonly outputSlotsOffset: number;
  readonly byteLength: number;
}

const roundUp = (value: number, to: number): number => Math.ceil(value / to) * to;

/**
 * The region for rings of `capacity` slots (a power of two) carrying structs of `inputStride` and
 * `outputStride` bytes, with bursts of at most `maxBurst` messages.
 */
export function regionLayout(
  inputStride: number,
  outputStride: number,
  capacity: number,
  maxBurst: number,
): RegionLayout {
  if (!Number.isInteger(capacity) || capacity < 2 || capacity > 2 ** 24 || (capacity & (capacity - 1)) !== 0)
    throw new InvalidArgumentError(
      `ring capacity must be a power of two in 2..2^24, got ${describeValue(capacity)}`,
    );
  if (!Number.isInteger(maxBurst) || maxBurst < 1 || maxBurst > capacity)
    throw new InvalidArgumentError(
      `maxBurst must be an integer in 1..${capacity}, got ${describeValue(maxBurst)}`,
    );
  const inputSlotBytes = roundUp(inputStride, 16);
  const outputSlotBytes = OUTPUT_HEADER_BYTES + roundUp(outputStride, 16);
  const inputRingOffset = CONTROL_BYTES;
  const inputSlotsOffset = inputRingOffset + RING_HEADER_BYTES;
  const outputRingOffset = roundUp(inputSlotsOffset + capacity * inputSlotBytes, LINE_BYTES);
  const outputSlotsOffset = outputRingOffset + RING_HEADER_BYTES;
  const byteLength = roundUp(outputSlotsOffset + capacity * outputSlotBytes, LINE_BYTES);
  return {
    capacity,
    inputSlotBytes,
    outputSlotBytes,
    maxBurst,
    inputRingOffset,
    inputSlotsOffset,
    outputRingOffset,
    outputSlotsOffset,
    byteLength,
  };
}

/** Word index of a byte offset (offsets of ring lines are multiples of 64). */
const wordOf = (byteOffset: number): number => byteOffset / 4;

/**
 * Views over one region, used by both sides: the host (TypeScript, on a mapped ArrayBuffer or a
 * SharedArrayBuffer) and the device emulator. Index words are read and written with `Atomics`
 * (sequentially consistent, so at least acquire/release, as the CUDA side uses).
 */
export class RingRegion {
  /** The memory (after {@link detach}: a private copy of its last contents). */
  buffer: ArrayBuffer | SharedArrayBuffer;
  readonly layout: RegionLayout;
  words: Int32Array;
  bytes: Uint8Array;
  readonly inputTailWord: number;
  readonly inputHeadWord: number;
  readonly outputTailWord: number;
  readonly outputHeadWord: number;

  constructor(buffer: ArrayBuffer | SharedArrayBuffer, layout: RegionLayout, byteOffset = 0) {
    if (buffer.byteLength < byteOffset + layout.byteLength)
      throw new InvalidArgumentError(
        `the ring region needs ${layout.byteLength} bytes, the buffer has ${buffer.byteLength - byteOffset}`,
      );
    this.buffer = buffer;
    this.layout = layout;
    this.words = new Int32Array(buffer, byteOffset, layout.byteLength / 4);
    this.bytes = new Uint8Array(buffer, byteOffset, layout.byteLength);
    this.inputTailWord = wordOf(layout.inputRingOffset);
    this.inputHeadWord = wordOf(layout.inputRingOffset + LINE_BYTES);
    this.outputTailWord = wordOf(layout.outputRingOffset);
    this.outputHeadWord = wordOf(layout.outputRingOffset + LINE_BYTES);
  }

  /**
   * Copies the region into memory of its own and looks at the copy from now on: called before the
   * mapped memory is freed, so telemetry stays readable after the kernel ended.
   */
  detach(): void {
    const copy = new ArrayBuffer(this.layout.byteLength);
    new Uint8Array(copy).set(this.bytes);
    this.buffer = copy;
    this.words = new Int32Array(copy);
    this.bytes = new Uint8Array(copy);
  }

  /** Writes the header (before the device starts): zeroes everything else. */
  initialise(statePointers: readonly bigint[] = []): void {
    if (statePointers.length > MAX_STATE_BUFFERS)
      throw new InvalidArgumentError(
        `at most ${MAX_STATE_BUFFERS} state buffers, got ${statePointers.length}`,
      );
    this.bytes.fill(0);
    const { words, layout } = this;
    words[CONTROL.magic] = REGION_MAGIC;
    words[CONTROL.version] = REGION_VERSION;
    words[CONTROL.capacity] = layout.capacity;
    words[CONTROL.inputSlotBytes] = layout.inputSlotBytes;
    words[CONTROL.outputSlotBytes] = layout.outputSlotBytes;
    words[CONTROL.maxBurst] = layout.maxBurst;
    words[CONTROL.inputRingOffset] = layout.inputRingOffset;
    words[CONTROL.outputRingOffset] = layout.outputRingOffset;
    words[CONTROL.stateCount] = statePointers.length;
    const pointers = new BigUint64Array(
      this.buffer,
      this.bytes.byteOffset + CONTROL.statePointers * 4,
      MAX_STATE_BUFFERS,
    );
    statePointers.forEach((pointer, index) => (pointers[index] = pointer));
  }

  /** Reads a word (atomically) as an unsigned number. */
  load(word: number): number {
    return Atomics.load(this.words, word) >>> 0;
  }

  /** Writes a word (atomically). */
  store(word: number, value: number): void {
    Atomics.store(this.words, word, value | 0);
  }

  /** Stores and wakes a thread sleeping on the word (the emulator); a no-op wake on a mapped ArrayBuffer. */
  bump(word: number): void {
    Atomics.add(this.words, word, 1);
    if (this.buffer instanceof SharedArrayBuffer) Atomics.notify(this.words, word);
  }

  /** Sets or clears command bits ({@link COMMAND}) and rings the host doorbell. */
  setCommand(bits: number, on: boolean): void {
    if (on) Atomics.or(this.words, CONTROL.command, bits);
    else Atomics.and(this.words, CONTROL.command, ~bits);
    this.bump(CONTROL.hostDoorbell);
  }

  /** Byte offset of the input slot of a free-running index. */
  inputSlotOffset(index: number): number {
    return this.layout.inputSlotsOffset + (index & (this.layout.capacity - 1)) * this.layout.inputSlotBytes;
  }

  /** Byte offset of the output slot of a free-running index. */
  outputSlotOffset(index: number): number {
    return this.layout.outputSlotsOffset + (index & (this.layout.capacity - 1)) * this.layout.outputSlotBytes;
  }

  /** The device clock the GPU (or emulator) last wrote, in nanoseconds. */
  deviceClockNs(): bigint {
    return (BigInt(this.load(CONTROL.clockHigh)) << 32n) | BigInt(this.load(CONTROL.clockLow));
  }
}
