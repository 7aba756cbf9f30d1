import { InvalidArgumentError, TimeoutError, describeValue } from '../errors.js';
import { FrameTooLargeError, RingLayoutError } from './errors.js';
import {
  CACHE_LINE_BYTES,
  CAPACITY_WORD,
  CONSUMER_WAIT_LINE,
  DOORBELL_OFFSET,
  FRAME_HEADER_BYTES,
  HEAD_WORD,
  INTERRUPTS_OFFSET,
  MAGIC_WORD,
  MAX_RING_CAPACITY,
  MIN_RING_CAPACITY,
  PADDING_MARKER,
  PRODUCER_WAIT_LINE,
  RING_HEADER_BYTES,
  RING_LAYOUT_VERSION,
  RING_MAGIC,
  SLEEPING_OFFSET,
  TAIL_WORD,
  VERSION_WORD,
  frameFootprint,
} from './layout.js';
import { allocateRingMemory, isRingMemory, type RingMemory, type RingMemoryKind } from './memory.js';
import { isValidTimeout, waitOnWordAsync } from './wait-on-word.js';

/** `tryRead` / `acquireRead` / `peekLength` result: no frame is available yet. */
export const RING_EMPTY = -1;
/** `tryRead` result: the next frame is longer than the room left in the target (nothing was consumed). */
export const TARGET_TOO_SMALL = -2;

/**
 * How a blocking wait ended. `interrupted` means another thread called `interruptConsumer` /
 * `interruptProducer` (or the wait woke with nothing to do): recheck your own state, then wait again.
 */
export type RingWaitOutcome = 'ready' | 'interrupted' | 'timed-out';

/** Options of the synchronous waits (`Atomics.wait`: workers, or Node's main thread). */
export interface RingWaitOptions {
  /** Milliseconds before giving up with `timed-out`. Default: `Infinity`. */
  readonly timeout?: number;
  /** Readiness checks to spin through before sleeping (trades CPU for latency). Default: 0. */
  readonly spin?: number;
}

/** Options of the asynchronous waits (`Atomics.waitAsync`: any thread, including a browser's main one). */
export interface RingAsyncWaitOptions extends RingWaitOptions {
  /** Cancels the wait; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Receives one frame in place: `bytes[offset .. offset + length)`, valid only during the call. */
export type FrameVisitor = (bytes: Uint8Array, offset: number, length: number) => void;

/** Frames this short are copied byte by byte: cheaper than `TypedArray.prototype.set` for them. */
const SMALL_COPY_BYTES = 32;

/**
 * A single-producer single-consumer ring of length-prefixed byte frames in a SharedArrayBuffer.
 *
 * One thread writes (`tryWrite`, `tryWriteBatch`, `reserve`/`commit` + `publish`), one thread reads
 * (`tryRead`, `acquireRead`/`releaseRead`, `drain`); each builds its own `SpscByteRing` over the same
 * buffer with {@link SpscByteRing.attach}. Hot-path calls never throw: they return counts or
 * sentinels ({@link RING_EMPTY}, `false`). They allocate nothing, except one temporary view per
 * bulk copy of a frame longer than 32 bytes that wraps or is copied out by `tryRead`. The tail and
 * head indices live on separate 64-byte lines, each written by one side only. The doorbell
 * (`waitReadable` / `waitWritable` and their async forms) sleeps on `Atomics.wait` /
 * `Atomics.waitAsync`; the other side pays for `Atomics.notify` only when a sleeper count says
 * someone is asleep. Batch calls (`tryStage` + `publish`, `drain`, `acquireRead` + `releaseRead`)
 * pay the cross-thread index store once per batch instead of once per frame.
 *
 * A pending `waitReadableAsync`/`waitWritableAsync` without a timeout does not keep a Node
 * process alive (Node does not count `Atomics.waitAsync` as pending work); with a timeout it does.
 *
 * @example
 * ```ts
 * // main thread
 * const ring = SpscByteRing.allocate(1 << 16);
 * worker.postMessage(ring.buffer);
 * ring.tryWrite(new TextEncoder().encode('hello')); // false when full: wait with ring.waitWritableAsync(5)
 *
 * // worker thread
 * const ring = SpscByteRing.attach(buffer);
 * const target = new Uint8Array(ring.maxFrameSize);
 * if (ring.waitReadable({ timeout: 100 }) === 'ready') {
 *   const length = ring.tryRead(target); // frame length, or RING_EMPTY
 * }
 * ```
 */
export class SpscByteRing {
  /** The shared memory holding header and data (possibly with other structures around it). */
  readonly buffer: RingMemory;
  /** Where this ring's header starts in {@link buffer}. */
  readonly byteOffset: number;
  /** Bytes of data region (a power of two). */
  readonly capacity: number;
  /** Largest payload `tryWrite`/`reserve` can ever accept: `capacity - 4`. */
  readonly maxFrameSize: number;
  /**
   * The data region. `reserve` returns offsets into it and `acquireRead` may point into it; the
   * bytes between frames belong to the ring.
   */
  readonly bytes: Uint8Array;

