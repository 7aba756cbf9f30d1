import { RingKernelError } from '../errors.js';
import type { DType } from './dtype.js';

/** A backend (or one of its features) cannot be used here; the message says why and what to install. */
export class BackendUnavailableError extends RingKernelError {
  /** The backend that was asked for, e.g. `webgpu`. */
  readonly backend: string;
  /** Why it is unavailable (missing package, no adapter, ...). */
  readonly reason: string;

  constructor(backend: string, reason: string) {
    super(
      'BACKEND_UNAVAILABLE',
      `compute backend '${backend}' is not available: ${reason}; ` +
        "pick another with { backend: 'cpu' } or { backend: 'auto' }",
    );
    this.backend = backend;
    this.reason = reason;
  }
}

/** A dtype is not supported by a backend or a kernel. */
export class UnsupportedDtypeError extends RingKernelError {
  readonly dtype: DType;

  constructor(dtype: DType, where: string, supported: readonly string[]) {
    super(
      'DTYPE_UNSUPPORTED',
      `dtype '${dtype}' is not supported by ${where}; use one of: ${supported.join(', ') || '(none)'}`,
    );
    this.dtype = dtype;
  }
}

/** A `UnifiedBuffer` was used after `dispose()` or after being released to its pool. */
export class BufferDisposedError extends RingKernelError {
  constructor(operation: string) {
    super(
      'BUFFER_DISPOSED',
      `cannot ${operation}: the buffer was disposed or released to its pool; acquire or create a new buffer`,
    );
  }
}

/**
 * The requested buffer operation conflicts with where the newest data lives
 * (for example reading `.host` while the device holds newer data).
 */
export class BufferStateError extends RingKernelError {
  constructor(message: string) {
    super('BUFFER_STATE', message);
  }
}

/** Shapes do not agree (copy, view, kernel argument). */
export class ShapeMismatchError extends RingKernelError {
  constructor(message: string) {
    super('SHAPE_MISMATCH', message);
  }
}

/** `MemoryPool.release` got a buffer that this pool did not hand out. */
export class ForeignBufferError extends RingKernelError {
  constructor() {
    super(
      'POOL_FOREIGN_BUFFER',
      'release() got a buffer that this pool did not hand out; release it to the pool that acquired it, or dispose() it',
    );
  }
}

/** `MemoryPool.release` got a buffer that was already released. */
export class DoubleReleaseError extends RingKernelError {
  constructor() {
    super(
      'POOL_DOUBLE_RELEASE',
      'release() got a buffer that was already released; release each acquired buffer exactly once (use try/finally)',
    );
  }
}

/** The pool cannot satisfy an acquire without exceeding its byte limit, even after evicting all idle buffers. */
export class PoolLimitError extends RingKernelError {
  readonly requestedBytes: number;
  readonly limitBytes: number;

  constructor(requestedBytes: number, inUseBytes: number, limitBytes: number) {
    super(
      'POOL_LIMIT',
      `cannot acquire ${requestedBytes} bytes: ${inUseBytes} of the pool's ${limitBytes}-byte limit are in use; ` +
        'release buffers first or raise { maxBytes }',
    );
    this.requestedBytes = requestedBytes;
    this.limitBytes = limitBytes;
  }
}

/** A kernel was called with arguments that break its declared parameters. */
export class KernelArgumentError extends RingKernelError {
  readonly kernel: string;
  readonly parameter: string;

  constructor(kernel: string, parameter: string, problem: string) {
    super('KERNEL_ARGUMENT', `kernel '${kernel}', parameter '${parameter}': ${problem}`);
    this.kernel = kernel;
    this.parameter = parameter;
  }
}

/** A kernel's source failed to compile on a backend; the message carries the compiler's diagnostics. */
export class KernelCompilationError extends RingKernelError {
  readonly kernel: string;

  constructor(kernel: string, backend: string, diagnostics: string) {
    super('KERNEL_COMPILATION', `kernel '${kernel}' failed to compile for ${backend}: ${diagnostics}`);
    this.kernel = kernel;
  }
}

/** A kernel has no implementation for the backend it was asked to run on. */
export class KernelNotImplementedError extends RingKernelError {
  constructor(kernel: string, backend: string) {
    super(
      'KERNEL_NOT_IMPLEMENTED',
      `kernel '${kernel}' has no ${backend} implementation; add one to its definition or run it on another backend`,
    );
  }
}

/** A launch needs more work-groups than the device allows even in two dimensions. */
export class LaunchGeometryError extends RingKernelError {
  constructor(message: string) {
    super('LAUNCH_GEOMETRY', message);
  }
}

/** The device reported an error (validation, out of memory, device lost) while running queued work. */
export class DeviceError extends RingKernelError {
  constructor(backend: string, detail: string) {
    super(
      'DEVICE_ERROR',
      `${backend} device error: ${detail}; the launch before this point did not complete as asked`,
    );
  }
}

/** An orchestrator or backend was used after `dispose()`. */
export class ComputeDisposedError extends RingKernelError {
  constructor(what: string) {
    super('COMPUTE_DISPOSED', `${what} was disposed; create a new one with createOrchestrator()`);
  }
}
