import { TimeoutError } from '../errors.js';
import { KernelFailedError, KernelNotFoundError, KernelTerminatedError } from '../runtime/errors.js';
import { RemoteError, isSerializedError, serializeError, type SerializedError } from './serialized-error.js';

/** A failed kernel-to-kernel call as plain data: the error and the fields its class is rebuilt from. */
interface CallErrorData {
  readonly error: SerializedError;
  readonly kernelId?: string | undefined;
  readonly knownIds?: readonly string[] | undefined;
  readonly operation?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

export function serializeCallError(error: unknown): CallErrorData {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Partial<CallErrorData>;
  return {
    error: serializeError(error),
    kernelId: typeof fields.kernelId === 'string' ? fields.kernelId : undefined,
    knownIds: Array.isArray(fields.knownIds) ? fields.knownIds : undefined,
    operation: typeof fields.operation === 'string' ? fields.operation : undefined,
    timeoutMs: typeof fields.timeoutMs === 'number' ? fields.timeoutMs : undefined,
  };
}

/**
 * The runtime's error, rebuilt in the worker as the same class where the kernel is likely to test
 * for it (`instanceof KernelNotFoundError`, `TimeoutError`, ...): a worker kernel sees what an
 * event-loop kernel would. Other errors arrive as {@link RemoteError} (same name, code and message).
 */
export function rebuildCallError(data: unknown): Error {
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Partial<CallErrorData>;
  const serialized = fields.error;
  if (!isSerializedError(serialized)) return new RemoteError(serializeError(data));
  const kernelId = fields.kernelId ?? '';
  let error: Error;
  switch (serialized.code) {
    case 'KERNEL_NOT_FOUND':
      error = new KernelNotFoundError(kernelId, fields.knownIds ?? []);
      break;
    case 'KERNEL_TERMINATED':
      error = new KernelTerminatedError(kernelId);
      break;
    case 'KERNEL_FAILED':
      error = new KernelFailedError(
        kernelId,
        serialized.cause === undefined ? undefined : new RemoteError(serialized.cause),
      );
      break;
    case 'TIMEOUT':
      error = new TimeoutError(fields.operation ?? 'call', fields.timeoutMs ?? 0);
      break;
    default:
      return new RemoteError(serialized);
  }
  error.message = serialized.message;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