  private readonly header: Int32Array;
  /** The data region as 32-bit words, for length prefixes (always 4-byte aligned). */
  private readonly words: Int32Array;
  private readonly mask: number;

  // Producer-private state.
  private writeIndex: number;
  private publishedTail: number;
  private cachedHead: number;
  private reservedIndex = -1;
  private reservedLength = 0;
  private seenProducerInterrupts: number;

  // Consumer-private state.
  private readIndex: number;
  private publishedHead: number;
  private cachedTail: number;
  private scratch: Uint8Array = new Uint8Array(0);
  private currentFrameBytes: Uint8Array;
  private currentFrameOffset = 0;
  private seenConsumerInterrupts: number;

  /** Bytes of shared memory a ring of `capacity` needs (header included). */
  static byteLengthFor(capacity: number): number {
    checkCapacity(capacity);
    return RING_HEADER_BYTES + capacity;
  }

  /**
   * Creates a SharedArrayBuffer holding one empty ring.
   *
   * @param capacity - data bytes, a power of two between 16 and 2^30.
   */
  static allocate(capacity: number, memory: RingMemoryKind = 'shared'): SpscByteRing {
    return SpscByteRing.initialize(
      allocateRingMemory(SpscByteRing.byteLengthFor(capacity), memory),
      0,
      capacity,
    );
  }

  /**
   * Lays out an empty ring in an existing buffer at `byteOffset` (a multiple of 64), for layouts
   * that pack several structures in one SharedArrayBuffer. Call it once, before any thread attaches.
   */
  static initialize(buffer: RingMemory, byteOffset: number, capacity: number): SpscByteRing {
    checkRegion(buffer, byteOffset, SpscByteRing.byteLengthFor(capacity));
    const header = new Int32Array(buffer, byteOffset, RING_HEADER_BYTES / 4);
    header.fill(0);
    Atomics.store(header, CAPACITY_WORD, capacity);
    Atomics.store(header, VERSION_WORD, RING_LAYOUT_VERSION);
    Atomics.store(header, MAGIC_WORD, RING_MAGIC);
    return new SpscByteRing(buffer, byteOffset, capacity);
  }

  /** Builds views over a ring that `allocate`/`initialize` laid out, from any thread. */
  static attach(buffer: RingMemory, byteOffset = 0): SpscByteRing {
    checkRegion(buffer, byteOffset, RING_HEADER_BYTES);
    const header = new Int32Array(buffer, byteOffset, RING_HEADER_BYTES / 4);
    if (Atomics.load(header, MAGIC_WORD) !== RING_MAGIC) {
      throw new RingLayoutError(
        `no ring header at byte ${byteOffset} of this SharedArrayBuffer; ` +
          'pass the buffer and offset that SpscByteRing.allocate/initialize used',
      );
    }
    const version = Atomics.load(header, VERSION_WORD);
    if (version !== RING_LAYOUT_VERSION) {
      throw new RingLayoutError(
        `ring layout version ${version} is not supported (expected ${RING_LAYOUT_VERSION}); ` +
          'make both threads load the same ringkernel version',
      );
    }
    const capacity = Atomics.load(header, CAPACITY_WORD);
    checkRegion(buffer, byteOffset, RING_HEADER_BYTES + capacity);
    return new SpscByteRing(buffer, byteOffset, capacity);
  }

