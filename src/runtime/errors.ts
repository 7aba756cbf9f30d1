import { RingKernelError, TimeoutError } from '../errors.js';
import type { KernelState } from './kernel-state.js';

/** No kernel with this id is launched in the runtime. */
export class KernelNotFoundError extends RingKernelError {
  readonly kernelId: string;
  readonly knownIds: readonly string[];

  constructor(kernelId: string, knownIds: readonly string[], hint = 'launch it first') {
    super(
      'KERNEL_NOT_FOUND',
      `no kernel '${kernelId}' in this runtime (${
        knownIds.length === 0 ? 'none are launched' : `known: ${knownIds.map((id) => `'${id}'`).join(', ')}`
      }); ${hint}`,
    );
    this.kernelId = kernelId;
    this.knownIds = knownIds;
  }
}

/** A kernel with this id is already launched. */
export class KernelAlreadyExistsError extends RingKernelError {
  constructor(kernelId: string) {
    super(
      'KERNEL_ALREADY_EXISTS',
      `a kernel '${kernelId}' is already launched; terminate it first or launch under another id`,
    );
  }
}

/** The operation is not allowed in the kernel's current state. */
export class KernelStateError extends RingKernelError {
  readonly kernelId: string;
  readonly state: KernelState;
  readonly allowedStates: readonly KernelState[];

  constructor(
    kernelId: string,
    operation: string,
    state: KernelState,
    allowedStates: readonly KernelState[],
  ) {
    super(
      'KERNEL_STATE',
      `cannot ${operation} kernel '${kernelId}': it is ${state}; ${operation} is allowed when ${allowedStates.join(
        ' or ',
      )}${hintFor(operation, state)}`,
    );
    this.kernelId = kernelId;
    this.state = state;
    this.allowedStates = allowedStates;
  }
}

function hintFor(operation: string, state: KernelState): string {
  if (operation === 'activate' && state === 'deactivated') return ' (use reactivate to resume it)';
  if (operation === 'reactivate' && state === 'launched') return ' (use activate the first time)';
  if (state === 'failed') return ' (see the error in getTelemetry(); terminate it and launch again)';
  if (state === 'terminated') return ' (its function has returned; terminate it and launch again)';
  return '';
}

/** The kernel function threw; the kernel is `failed` and `cause` is the error it threw. */
export class KernelFailedError extends RingKernelError {
  readonly kernelId: string;

  constructor(kernelId: string, cause: unknown) {
    super(
      'KERNEL_FAILED',
      `kernel '${kernelId}' failed: ${cause instanceof Error ? cause.message : String(cause)}; ` +
        'terminate it and launch again (or give it a supervisor)',
      { cause },
    );
    this.kernelId = kernelId;
  }
}

/**
 * The kernel is terminating: its pending and later `receive` calls end with this error.
 *
 * It extends {@link TimeoutError} on purpose: the guide's loop
 * `while (!ctx.shouldTerminate) { try { await ctx.receive(...) } catch (e) { if (e instanceof TimeoutError) continue; ... } }`
 * then leaves through its `shouldTerminate` check and runs its cleanup code.
 */
export class KernelTerminatingError extends TimeoutError {
  override readonly code: string = 'KERNEL_TERMINATING';
  readonly kernelId: string;

  constructor(kernelId: string) {
    super('receive', 0, kernelId);
    this.message = `kernel '${kernelId}' is terminating; leave the loop (check ctx.shouldTerminate) and clean up`;
    this.kernelId = kernelId;
  }
}

/** The kernel was terminated while the caller waited on it (send, receive or request). */
export class KernelTerminatedError extends RingKernelError {
  readonly kernelId: string;

  constructor(kernelId: string) {
    super(
      'KERNEL_TERMINATED',
      `kernel '${kernelId}' was terminated; messages it left are in the termination report`,
    );
    this.kernelId = kernelId;
  }
}

/**
 * Something other than a message was sent: only objects made by a definition's `create()`,
 * `reply()` or `decode()` travel between kernels (they carry the type, id and priority the runtime
 * relies on).
 */
export class NotAMessageError extends RingKernelError {
  readonly kernelId: string;

  /** `kernelId`: the kernel sent to, or (`direction: 'from'`) the kernel whose `ctx.send` got it. */
  constructor(
    kernelId: string,
    value: unknown,
    describe: (value: unknown) => string,
    direction: 'to' | 'from' = 'to',
  ) {
    super(
      'NOT_A_MESSAGE',
      `cannot send ${describe(value)} ${direction} '${kernelId}': it is not a message; make one with a definition's ` +
        `create() (const Ping = defineMessage('Ping', { ... }); Ping.create({ ... }))`,
    );
    this.kernelId = kernelId;
  }
}

/** The kernel declared the message types it accepts (`accepts: [...]`) and this one is not among them. */
export class MessageNotAcceptedError extends RingKernelError {
  readonly kernelId: string;
  readonly messageType: string;
  readonly accepted: readonly string[];

  constructor(kernelId: string, messageType: string, accepted: readonly string[]) {
    super(
      'MESSAGE_NOT_ACCEPTED',
      `kernel '${kernelId}' does not accept ${messageType} messages (it accepts ${accepted.join(', ')}); ` +
        `send one of those, or add ${messageType} to its accepts option`,
    );
    this.kernelId = kernelId;
    this.messageType = messageType;
    this.accepted = accepted;
  }
}

/**
 * The message a `request` waits on was dead-lettered before the kernel handled it (it expired in
 * the queue, or could not be delivered to a worker): no reply will come. `cause` holds the error.
 */
export class RequestDeadLetteredError extends RingKernelError {
  readonly kernelId: string;
  readonly reason: string;

  constructor(kernelId: string, reason: string, cause: unknown) {
    super(
      'REQUEST_DEAD_LETTERED',
      `the request to '${kernelId}' will not be answered: its message went to the dead-letter queue (${reason}` +
        `${cause instanceof Error ? `: ${cause.message}` : ''}); see runtime.deadLetters`,
      cause === undefined ? undefined : { cause },
    );
    this.kernelId = kernelId;
    this.reason = reason;
  }
}
