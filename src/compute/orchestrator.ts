import { createBackend, type BackendChoice, type DiscoveryOptions } from './discovery.js';
import type { BackendFactory, ComputeBackend } from './backend.js';
import { CompileCache } from './compile-cache.js';
import { ComputeDisposedError } from './errors.js';
import type { DType } from './dtype.js';
import type { KernelDefinition } from './kernel.js';
import { MemoryPool } from './memory-pool.js';
import type { Shape } from './shape.js';
import { UnifiedBuffer } from './unified-buffer.js';
import { resolveLaunch } from './validation.js';

/** The arguments object a kernel takes: buffers by name, scalars by name (optional when defaulted/derived). */
export type KernelArguments<B extends string, S extends string> = Readonly<Record<B, UnifiedBuffer>> &
  Readonly<Partial<Record<S, number>>>;

/** Options for {@link createOrchestrator}. */
export interface OrchestratorOptions extends DiscoveryOptions {
  /**
   * Where kernels run: `'auto'` (default: the highest-priority backend that starts, WebGPU before
   * CPU), `'cpu'`, `'webgpu'`, a factory, or an already created backend (not disposed with the orchestrator).
   */
  readonly backend?: BackendChoice | BackendFactory | ComputeBackend;
  /** Share a compile cache between orchestrators; default: a new one. */
  readonly compileCache?: CompileCache;
  /** Byte limit of the orchestrator's pool (`compute.pool`). Default: unlimited. */
  readonly poolMaxBytes?: number;
}

/**
 * Runs kernels on one backend: validates arguments, uploads what the device lacks, launches in
 * call order, and marks written buffers device-dirty so reads download lazily.
 *
 * @example
 * ```ts
 * await using compute = await createOrchestrator({ backend: 'auto' });
 * const a = compute.buffer([n], 'float32', dataA);
 * const b = compute.buffer([n], 'float32', dataB);
 * const out = compute.buffer([n], 'float32');
 * await compute.run(vectorAdd, { a, b, out });
 * console.log(await out.toArray());
 * ```
 */
export class ComputeOrchestrator {
  readonly backend: ComputeBackend;
  readonly compileCache: CompileCache;
  /** A pool of buffers on this orchestrator's backend. */
  readonly pool: MemoryPool;
  readonly #ownsBackend: boolean;
  /** Launches are submitted in call order even when compilation is asynchronous. */
  #tail: Promise<void> = Promise.resolve();
  #disposed = false;

  constructor(
    backend: ComputeBackend,
    options: { compileCache?: CompileCache; ownsBackend?: boolean; poolMaxBytes?: number } = {},
  ) {
    this.backend = backend;
    this.compileCache = options.compileCache ?? new CompileCache();
    this.pool = new MemoryPool(
      options.poolMaxBytes === undefined ? { backend } : { backend, maxBytes: options.poolMaxBytes },
    );
    this.#ownsBackend = options.ownsBackend ?? false;
  }

  /** A new buffer on this orchestrator's backend, optionally filled with `data`. */
  buffer<D extends DType = 'float32'>(
    shape: Shape,
    dtype: D = 'float32' as D,
    data?: ArrayLike<number>,
  ): UnifiedBuffer<D> {
    return new UnifiedBuffer(
      shape,
      dtype,
      data === undefined ? { backend: this.backend } : { backend: this.backend, data },
    );
  }

  /**
   * Runs `kernel` with `args`. Arguments are validated synchronously (the returned promise
   * rejects with `KernelArgumentError`); the launch is queued after earlier ones. Resolves when
   * the work is submitted; read results with `await buffer.toArray()` or wait with `synchronize()`.
   */
  run<B extends string, S extends string>(
    kernel: KernelDefinition<B, S>,
    args: KernelArguments<B, S>,
  ): Promise<void> {
    try {
      if (this.#disposed) throw new ComputeDisposedError('the orchestrator');
      const launch = resolveLaunch(kernel, args, this.backend);
      const execute = async (): Promise<void> => {
        for (const buffer of launch.buffers.values()) buffer.ensureOnDevice();
        if (launch.workSize.every((items) => items > 0)) await this.backend.launch(launch, this.compileCache);
        for (const [name, buffer] of launch.buffers)
          if (kernel.buffers[name as B].access !== 'read') buffer.markDeviceDirty();
      };
      const result = this.#tail.then(execute);
      this.#tail = result.catch(() => undefined);
      return result;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Resolves when every launch so far has finished on the device. */
  async synchronize(): Promise<void> {
    await this.#tail;
    await this.backend.synchronize();
  }

  /** Frees the pool's idle buffers and, if the orchestrator created it, the backend. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.pool.dispose();
    if (this.#ownsBackend) this.backend.dispose();
  }

  /** Same as `dispose()`: `using compute = await createOrchestrator()`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Waits for queued work, then disposes. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.synchronize();
    } finally {
      this.dispose();
    }
  }
}

/**
 * Creates an orchestrator on the chosen backend (see {@link OrchestratorOptions.backend}).
 *
 * @example
 * ```ts
 * const compute = await createOrchestrator({ backend: 'webgpu' }); // throws BackendUnavailableError without an adapter
 * ```
 */
export async function createOrchestrator(options: OrchestratorOptions = {}): Promise<ComputeOrchestrator> {
  const choice = options.backend ?? 'auto';
  let backend: ComputeBackend;
  let ownsBackend = true;
  if (typeof choice === 'string')
    backend = await createBackend(
      options.factories === undefined
        ? { backend: choice }
        : { backend: choice, factories: options.factories },
    );
  else if ('create' in choice) backend = await choice.create();
  else {
    backend = choice;
    ownsBackend = false;
  }
  return new ComputeOrchestrator(backend, {
    ownsBackend,
    ...(options.compileCache === undefined ? {} : { compileCache: options.compileCache }),
    ...(options.poolMaxBytes === undefined ? {} : { poolMaxBytes: options.poolMaxBytes }),
  });
}