  private constructor(buffer: RingMemory, byteOffset: number, capacity: number) {
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.capacity = capacity;
    this.maxFrameSize = capacity - FRAME_HEADER_BYTES;
    this.mask = capacity - 1;
    this.header = new Int32Array(buffer, byteOffset, RING_HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buffer, byteOffset + RING_HEADER_BYTES, capacity);
    this.words = new Int32Array(buffer, byteOffset + RING_HEADER_BYTES, capacity / 4);
    const tail = Atomics.load(this.header, TAIL_WORD);
    const head = Atomics.load(this.header, HEAD_WORD);
    this.writeIndex = tail;
    this.publishedTail = tail;
    this.cachedHead = head;
    this.readIndex = head;
    this.publishedHead = head;
    this.cachedTail = tail;
    this.currentFrameBytes = this.bytes;
    this.seenProducerInterrupts = Atomics.load(this.header, PRODUCER_WAIT_LINE + INTERRUPTS_OFFSET);
    this.seenConsumerInterrupts = Atomics.load(this.header, CONSUMER_WAIT_LINE + INTERRUPTS_OFFSET);
  }

  /** Total bytes of shared memory this ring spans (header and data). */
  get byteLength(): number {
    return RING_HEADER_BYTES + this.capacity;
  }

  /** Bytes published and not yet released, as seen from the shared indices (a snapshot). */
  get usedBytes(): number {
    return (Atomics.load(this.header, TAIL_WORD) - Atomics.load(this.header, HEAD_WORD)) | 0;
  }

  /** Throws {@link FrameTooLargeError} when a frame of `length` bytes can never fit: the boundary check. */
  checkFrameSize(length: number): void {
    if (!Number.isInteger(length) || length < 0) {
      throw new InvalidArgumentError(
        `frame length must be a non-negative integer, got ${describeValue(length)}`,
      );
    }
    if (length > this.maxFrameSize) throw new FrameTooLargeError(length, this.maxFrameSize);
  }

  // ---------------------------------------------------------------- producer side

  /**
   * Writes one frame and publishes it. Returns `false` (writing nothing) when there is no room, or
   * when the frame is longer than {@link maxFrameSize} and never will be: check that at your API
   * boundary with {@link checkFrameSize}.
   */
  tryWrite(frame: Uint8Array): boolean {
    if (!this.tryStage(frame)) return false;
    this.publish();
    return true;
  }

  /**
   * Writes frames `frames[start..end)` in order until one does not fit, then publishes them all
   * with a single index store. Returns how many were written.
   */
  tryWriteBatch(frames: readonly Uint8Array[], start = 0, end = frames.length): number {
    let index = start;
    while (index < end && this.tryStage(frames[index]!)) index++;
    this.publish();
    return index - start;
  }

  /**
   * Writes one frame without making it visible to the consumer; {@link publish} makes every staged
   * frame visible at once. Returns `false` when there is no room.
   */
  tryStage(frame: Uint8Array): boolean {
    const length = frame.length;
    const footprint = frameFootprint(length);
    const capacity = this.capacity;
    const writeIndex = this.writeIndex;
    if (((writeIndex - this.cachedHead) | 0) + footprint > capacity) {
      this.cachedHead = Atomics.load(this.header, HEAD_WORD);
      if (((writeIndex - this.cachedHead) | 0) + footprint > capacity) return false;
    }
    const position = writeIndex & this.mask;
    this.words[position >> 2] = length;
    const payloadStart = (position + FRAME_HEADER_BYTES) & this.mask;
    const bytes = this.bytes;
    const firstPart = capacity - payloadStart;
    if (length <= firstPart) {
      if (length <= SMALL_COPY_BYTES) {
        for (let i = 0; i < length; i++) bytes[payloadStart + i] = frame[i]!;
      } else {
        bytes.set(frame, payloadStart);
      }
    } else {
      if (firstPart <= SMALL_COPY_BYTES) {
        for (let i = 0; i < firstPart; i++) bytes[payloadStart + i] = frame[i]!;
      } else {
        bytes.set(frame.subarray(0, firstPart), payloadStart);
      }
      if (length - firstPart <= SMALL_COPY_BYTES) {
        for (let i = firstPart; i < length; i++) bytes[i - firstPart] = frame[i]!;
      } else {
        bytes.set(frame.subarray(firstPart), 0);
      }
    }
    this.writeIndex = (writeIndex + footprint) | 0;
    return true;
  }

