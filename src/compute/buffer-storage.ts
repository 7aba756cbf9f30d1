import type { ComputeBackend, DeviceAllocation } from './backend.js';

/**
 * Where the newest copy of a buffer's data lives (the table in `UnifiedBuffer`'s documentation
 * lists every transition):
 * - `host-only`: there is no separate device copy (no backend, or a backend that runs on host
 *   memory, like the CPU): the host array is the only copy, so nothing can be stale.
 * - `host-dirty`: the host is newer; the device copy is stale or not allocated yet.
 * - `device-dirty`: the device is newer; the host copy is stale.
 * - `synchronized`: both copies hold the same data.
 */
export type Residency = 'host-only' | 'host-dirty' | 'device-dirty' | 'synchronized';

/** The state of data only the host holds: `host-dirty` when a separate device copy is due, else `host-only`. */
export function hostOnlyDataState(backend: ComputeBackend | null): Residency {
  return backend !== null && !backend.sharesHostMemory ? 'host-dirty' : 'host-only';
}

/** Something that takes buffers back instead of freeing them (a memory pool). */
export interface StorageOwner {
  releaseFromDispose(buffer: object): void;
}

/**
 * The memory behind a root buffer and all its views: one host allocation, at most one device
 * allocation, and the residency state they share. Internal: reached through `UnifiedBuffer`.
 */
export interface BufferStorage {
  readonly host: ArrayBuffer;
  /** Bytes synchronised between host and device: the root's length padded to 4 (WebGPU copy granularity). */
  byteLength: number;
  hostBytes: Uint8Array;
  readonly backend: ComputeBackend | null;
  device: DeviceAllocation | null;
  state: Residency;
  pendingDownload: Promise<void> | null;
  owner: StorageOwner | null;
  /** Bumped when a pool takes the storage back, invalidating every buffer made before. */
  generation: number;
  freed: boolean;
}

/** Internal option key: lets the pool build a buffer over existing storage. */
export const STORAGE = Symbol('ringkernel.compute.storage');

/** Rounds up to a multiple of 4 (WebGPU copies and bindings move whole 4-byte words). */
export function padTo4(bytes: number): number {
  return (bytes + 3) & ~3;
}

export function createStorage(
  capacityBytes: number,
  byteLength: number,
  backend: ComputeBackend | null,
): BufferStorage {
  const host = new ArrayBuffer(padTo4(capacityBytes));
  const padded = padTo4(byteLength);
  return {
    host,
    byteLength: padded,
    hostBytes: new Uint8Array(host, 0, padded),
    backend,
    device: null,
    state: hostOnlyDataState(backend),
    pendingDownload: null,
    owner: null,
    generation: 0,
    freed: false,
  };
}

/** Frees the device side of `storage` (idempotent). */
export function freeDeviceSide(storage: BufferStorage): void {
  if (storage.device !== null && storage.backend !== null) storage.backend.free(storage.device);
  storage.device = null;
  storage.state = hostOnlyDataState(storage.backend);
}
