import { RING_EMPTY, TARGET_TOO_SMALL, type SpscByteRing } from '../ring/spsc-byte-ring.js';

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
}