  /**
   * Reserves room for a frame of up to `maxLength` bytes laid out contiguously in {@link bytes},
   * so an encoder can write straight into the ring; returns the offset of the payload in
   * {@link bytes}, or -1 when there is no room yet (wait with `waitWritable(maxLength)` and retry).
   * Finish with {@link commit}. Reservations never wrap: when the end of the ring is too close, a
   * padding marker fills it and the frame starts at offset 0. Like `tryWrite`, it returns -1 forever
   * for `maxLength > maxFrameSize`: check with {@link checkFrameSize} at your boundary.
   */
  reserve(maxLength: number): number {
    const footprint = frameFootprint(maxLength);
    const capacity = this.capacity;
    if (footprint > capacity) return -1;
    let writeIndex = this.writeIndex;
    let position = writeIndex & this.mask;
    if (position + footprint > capacity) {
      const paddingBytes = capacity - position;
      if (!this.hasRoomFor(writeIndex, paddingBytes)) return -1;
      this.words[position >> 2] = PADDING_MARKER;
      writeIndex = (writeIndex + paddingBytes) | 0;
      this.writeIndex = writeIndex;
      // Published at once: the frame may only fit once the consumer has skipped the padding.
      this.publish();
      position = 0;
    }
    if (!this.hasRoomFor(writeIndex, footprint)) return -1;
    this.reservedIndex = writeIndex;
    this.reservedLength = maxLength;
    return position + FRAME_HEADER_BYTES;
  }

  /**
   * Stages the frame written into the last {@link reserve}d region, `length` bytes long (at most
   * the reserved length); {@link publish} makes it visible.
   *
   * @throws InvalidArgumentError without a reservation or with a longer length (a programming error).
   */
  commit(length: number): void {
    const reservedIndex = this.reservedIndex;
    if (
      reservedIndex !== this.writeIndex ||
      !(length >= 0 && length <= this.reservedLength && (length | 0) === length)
    ) {
      throw new InvalidArgumentError(
        `commit(${describeValue(length)}) needs a pending reserve() of at least that many bytes ` +
          `(reserved: ${reservedIndex === this.writeIndex ? this.reservedLength : 'none'})`,
      );
    }
    this.words[(reservedIndex & this.mask) >> 2] = length;
    this.writeIndex = (reservedIndex + frameFootprint(length)) | 0;
    this.reservedIndex = -1;
  }

  /** Makes staged frames visible to the consumer, waking it if (and only if) it sleeps. */
  publish(): void {
    const writeIndex = this.writeIndex;
    if (writeIndex === this.publishedTail) return;
    this.publishedTail = writeIndex;
    Atomics.store(this.header, TAIL_WORD, writeIndex);
    if (Atomics.load(this.header, CONSUMER_WAIT_LINE + SLEEPING_OFFSET) !== 0) {
      this.ringDoorbell(CONSUMER_WAIT_LINE);
    }
  }

  /**
   * Blocks the producer thread until a frame of `frameLength` bytes fits, after publishing what
   * was staged. Uses `Atomics.wait`: not allowed on a browser's main thread (use the async form).
   */
  waitWritable(frameLength: number, options: RingWaitOptions = {}): RingWaitOutcome {
    this.checkFrameSize(frameLength);
    this.publish();
    return this.waitSync(PRODUCER_WAIT_LINE, frameFootprint(frameLength), options);
  }

  /**
   * Resolves `ready` once a frame of `frameLength` bytes fits (after publishing what was staged),
   * or `interrupted`; rejects with `TimeoutError` after `timeout` ms or `signal.reason` on abort.
   */
  async waitWritableAsync(
    frameLength: number,
    options: RingAsyncWaitOptions = {},
  ): Promise<'ready' | 'interrupted'> {
    this.checkFrameSize(frameLength);
    this.publish();
    return this.waitAsync(PRODUCER_WAIT_LINE, frameFootprint(frameLength), options, 'ring write');
  }

