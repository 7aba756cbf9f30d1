import { InvalidArgumentError, describeValue } from '../errors.js';
import type { ComputeBackend } from './backend.js';
import {
  STORAGE,
  createStorage,
  freeDeviceSide,
  hostOnlyDataState,
  padTo4,
  type BufferStorage,
} from './buffer-storage.js';
import { bytesPerElement, supportedDtypes, type DType } from './dtype.js';
import { DoubleReleaseError, ForeignBufferError, PoolLimitError, UnsupportedDtypeError } from './errors.js';
import { elementCount, normalizeShape, type Shape } from './shape.js';
import { UnifiedBuffer } from './unified-buffer.js';

/** Options for a {@link MemoryPool}. */
export interface MemoryPoolOptions {
  /** Backend whose device memory backs the pooled buffers; `null` (default) pools host-only buffers. */
  readonly backend?: ComputeBackend | null;
  /** Most bytes the pool may hold (in use + idle). Default: unlimited. */
  readonly maxBytes?: number;
  /** Smallest size class in bytes (a power of two). Default 256. */
  readonly minClassBytes?: number;
}

/** Counters of a {@link MemoryPool}. Byte figures count whole size classes. */
export interface MemoryPoolStats {
  /** Acquires served from an idle buffer. */
  readonly hits: number;
  /** Acquires that allocated a new buffer. */
  readonly misses: number;
  /** Idle buffers freed to make room under `maxBytes`. */
  readonly evictions: number;
  readonly bytesInUse: number;
  /** In use plus idle. */
  readonly bytesReserved: number;
  /** Highest `bytesReserved` seen. */
  readonly peakBytesReserved: number;
  readonly buffersInUse: number;
  readonly buffersIdle: number;
}

interface PooledStorage extends BufferStorage {
  readonly classBytes: number;
}

/**
 * Recycles `UnifiedBuffer` memory (host and device) by power-of-two size class, so a loop that
 * acquires and releases same-sized buffers allocates once. Any shape and dtype that fits a class
 * reuses it. Contents of an acquired buffer are unspecified: `copyFrom` or `fill` it.
 *
 * Idle buffers are evicted oldest-first when an acquire would exceed `maxBytes`; `trim()` frees
 * them all. Releasing a buffer the pool did not hand out, or releasing twice, throws.
 * Disposing an acquired buffer (`using`) releases it.
 *
 * @example
 * ```ts
 * const pool = getMemoryPool();
 * const buffer = pool.acquire([1024], 'float32');
 * try {
 *   buffer.copyFrom(request.data);
 *   await compute.run(scale, { x: buffer, out: buffer, alpha: 2 });
 * } finally {
 *   pool.release(buffer);
 * }
 * ```
 */
export class MemoryPool {
  readonly backend: ComputeBackend | null;
  readonly maxBytes: number;
  readonly minClassBytes: number;
  readonly #idleByClass = new Map<number, PooledStorage[]>();
  /** Idle storages, oldest release first (Set keeps insertion order). */
  readonly #idleOrder = new Set<PooledStorage>();
  readonly #inUse = new Map<UnifiedBuffer, PooledStorage>();
  readonly #released = new WeakSet<UnifiedBuffer>();
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #bytesInUse = 0;
  #bytesIdle = 0;
  #peak = 0;
  #disposed = false;

  constructor(options: MemoryPoolOptions = {}) {
    this.backend = options.backend ?? null;
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (!(this.maxBytes > 0))
      throw new InvalidArgumentError(
        `maxBytes must be a positive number; got ${describeValue(options.maxBytes)}`,
      );
    this.minClassBytes = options.minClassBytes ?? 256;
    if (
      !Number.isSafeInteger(this.minClassBytes) ||
      this.minClassBytes < 4 ||
      (this.minClassBytes & (this.minClassBytes - 1)) !== 0
    )
      throw new InvalidArgumentError(
        `minClassBytes must be a power of two >= 4; got ${describeValue(options.minClassBytes)}`,
      );
  }

  /** The size class (bytes reserved) a request of `bytes` falls into. */
  sizeClassOf(bytes: number): number {
    let size = this.minClassBytes;
    while (size < bytes) size *= 2;
    return size;
  }

