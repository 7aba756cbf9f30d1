import { RingKernelError } from '../errors.js';

/** An error as plain data, so it survives `postMessage` with everything a reader needs. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  readonly cause: SerializedError | undefined;
}

/** Causes nested deeper than this are cut: a cyclic `cause` chain must not hang the crash report. */
const MAX_CAUSE_DEPTH = 8;

/** Turns anything thrown into {@link SerializedError}, keeping name, message, stack, code and cause. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return {
      name: 'Error',
      message: describeThrown(error),
      stack: undefined,
      code: undefined,
      cause: undefined,
    };
  }
  const code: unknown = (error as { code?: unknown }).code;
  const cause: unknown = error.cause;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    code: typeof code === 'string' ? code : typeof code === 'number' ? String(code) : undefined,
    cause: cause === undefined || depth >= MAX_CAUSE_DEPTH ? undefined : serializeError(cause, depth + 1),
  };
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `non-error value thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `non-error value thrown: ${String(value)}`;
  }
}

/**
 * An error thrown in another thread, rebuilt on this side: same `name`, `message`, `code`, `stack`
 * (the original one, pointing into the worker's code) and `cause` chain. It cannot be the original
 * class, so test `name` / `code` rather than `instanceof`.
 *
 * @example
 * ```ts
 * if (error instanceof RemoteError && error.name === 'RangeError') ...
 * ```
 */
export class RemoteError extends RingKernelError {
  constructor(serialized: SerializedError) {
    super(
      serialized.code ?? 'REMOTE_ERROR',
      serialized.message,
      serialized.cause === undefined ? undefined : { cause: new RemoteError(serialized.cause) },
    );
    this.name = serialized.name;
    if (serialized.stack !== undefined) this.stack = serialized.stack;
  }
}

/** Checks that a value received from a worker has the shape of a {@link SerializedError}. */
export function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SerializedError>;
  return typeof candidate.name === 'string' && typeof candidate.message === 'string';
}