  /**
   * Writes one frame, waiting for room: the boundary form of `tryWrite`. Resolves `true` once
   * written and published, `false` when interrupted first.
   *
   * @throws FrameTooLargeError when the frame can never fit.
   */
  async write(frame: Uint8Array, options: RingAsyncWaitOptions = {}): Promise<boolean> {
    this.checkFrameSize(frame.length);
    for (;;) {
      if (this.tryWrite(frame)) return true;
      if ((await this.waitWritableAsync(frame.length, options)) === 'interrupted')
        return this.tryWrite(frame);
    }
  }

  /** Wakes a producer blocked in `waitWritable`/`waitWritableAsync` (from any thread); it returns `interrupted`. */
  interruptProducer(): void {
    this.interrupt(PRODUCER_WAIT_LINE);
  }

  // ---------------------------------------------------------------- consumer side

  /**
   * Copies the next frame into `target` at `targetOffset` and releases it. Returns the frame's
   * length, {@link RING_EMPTY}, or {@link TARGET_TOO_SMALL} (nothing consumed; see {@link peekLength}).
   */
  tryRead(target: Uint8Array, targetOffset = 0): number {
    const readIndex = this.skipPadding();
    if (readIndex === this.cachedTail) {
      this.releaseRead();
      return RING_EMPTY;
    }
    const position = readIndex & this.mask;
    const length = this.words[position >> 2]!;
    if (length > target.length - targetOffset) return TARGET_TOO_SMALL;
    const payloadStart = (position + FRAME_HEADER_BYTES) & this.mask;
    const firstPart = this.capacity - payloadStart;
    const bytes = this.bytes;
    if (length <= SMALL_COPY_BYTES) {
      if (length <= firstPart) {
        for (let i = 0; i < length; i++) target[targetOffset + i] = bytes[payloadStart + i]!;
      } else {
        for (let i = 0; i < firstPart; i++) target[targetOffset + i] = bytes[payloadStart + i]!;
        for (let i = firstPart; i < length; i++) target[targetOffset + i] = bytes[i - firstPart]!;
      }
    } else if (length <= firstPart) {
      target.set(bytes.subarray(payloadStart, payloadStart + length), targetOffset);
    } else {
      target.set(bytes.subarray(payloadStart, this.capacity), targetOffset);
      target.set(bytes.subarray(0, length - firstPart), targetOffset + firstPart);
    }
    this.readIndex = (readIndex + frameFootprint(length)) | 0;
    this.releaseRead();
    return length;
  }

  /** Length of the next frame without consuming it, or {@link RING_EMPTY}. */
  peekLength(): number {
    const readIndex = this.skipPadding();
    if (readIndex === this.cachedTail) return RING_EMPTY;
    return this.words[(readIndex & this.mask) >> 2]!;
  }

  /**
   * Takes the next frame in place and returns its length, or {@link RING_EMPTY}. Its payload is
   * `frameBytes[frameOffset .. frameOffset + length)`: the ring's own memory, or a private copy
   * when the frame wraps around the end. It stays valid until {@link releaseRead} (which gives the
   * space back to the producer) or the next `acquireRead`. Several frames may be acquired before
   * one `releaseRead`: a batch costs one index store.
   */
  acquireRead(): number {
    const readIndex = this.skipPadding();
    if (readIndex === this.cachedTail) return RING_EMPTY;
    const position = readIndex & this.mask;
    const length = this.words[position >> 2]!;
    const payloadStart = (position + FRAME_HEADER_BYTES) & this.mask;
    const firstPart = this.capacity - payloadStart;
    if (length <= firstPart) {
      this.currentFrameBytes = this.bytes;
      this.currentFrameOffset = payloadStart;
    } else {
      this.currentFrameBytes = this.copyWrappedFrame(payloadStart, firstPart, length);
      this.currentFrameOffset = 0;
    }
    this.readIndex = (readIndex + frameFootprint(length)) | 0;
    return length;
  }

