import { InvalidArgumentError, describeValue } from '../errors.js';
import type { ComputeBackend, DeviceAllocation } from './backend.js';
import {
  STORAGE,
  createStorage,
  freeDeviceSide,
  type BufferStorage,
  type Residency,
} from './buffer-storage.js';
import { assertDtype, bytesPerElement, supportedDtypes, typedArrayOver, type DType } from './dtype.js';
import {
  BufferDisposedError,
  BufferStateError,
  ShapeMismatchError,
  UnsupportedDtypeError,
} from './errors.js';
import { elementCount, formatShape, normalizeShape, type Shape } from './shape.js';

export type { Residency } from './buffer-storage.js';

/** The host typed array for each dtype (`float16` holds raw half bits). */
export type HostArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'uint32'
        ? Uint32Array
        : D extends 'int8'
          ? Int8Array
          : D extends 'uint8'
            ? Uint8Array
            : D extends 'float16'
              ? Uint16Array
              : never;

/** Options for `new UnifiedBuffer(...)`. */
export interface UnifiedBufferOptions {
  /** The backend whose device holds the device copy; without one the buffer is host-only. */
  readonly backend?: ComputeBackend | null;
  /** Initial contents (length must equal the element count). Otherwise zero-filled. */
  readonly data?: ArrayLike<number>;
  /** @internal Used by the memory pool to build a buffer over recycled storage. */
  readonly [STORAGE]?: {
    readonly storage: BufferStorage;
    readonly byteOffset: number;
    readonly root: UnifiedBuffer | null;
  };
}

/**
 * A typed array on the host paired with an allocation on a compute device, synchronised lazily.
 *
 * Residency (`state`): `host-only` (no separate device copy: no backend, or the CPU backend, which
 * runs on the host array), `host-dirty` (host is newer: the device copy is stale or not allocated
 * yet), `device-dirty` (device is newer), `synchronized`. Kernels run by the orchestrator call
 * `ensureOnDevice()` on their arguments and `markDeviceDirty()` on what they write.
 *
 * | state          | `ensureOnDevice()`             | `ensureOnHost()`        | `markHostDirty()`, `.host`, partial write | `markDeviceDirty()` | whole-buffer `copyFrom`/`fill` |
 * | -------------- | ------------------------------ | ----------------------- | ----------------------------------------- | ------------------- | ------------------------------ |
 * | `host-only`    | `host-only` (nothing to do)    | `host-only`             | `host-only`                               | `host-only`         | `host-only`                    |
 * | `host-dirty`   | `synchronized` (allocs+upload) | `host-dirty`            | `host-dirty`                              | throws              | `host-dirty`                   |
 * | `synchronized` | `synchronized`                 | `synchronized`          | `host-dirty`                              | `device-dirty`      | `host-dirty`                   |
 * | `device-dirty` | `device-dirty`                 | `synchronized` (download) | throws (`.host`, `markHostDirty`)       | `device-dirty`      | `host-dirty`                   |
 *
 * A buffer bound to a device backend starts `host-dirty` (its device copy does not exist yet) and
 * returns there when its device memory is freed (a pool trimming it); one without a separate device
 * starts and stays `host-only`. `readHost()` never changes the state.
 *
 * **The rule that keeps data from being lost:** the buffer never has two newer sides.
 * - Reading or writing `.host` while the device is newer throws `BufferStateError`
 *   (`await buffer.ensureOnHost()` first). Use `readHost()` after that to read without marking.
 * - Taking `.host` marks the host newer (`host-dirty`), because the caller may write through it;
 *   the next kernel launch re-uploads. `readHost()` returns the same array without that mark.
 * - `markHostDirty()` while the device is newer, and `markDeviceDirty()` while the host is newer,
 *   throw rather than drop the other side's writes.
 * - Whole-buffer overwrites (`copyFrom`, `fill` on a root buffer) are allowed in any state: they
 *   replace everything, so nothing is lost.
 *
 * Views (`view`, `slice`) share memory and residency with their root.
 *
 * @example
 * ```ts
 * using x = compute.buffer([1024], 'float32');
 * x.copyFrom(values);             // host-dirty
 * await compute.run(scale, { x, out: x2, alpha: 2 }); // uploaded, then x2 is device-dirty
 * const result = await x2.toArray(); // downloads once
 * ```
 */
