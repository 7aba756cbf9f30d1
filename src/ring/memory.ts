/**
 * The memory rings and control blocks live in: a SharedArrayBuffer (both threads see one copy), or,
 * where SharedArrayBuffer is not available (a browser page without cross-origin isolation), a
 * plain ArrayBuffer on each thread, kept in step by a {@link MemoryMirror} over postMessage.
 */
export type RingMemory = SharedArrayBuffer | ArrayBuffer;

/** `'shared'`: one SharedArrayBuffer seen by both threads; `'mirrored'`: an ArrayBuffer per thread. */
export type RingMemoryKind = 'shared' | 'mirrored';

/** True for a SharedArrayBuffer (false where the type does not exist). */
export function isSharedMemory(buffer: unknown): buffer is SharedArrayBuffer {
  return typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer;
}

/** True for memory a ring or control block can live in. */
export function isRingMemory(buffer: unknown): buffer is RingMemory {
  return buffer instanceof ArrayBuffer || isSharedMemory(buffer);
}

/** Zeroed memory of `byteLength` bytes of the given kind. */
export function allocateRingMemory(byteLength: number, kind: RingMemoryKind = 'shared'): RingMemory {
  return kind === 'shared' ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength);
}