  /** Where the payload of the frame returned by {@link acquireRead} lives. */
  get frameBytes(): Uint8Array {
    return this.currentFrameBytes;
  }

  /** Offset of that payload in {@link frameBytes}. */
  get frameOffset(): number {
    return this.currentFrameOffset;
  }

  /** Gives the space of every acquired frame back to the producer, waking it if it sleeps. */
  releaseRead(): void {
    const readIndex = this.readIndex;
    if (readIndex === this.publishedHead) return;
    this.publishedHead = readIndex;
    Atomics.store(this.header, HEAD_WORD, readIndex);
    if (Atomics.load(this.header, PRODUCER_WAIT_LINE + SLEEPING_OFFSET) !== 0) {
      this.ringDoorbell(PRODUCER_WAIT_LINE);
    }
  }

  /**
   * Hands up to `maxFrames` available frames to `visitor` in place, then releases them with one
   * index store. Returns how many were visited. If `visitor` throws, the frames up to and
   * including that one count as consumed.
   */
  drain(visitor: FrameVisitor, maxFrames = Number.POSITIVE_INFINITY): number {
    let count = 0;
    try {
      while (count < maxFrames) {
        const length = this.acquireRead();
        if (length < 0) break;
        count++;
        visitor(this.currentFrameBytes, this.currentFrameOffset, length);
      }
    } finally {
      this.releaseRead();
    }
    return count;
  }

  /**
   * Blocks the consumer thread until a frame is available (after releasing acquired frames).
   * Uses `Atomics.wait`: not allowed on a browser's main thread (use the async form).
   */
  waitReadable(options: RingWaitOptions = {}): RingWaitOutcome {
    this.releaseRead();
    return this.waitSync(CONSUMER_WAIT_LINE, 0, options);
  }

  /**
   * Resolves `ready` once a frame is available (after releasing acquired frames), or
   * `interrupted`; rejects with `TimeoutError` after `timeout` ms or `signal.reason` on abort.
   */
  async waitReadableAsync(options: RingAsyncWaitOptions = {}): Promise<'ready' | 'interrupted'> {
    this.releaseRead();
    return this.waitAsync(CONSUMER_WAIT_LINE, 0, options, 'ring read');
  }

  /**
   * Reads one frame into `target`, waiting for one: the boundary form of `tryRead`. Resolves the
   * frame length, or {@link RING_EMPTY} when interrupted first.
   *
   * @throws InvalidArgumentError when the next frame does not fit in `target` (it stays in the ring).
   */
  async read(target: Uint8Array, targetOffset = 0, options: RingAsyncWaitOptions = {}): Promise<number> {
    for (;;) {
      const length = this.tryReadChecked(target, targetOffset);
      if (length !== RING_EMPTY) return length;
      if ((await this.waitReadableAsync(options)) === 'interrupted')
        return this.tryReadChecked(target, targetOffset);
    }
  }

  /** Wakes a consumer blocked in `waitReadable`/`waitReadableAsync` (from any thread); it returns `interrupted`. */
  interruptConsumer(): void {
    this.interrupt(CONSUMER_WAIT_LINE);
  }

  // ---------------------------------------------------------------- internals

  private tryReadChecked(target: Uint8Array, targetOffset: number): number {
    const length = this.tryRead(target, targetOffset);
    if (length !== TARGET_TOO_SMALL) return length;
    throw new InvalidArgumentError(
      `the next frame has ${this.peekLength()} bytes but the target has room for ` +
        `${target.length - targetOffset}; pass a target of at least ring.maxFrameSize bytes`,
    );
  }

  /** Moves the read cursor past padding markers; returns it, with `cachedTail` refreshed if needed. */
  private skipPadding(): number {
    let readIndex = this.readIndex;
    for (;;) {
      if (readIndex === this.cachedTail) {
        this.cachedTail = Atomics.load(this.header, TAIL_WORD);
        if (readIndex === this.cachedTail) break;
      }
      const position = readIndex & this.mask;
      if (this.words[position >> 2] !== PADDING_MARKER) break;
      const holdsNothing = readIndex === this.publishedHead;
      readIndex = (readIndex + this.capacity - position) | 0;
      if (holdsNothing) {
        // The producer may be waiting for exactly this space (a reservation at the start of the
        // ring), and a consumer that finds the ring empty has nothing else to release.
        this.readIndex = readIndex;
        this.releaseRead();
      }
    }
    this.readIndex = readIndex;
    return readIndex;
  }

