import { RingKernelError } from '../errors.js';
import type { Message } from '../messages/types.js';

/**
 * A worker kernel could not start: its module failed to load (syntax error, missing import, a
 * throw at top level), has no default-exported kernel function, or the worker thread could not be
 * created. `launch` rejects with it; `cause` carries the original error with its stack.
 */
export class WorkerLoadError extends RingKernelError {
  readonly kernelId: string;
  readonly moduleUrl: string;

  constructor(kernelId: string, moduleUrl: string, reason: string, options?: ErrorOptions) {
    super(
      'WORKER_LOAD_FAILED',
      `worker kernel '${kernelId}' could not start from ${moduleUrl}: ${reason}`,
      options,
    );
    this.kernelId = kernelId;
    this.moduleUrl = moduleUrl;
  }
}

/** How a worker kernel's thread ended abnormally. */
export type WorkerCrashKind = 'threw' | 'exited' | 'outOfMemory' | 'uncaught';

/**
 * A worker kernel's thread failed: its kernel function threw, it called `process.exit`, it ran out
 * of memory, or an error escaped its event loop. The kernel is `failed`; the rest of the runtime is
 * unaffected. `cause` is the original error rebuilt on this thread (a `RemoteError` keeping name,
 * code, message, stack and cause) or Node's own error for out-of-memory. The messages the kernel had
 * taken and not finished are in {@link inFlightMessages}; messages it had not taken yet are listed in
 * the termination report's `unprocessedInputs`, like any queued input.
 */
export class WorkerCrashError extends RingKernelError {
  readonly kernelId: string;
  readonly kind: WorkerCrashKind;
  /** The thread's exit code, when it exited. */
  readonly exitCode: number | undefined;
  /** Which worker of a pool crashed (0 for a single worker). */
  readonly workerIndex: number;
  /** Messages the kernel function had received and not finished when the thread failed. */
  readonly inFlightMessages: readonly Message[];

  constructor(
    kernelId: string,
    details: {
      kind: WorkerCrashKind;
      exitCode?: number | undefined;
      workerIndex: number;
      inFlightMessages: readonly Message[];
      description: string;
    },
    options?: ErrorOptions,
  ) {
    super(
      'WORKER_CRASHED',
      `worker kernel '${kernelId}'${details.workerIndex === 0 ? '' : ` (worker ${details.workerIndex})`} ` +
        `${describeKind(details.kind, details.exitCode)}: ${details.description}; ` +
        `${details.inFlightMessages.length} message(s) were in flight (see inFlightMessages); ` +
        'terminate it to collect what it left queued, then launch it again',
      options,
    );
    this.kernelId = kernelId;
    this.kind = details.kind;
    this.exitCode = details.exitCode;
    this.workerIndex = details.workerIndex;
    this.inFlightMessages = details.inFlightMessages;
  }
}

function describeKind(kind: WorkerCrashKind, exitCode: number | undefined): string {
  switch (kind) {
    case 'threw':
      return 'threw';
    case 'exited':
      return `exited its thread with code ${exitCode ?? 'unknown'}`;
    case 'outOfMemory':
      return 'ran out of memory';
    case 'uncaught':
      return 'failed outside its kernel function';
  }
}

/**
 * The host and the worker disagree about the message types of a worker kernel, or a message type
 * cannot cross the thread boundary.
 */
export class WorkerMessageTypesError extends RingKernelError {
  constructor(message: string) {
    super('WORKER_MESSAGE_TYPES', message);
  }
}

/**
 * A message sent to a worker kernel is of a type its thread does not know (not in the kernel's
 * `messages`, or not made by a definition at all): it could never be decoded there, so `send`
 * refuses it instead of losing it.
 */
export class WorkerMessageTypeError extends RingKernelError {
  readonly kernelId: string;

  constructor(kernelId: string, message: Message) {
    const name = (message as { constructor?: { name?: unknown } }).constructor?.name;
    super(
      'WORKER_MESSAGE_TYPE',
      `worker kernel '${kernelId}' cannot take a ${typeof name === 'string' && name !== 'Object' ? `'${name}' message` : 'message no definition made'}: ` +
        "create it with a definition listed in the kernel's messages (workerKernel(url, { messages }) or the module's messages export)",
    );
    this.kernelId = kernelId;
  }
}