  /** A buffer of `shape` and `dtype`, reused from an idle one of the same size class when possible. */
  acquire<D extends DType = 'float32'>(shape: Shape, dtype: D = 'float32' as D): UnifiedBuffer<D> {
    const dims = normalizeShape(shape);
    const byteLength = elementCount(dims) * bytesPerElement(dtype);
    if (this.backend !== null && !this.backend.supportsDtype(dtype))
      throw new UnsupportedDtypeError(
        dtype,
        `the ${this.backend.kind} backend`,
        supportedDtypes(this.backend),
      );
    const classBytes = this.sizeClassOf(byteLength);
    let storage = this.#idleByClass.get(classBytes)?.pop();
    if (storage !== undefined) {
      this.#hits++;
      this.#idleOrder.delete(storage);
      this.#bytesIdle -= classBytes;
    } else {
      this.#misses++;
      this.#makeRoom(classBytes);
      storage = Object.assign(createStorage(classBytes, byteLength, this.backend), { classBytes });
      storage.owner = { releaseFromDispose: (buffer) => this.release(buffer as UnifiedBuffer) };
    }
    storage.byteLength = padTo4(byteLength);
    storage.hostBytes = new Uint8Array(storage.host, 0, storage.byteLength);
    storage.state = storage.device === null ? hostOnlyDataState(storage.backend) : 'synchronized';
    const buffer = new UnifiedBuffer(dims, dtype, { [STORAGE]: { storage, byteOffset: 0, root: null } });
    this.#inUse.set(buffer, storage);
    this.#bytesInUse += classBytes;
    this.#peak = Math.max(this.#peak, this.#bytesInUse + this.#bytesIdle);
    return buffer;
  }

  /**
   * Gives `buffer` back for reuse; it (and its views) become unusable.
   *
   * @throws DoubleReleaseError if it was already released; ForeignBufferError if this pool did not hand it out.
   */
  release(buffer: UnifiedBuffer): void {
    const storage = this.#inUse.get(buffer);
    if (storage === undefined) {
      if (this.#released.has(buffer)) throw new DoubleReleaseError();
      throw new ForeignBufferError();
    }
    this.#inUse.delete(buffer);
    this.#released.add(buffer);
    this.#bytesInUse -= storage.classBytes;
    storage.generation++;
    if (this.#disposed) {
      discard(storage);
      return;
    }
    let idle = this.#idleByClass.get(storage.classBytes);
    if (idle === undefined) this.#idleByClass.set(storage.classBytes, (idle = []));
    idle.push(storage);
    this.#idleOrder.add(storage);
    this.#bytesIdle += storage.classBytes;
  }

  /** Frees idle buffers, oldest first, until at most `keepBytes` stay idle. Returns the bytes freed. */
  trim(keepBytes = 0): number {
    let freed = 0;
    for (const storage of this.#idleOrder) {
      if (this.#bytesIdle <= keepBytes) break;
      freed += this.#evict(storage);
    }
    return freed;
  }

  /** Bytes in use and idle, buffer counts, hits and misses so far. */
  stats(): MemoryPoolStats {
    let buffersIdle = 0;
    for (const list of this.#idleByClass.values()) buffersIdle += list.length;
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      bytesInUse: this.#bytesInUse,
      bytesReserved: this.#bytesInUse + this.#bytesIdle,
      peakBytesReserved: this.#peak,
      buffersInUse: this.#inUse.size,
      buffersIdle,
    };
  }

  /** Frees idle buffers; buffers still in use are freed when released. */
  dispose(): void {
    this.trim();
    this.#disposed = true;
  }

  /** Same as `dispose()`: `using pool = new MemoryPool(backend)`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #makeRoom(classBytes: number): void {
    if (this.#bytesInUse + this.#bytesIdle + classBytes <= this.maxBytes) return;
    for (const storage of this.#idleOrder) {
      this.#evict(storage);
      this.#evictions++;
      if (this.#bytesInUse + this.#bytesIdle + classBytes <= this.maxBytes) return;
    }
    throw new PoolLimitError(classBytes, this.#bytesInUse, this.maxBytes);
  }

  #evict(storage: PooledStorage): number {
    this.#idleOrder.delete(storage);
    const list = this.#idleByClass.get(storage.classBytes);
    if (list !== undefined) {
      const index = list.indexOf(storage);
      if (index >= 0) list.splice(index, 1);
    }
    this.#bytesIdle -= storage.classBytes;
    discard(storage);
    return storage.classBytes;
  }
}

function discard(storage: BufferStorage): void {
  freeDeviceSide(storage);
  storage.freed = true;
}

let defaultPool: MemoryPool | undefined;

/**
 * The process-wide default pool (host-only buffers, no byte limit). Create `new MemoryPool(...)`
 * for a limit or device memory; an orchestrator has its own at `compute.pool`.
 *
 * @example
 * ```ts
 * using scratch = getMemoryPool().acquire([256, 256], 'float32'); // released at scope end
 * ```
 */
export function getMemoryPool(): MemoryPool {
  return (defaultPool ??= new MemoryPool());
}