  private copyWrappedFrame(payloadStart: number, firstPart: number, length: number): Uint8Array {
    if (this.scratch.length < length) {
      this.scratch = new Uint8Array(
        Math.min(this.maxFrameSize, Math.max(length, this.scratch.length * 2, 64)),
      );
    }
    const scratch = this.scratch;
    const bytes = this.bytes;
    scratch.set(bytes.subarray(payloadStart, payloadStart + firstPart), 0);
    scratch.set(bytes.subarray(0, length - firstPart), firstPart);
    return scratch;
  }

  private hasRoomFor(writeIndex: number, footprint: number): boolean {
    if (((writeIndex - this.cachedHead) | 0) + footprint <= this.capacity) return true;
    this.cachedHead = Atomics.load(this.header, HEAD_WORD);
    return ((writeIndex - this.cachedHead) | 0) + footprint <= this.capacity;
  }

  private isReady(waitLine: number, footprint: number): boolean {
    if (waitLine === CONSUMER_WAIT_LINE) return this.skipPadding() !== this.cachedTail;
    return this.hasRoomFor(this.writeIndex, footprint);
  }

  /** Interrupts of this side already reported to a caller. */
  private seenInterrupts(waitLine: number): number {
    return waitLine === CONSUMER_WAIT_LINE ? this.seenConsumerInterrupts : this.seenProducerInterrupts;
  }

  /**
   * Whether an interrupt arrived since `seenAtStart` (what had been reported when this wait
   * began), so every wait in progress at the time of an interrupt reports it, not just the first.
   */
  private takeInterrupt(waitLine: number, seenAtStart: number): boolean {
    const count = Atomics.load(this.header, waitLine + INTERRUPTS_OFFSET);
    if (count === seenAtStart) return false;
    if (waitLine === CONSUMER_WAIT_LINE) this.seenConsumerInterrupts = count;
    else this.seenProducerInterrupts = count;
    return true;
  }

  private ringDoorbell(waitLine: number): void {
    // Bumping the word makes a waiter that has not yet reached Atomics.wait return at once.
    Atomics.add(this.header, waitLine + DOORBELL_OFFSET, 1);
    Atomics.notify(this.header, waitLine + DOORBELL_OFFSET);
  }

  private interrupt(waitLine: number): void {
    Atomics.add(this.header, waitLine + INTERRUPTS_OFFSET, 1);
    this.ringDoorbell(waitLine);
  }

  /**
   * Check-then-sleep without lost wake-ups: raise the sleeping flag, read the doorbell, re-check
   * readiness, then sleep on the doorbell value read. The flag is a count of sleepers, so two
   * async waits on the same side (e.g. overlapping receives) cannot clear each other's flag. The other side stores its index before it
   * reads the flag (both sequentially consistent), so either we see its index or it sees our
   * flag and bumps the doorbell, which makes `Atomics.wait` return.
   */
  private waitSync(waitLine: number, footprint: number, options: RingWaitOptions): RingWaitOutcome {
    const timeout = checkWaitOptions(options);
    for (let spin = options.spin ?? 0; spin > 0; spin--) {
      if (this.isReady(waitLine, footprint)) return 'ready';
    }
    const header = this.header;
    const deadline = performance.now() + timeout;
    const seenAtStart = this.seenInterrupts(waitLine);
    for (;;) {
      if (this.isReady(waitLine, footprint)) return 'ready';
      if (this.takeInterrupt(waitLine, seenAtStart)) return 'interrupted';
      Atomics.add(header, waitLine + SLEEPING_OFFSET, 1);
      const doorbell = Atomics.load(header, waitLine + DOORBELL_OFFSET);
      let outcome: RingWaitOutcome | undefined;
      if (this.isReady(waitLine, footprint)) outcome = 'ready';
      else if (this.takeInterrupt(waitLine, seenAtStart)) outcome = 'interrupted';
      else {
        const remaining = deadline - performance.now();
        if (remaining <= 0) outcome = 'timed-out';
        else Atomics.wait(header, waitLine + DOORBELL_OFFSET, doorbell, remaining);
      }
      Atomics.sub(header, waitLine + SLEEPING_OFFSET, 1);
      if (outcome !== undefined) return outcome;
    }
  }