export class UnifiedBuffer<D extends DType = DType> {
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Number of elements. */
  readonly size: number;
  /** Bytes of this buffer's elements (a view's, not its root's). */
  readonly byteLength: number;
  /** Byte offset of this buffer inside its root (0 for a root buffer). */
  readonly byteOffset: number;
  readonly #storage: BufferStorage;
  readonly #root: UnifiedBuffer | null;
  readonly #generation: number;
  readonly #host: HostArrayOf<D>;
  #disposed = false;

  constructor(shape: Shape, dtype: D = 'float32' as D, options: UnifiedBufferOptions = {}) {
    assertDtype(dtype);
    this.shape = normalizeShape(shape);
    this.dtype = dtype;
    this.size = elementCount(this.shape);
    this.byteLength = this.size * bytesPerElement(dtype);
    const adopted = options[STORAGE];
    if (adopted !== undefined) {
      this.#storage = adopted.storage;
      this.byteOffset = adopted.byteOffset;
      this.#root = adopted.root;
    } else {
      const backend = options.backend ?? null;
      if (backend !== null && !backend.supportsDtype(dtype))
        throw new UnsupportedDtypeError(dtype, `the ${backend.kind} backend`, supportedDtypes(backend));
      this.#storage = createStorage(this.byteLength, this.byteLength, backend);
      this.byteOffset = 0;
      this.#root = null;
    }
    this.#generation = this.#storage.generation;
    this.#host = typedArrayOver(dtype, this.#storage.host, this.byteOffset, this.size) as HostArrayOf<D>;
    if (options.data !== undefined) this.copyFrom(options.data);
  }

  /** Where the newest data lives (shared with the root and all views). */
  get state(): Residency {
    return this.#storage.state;
  }

  /** The backend holding the device copy, or `null` for a host-only buffer. */
  get backend(): ComputeBackend | null {
    return this.#storage.backend;
  }

  /** True for views made by `view()` / `slice()`. */
  get isView(): boolean {
    return this.#root !== null;
  }

  /** True once disposed, released to a pool, or when its root was. */
  get disposed(): boolean {
    return !this.#alive();
  }

  /**
   * The host typed array, for reading and writing. Marks the host newer when a device copy
   * exists (writes through it reach the device at the next launch). Throws `BufferStateError`
   * while the device holds newer data: `await ensureOnHost()` first.
   */
  get host(): HostArrayOf<D> {
    this.#check('access .host');
    const storage = this.#storage;
    if (storage.state === 'device-dirty') throw hostStaleError('.host');
    if (storage.state === 'synchronized') storage.state = 'host-dirty';
    return this.#host;
  }

