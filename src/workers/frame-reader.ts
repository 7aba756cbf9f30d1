import { RING_EMPTY, TARGET_TOO_SMALL, type SpscByteRing } from '../ring/spsc-byte-ring.js';

/** Frames this short are copied byte by byte: cheaper than `TypedArray.prototype.set` for them. */
const SMALL_COPY_BYTES = 64;

/**
 * Reads frames out of a ring into private (non-shared) memory before they are decoded. msgpackr's
 * native string extractor refuses SharedArrayBuffer memory and throws on every message it is handed
 * in place, which cost tens of µs per message; a copy of a small frame costs tens of ns.
 */
export class FrameReader {
  #scratch = new Uint8Array(1024);

  /** The next frame, valid until the next call, or undefined when the ring is empty. */
  next(ring: SpscByteRing): Uint8Array | undefined {
    let length = ring.tryRead(this.#scratch);
    if (length === TARGET_TOO_SMALL) {
      this.#scratch = new Uint8Array(Math.max(ring.peekLength(), this.#scratch.length * 2));
      length = ring.tryRead(this.#scratch);
    }
    if (length === RING_EMPTY || length < 0) return undefined;
    return this.#scratch.subarray(0, length);
  }

  /**
   * Like {@link next}, but leaves the frame's space to the caller's `ring.releaseRead()`: a batch
   * of frames then gives its space back with one index store, and wakes a producer waiting for
   * room once per batch rather than once per frame.
   */
  take(ring: SpscByteRing): Uint8Array | undefined {
    const length = ring.acquireRead();
    if (length < 0) return undefined;
    if (length > this.#scratch.length)
      this.#scratch = new Uint8Array(Math.max(length, this.#scratch.length * 2));
    const scratch = this.#scratch;
    const source = ring.frameBytes;
    const offset = ring.frameOffset;
    if (length <= SMALL_COPY_BYTES) {
      for (let index = 0; index < length; index++) scratch[index] = source[offset + index]!;
    } else {
      scratch.set(source.subarray(offset, offset + length));
    }
    return scratch.subarray(0, length);
  }
}