  private async waitAsync(
    waitLine: number,
    footprint: number,
    options: RingAsyncWaitOptions,
    operation: string,
  ): Promise<'ready' | 'interrupted'> {
    const timeout = checkWaitOptions(options);
    const signal = options.signal;
    signal?.throwIfAborted();
    for (let spin = options.spin ?? 0; spin > 0; spin--) {
      if (this.isReady(waitLine, footprint)) return 'ready';
    }
    const header = this.header;
    const deadline = performance.now() + timeout;
    const seenAtStart = this.seenInterrupts(waitLine);
    const wakeOnAbort = (): void => this.ringDoorbell(waitLine);
    signal?.addEventListener('abort', wakeOnAbort, { once: true });
    try {
      for (;;) {
        if (this.isReady(waitLine, footprint)) return 'ready';
        if (this.takeInterrupt(waitLine, seenAtStart)) return 'interrupted';
        Atomics.add(header, waitLine + SLEEPING_OFFSET, 1);
        try {
          const doorbell = Atomics.load(header, waitLine + DOORBELL_OFFSET);
          if (this.isReady(waitLine, footprint)) return 'ready';
          if (this.takeInterrupt(waitLine, seenAtStart)) return 'interrupted';
          if (signal?.aborted === true) throw signal.reason;
          const remaining = deadline - performance.now();
          if (remaining <= 0) throw new TimeoutError(operation, timeout);
          await waitOnWordAsync(header, waitLine + DOORBELL_OFFSET, doorbell, remaining);
        } finally {
          Atomics.sub(header, waitLine + SLEEPING_OFFSET, 1);
        }
      }
    } finally {
      signal?.removeEventListener('abort', wakeOnAbort);
    }
  }
}

function checkCapacity(capacity: number): void {
  if (
    !Number.isInteger(capacity) ||
    capacity < MIN_RING_CAPACITY ||
    capacity > MAX_RING_CAPACITY ||
    (capacity & (capacity - 1)) !== 0
  ) {
    throw new InvalidArgumentError(
      `ring capacity must be a power of two between ${MIN_RING_CAPACITY} and ${MAX_RING_CAPACITY} bytes, ` +
        `got ${describeValue(capacity)}`,
    );
  }
}

function checkRegion(buffer: RingMemory, byteOffset: number, byteLength: number): void {
  if (!isRingMemory(buffer)) {
    throw new InvalidArgumentError(`a ring lives in a SharedArrayBuffer, got ${describeValue(buffer)}`);
  }
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % CACHE_LINE_BYTES !== 0) {
    throw new InvalidArgumentError(
      `ring byteOffset must be a non-negative multiple of ${CACHE_LINE_BYTES}, got ${describeValue(byteOffset)}`,
    );
  }
  if (byteOffset + byteLength > buffer.byteLength) {
    throw new RingLayoutError(
      `the ring needs bytes ${byteOffset}..${byteOffset + byteLength} but the buffer has ${buffer.byteLength}; ` +
        'size it with SpscByteRing.byteLengthFor(capacity)',
    );
  }
}

function checkWaitOptions(options: RingWaitOptions): number {
  const timeout = options.timeout ?? Number.POSITIVE_INFINITY;
  if (!isValidTimeout(timeout)) {
    throw new InvalidArgumentError(
      `timeout must be a non-negative number of ms, got ${describeValue(timeout)}`,
    );
  }
  const spin = options.spin ?? 0;
  if (!Number.isInteger(spin) || spin < 0) {
    throw new InvalidArgumentError(`spin must be a non-negative integer, got ${describeValue(spin)}`);
  }
  return timeout;
}
