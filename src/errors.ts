/**
 * Every error ringkernel throws extends {@link RingKernelError} and carries a stable `code`
 * that programs can switch on; the message says what to do next.
 *
 * Subsystems define their own subclasses next to their code (for example `compute/errors.ts`);
 * this file holds the base class and the errors shared by the core.
 *
 * @example
 * ```ts
 * try {
 *   await runtime.send('missing', msg);
 * } catch (error) {
 *   if (error instanceof RingKernelError && error.code === 'KERNEL_NOT_FOUND') { ... }
 * }
 * ```
 */
export class RingKernelError extends Error {
  /** Stable, machine-readable identifier of the failure (e.g. `QUEUE_FULL`). */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * A blocking call (receive, send with backpressure `block`, request, terminate) ran out of time.
 *
 * The seed's `except asyncio.TimeoutError: continue` pattern maps onto
 * `catch (e) { if (e instanceof TimeoutError) continue; throw e; }`.
 */
export class TimeoutError extends RingKernelError {
  /** The limit that expired, in milliseconds. */
  readonly timeoutMs: number;
  /** What was waiting: `receive`, `send`, `request`, `terminate`, ... */
  readonly operation: string;

  constructor(operation: string, timeoutMs: number, subject?: string) {
    super(
      'TIMEOUT',
      `${operation}${subject === undefined ? '' : ` on '${subject}'`} timed out after ${timeoutMs} ms; ` +
        'pass a larger { timeout } or handle TimeoutError to retry',
    );
    this.timeoutMs = timeoutMs;
    this.operation = operation;
  }
}

/** A caller-supplied argument or option is out of range or of the wrong type. */
export class InvalidArgumentError extends RingKernelError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Formats a value for an error message: short, unambiguous, never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Date)
    return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name !== undefined && name !== 'Object' ? `${name} instance` : 'object';
}