  /** The host typed array for reading only: no dirty mark. Throws while the device holds newer data. */
  readHost(): HostArrayOf<D> {
    this.#check('readHost()');
    if (this.#storage.state === 'device-dirty') throw hostStaleError('readHost()');
    return this.#host;
  }

  /**
   * The device allocation, uploaded first if the host is newer. On the CPU backend (and for
   * host-only buffers) the "device" is host memory: `native` is the host typed array.
   */
  get device(): DeviceAllocation {
    this.ensureOnDevice();
    const device = this.#storage.device;
    if (device === null) return { byteLength: this.byteLength, native: this.#host };
    return device;
  }

  /** Whether a kernel on this buffer's backend reads the host array directly. */
  get #hostIsDevice(): boolean {
    const backend = this.#storage.backend;
    return backend === null || backend.sharesHostMemory;
  }

  /** Makes the device copy current (allocating it on first use). Synchronous: uploads are queued. */
  ensureOnDevice(): this {
    this.#check('ensureOnDevice()');
    const storage = this.#storage;
    if (this.#hostIsDevice) return this;
    const backend = storage.backend as ComputeBackend;
    if (storage.device === null) {
      storage.device = backend.allocate(storage.host.byteLength);
      backend.upload(storage.device, storage.hostBytes);
      storage.state = 'synchronized';
    } else if (storage.state === 'host-dirty') {
      backend.upload(storage.device, storage.hostBytes);
      storage.state = 'synchronized';
    }
    return this;
  }

  /** Makes the host copy current, downloading if the device is newer. */
  async ensureOnHost(): Promise<this> {
    this.#check('ensureOnHost()');
    const storage = this.#storage;
    if (storage.state !== 'device-dirty') return this;
    storage.pendingDownload ??= downloadInto(storage);
    await storage.pendingDownload;
    return this;
  }

  /** Declares that the host copy was written (e.g. through a kept reference to `.host`). */
  markHostDirty(): this {
    this.#check('markHostDirty()');
    const storage = this.#storage;
    if (storage.state === 'device-dirty')
      throw new BufferStateError(
        'markHostDirty(): the device holds newer data that would be overwritten; await ensureOnHost() before writing the host copy',
      );
    if (storage.state === 'synchronized') storage.state = 'host-dirty';
    return this;
  }

  /** Declares that the device copy was written (by a kernel or by native code using `.device`). */
  markDeviceDirty(): this {
    this.#check('markDeviceDirty()');
    const storage = this.#storage;
    if (storage.state === 'host-dirty')
      throw new BufferStateError(
        'markDeviceDirty(): the host holds writes not yet on the device; call ensureOnDevice() before the device write',
      );
    if (storage.state === 'synchronized') storage.state = 'device-dirty';
    return this;
  }

  /**
   * Copies `source` (numbers, a typed array or another host-readable buffer) into this buffer's
   * host copy and marks it newer. Lengths must match. For `float16` pass half bits.
   */
  copyFrom(source: ArrayLike<number> | UnifiedBuffer): this {
    this.#check('copyFrom()');
    const values = source instanceof UnifiedBuffer ? source.readHost() : source;
    if (values.length !== this.size)
      throw new ShapeMismatchError(
        `copyFrom(): source has ${values.length} elements but the buffer ${formatShape(this.shape)} has ${this.size}`,
      );
    this.#prepareOverwrite('copyFrom()');
    if (ArrayBuffer.isView(values)) (this.#host as { set(array: ArrayLike<number>): void }).set(values);
    else for (let index = 0; index < values.length; index++) this.#host[index] = values[index] as number;
    return this;
  }

  /** Sets every element to `value` and marks the host newer. */
  fill(value: number): this {
    this.#check('fill()');
    this.#prepareOverwrite('fill()');
    this.#host.fill(value);
    return this;
  }

  /** Copies the current contents into `target` (downloading first if the device is newer). */
  async copyTo(target: { length: number; set(values: ArrayLike<number>): void }): Promise<void> {
    await this.ensureOnHost();
    if (target.length !== this.size)
      throw new ShapeMismatchError(
        `copyTo(): target has ${target.length} elements but the buffer ${formatShape(this.shape)} has ${this.size}`,
      );
    target.set(this.readHost());
  }

  /** A fresh copy of the current contents (downloading first if the device is newer). */
  async toArray(): Promise<HostArrayOf<D>> {
    await this.ensureOnHost();
    return this.readHost().slice() as HostArrayOf<D>;
  }

  /**
   * The same elements with another shape (same element count); shares memory and residency.
   *
   * @example
   * ```ts
   * const matrix = flat.view([rows, cols]);
   * ```
   */
  view(shape: Shape): UnifiedBuffer<D> {
    this.#check('view()');
    const dims = normalizeShape(shape);
    if (elementCount(dims) !== this.size)
      throw new ShapeMismatchError(
        `view(${formatShape(dims)}): needs ${elementCount(dims)} elements but the buffer ${formatShape(this.shape)} has ${this.size}`,
      );
    return this.#derive(dims, this.byteOffset);
  }

  /**
   * Rows `begin` (inclusive) to `end` (exclusive) along the first dimension; shares memory and
   * residency. On WebGPU a slice can be bound to a kernel only if its byte offset is a multiple
   * of the device's `minStorageBufferOffsetAlignment` (256 bytes).
   */
  slice(begin: number, end: number = this.shape[0] ?? 0): UnifiedBuffer<D> {
    this.#check('slice()');
    const rows = this.shape[0] ?? 0;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin || end > rows)
      throw new InvalidArgumentError(
        `slice(${describeValue(begin)}, ${describeValue(end)}): need 0 <= begin <= end <= ${rows}`,
      );
    const rowElements = rows === 0 ? 0 : this.size / rows;
    const dims = [end - begin, ...this.shape.slice(1)];
    return this.#derive(dims, this.byteOffset + begin * rowElements * bytesPerElement(this.dtype));
  }

  /**
   * Frees the buffer: a root frees its device allocation (or goes back to its pool); a view
   * only stops being usable. Idempotent. Any later use throws `BufferDisposedError`.
   */
  dispose(): void {
    if (this.#disposed) return;
    if (this.#root !== null || !this.#alive()) {
      this.#disposed = true;
      return;
    }
    const storage = this.#storage;
    if (storage.owner !== null) {
      storage.owner.releaseFromDispose(this);
      this.#disposed = true;
      return;
    }
    this.#disposed = true;
    freeDeviceSide(storage);
    storage.freed = true;
  }

  /** Same as `dispose()`: `using buffer = compute.buffer(...)`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Shape, dtype and residency, e.g. `UnifiedBuffer(1024, float32, synchronized)`. */
  toString(): string {
    return `UnifiedBuffer(${formatShape(this.shape)}, ${this.dtype}, ${this.disposed ? 'disposed' : this.state})`;
  }

  #derive(shape: readonly number[], byteOffset: number): UnifiedBuffer<D> {
    return new UnifiedBuffer(shape, this.dtype, {
      [STORAGE]: { storage: this.#storage, byteOffset, root: this.#root ?? this },
    });
  }

  #alive(): boolean {
    const storage = this.#storage;
    if (this.#disposed || storage.freed || storage.generation !== this.#generation) return false;
    return this.#root === null || !this.#root.disposed;
  }

  #check(operation: string): void {
    if (!this.#alive()) throw new BufferDisposedError(operation);
  }

  /** A write that replaces this buffer's elements: allowed over newer device data only if it replaces all of it. */
  #prepareOverwrite(operation: string): void {
    const storage = this.#storage;
    if (storage.state === 'device-dirty') {
      const coversAll = this.byteOffset === 0 && this.byteLength >= storage.byteLength - 3;
      if (!coversAll)
        throw new BufferStateError(
          `${operation}: the device holds newer data for the rest of this buffer's root; await ensureOnHost() first`,
        );
      storage.state = 'host-dirty';
    } else if (storage.state === 'synchronized') storage.state = 'host-dirty';
  }
}

function hostStaleError(operation: string): BufferStateError {
  return new BufferStateError(
    `${operation}: the device holds newer data (state device-dirty); await buffer.ensureOnHost() first ` +
      '(host writes now would be lost or overwritten)',
  );
}

async function downloadInto(storage: BufferStorage): Promise<void> {
  try {
    const device = storage.device;
    const backend = storage.backend;
    if (device === null || backend === null) return;
    const staging = new Uint8Array(storage.byteLength);
    await backend.download(device, staging);
    // A whole-buffer overwrite may have happened meanwhile; it wins.
    if (storage.state === 'device-dirty' && !storage.freed && storage.hostBytes.length === staging.length) {
      storage.hostBytes.set(staging);
      storage.state = 'synchronized';
    }
  } finally {
    storage.pendingDownload = null;
  }
}
