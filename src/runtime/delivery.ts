import { InvalidArgumentError, TimeoutError, describeValue } from '../errors.js';
import { definitionOf } from '../messages/wire.js';
import type { Message } from '../messages/types.js';
import { checkPriority } from '../queues/backpressure.js';
// The mailbox's own settled promise: `offer(...) === RESOLVED` must compare against that very object.
import { RESOLVED } from '../queues/mailbox.js';
import { boundedWait, invalidWaitOptions, type WaitOptions } from '../queues/wait-options.js';
import {
  KernelFailedError,
  KernelNotFoundError,
  KernelStateError,
  MessageNotAcceptedError,
  NotAMessageError,
} from './errors.js';
import type { RuntimeEvents } from './events.js';
import type { Inspector } from './inspect.js';
import type { KernelRecord, KernelRouter } from './kernel-record.js';
import { allowedFrom, type KernelState } from './kernel-state.js';
import { PendingReply, type PendingRequest } from './pending-reply.js';
import { PendingTable } from './pending-table.js';
import type { RequestExpiry } from './request-expiry.js';
import { Route, type RouteOptions } from './routes.js';
import { isRemoteAddress, type RemoteKernels } from './remote-kernels.js';

/**
 * The runtime's message path into kernels: every `send`, `post`, `request`, route, `sendTo` and
 * topic delivery goes through here, with the checks (state, type, priority, options), dedup,
 * counting, and pairing of requests with replies. The runtime (the facade) owns one.
 */
export class Delivery {
  readonly #kernels: Map<string, KernelRecord>;
  readonly #events: RuntimeEvents;
  readonly #inspector: Inspector;
  readonly #expiry: RequestExpiry | undefined;
  /** Set by the runtime once its router exists (the router's closures call back into this). */
  router!: KernelRouter;
  /** Kernels of other runtimes (`name@node`), when a link is attached (`runtime.attachRemote`). */
  remote: RemoteKernels | undefined;

  constructor(
    kernels: Map<string, KernelRecord>,
    events: RuntimeEvents,
    inspector: Inspector,
    expiry: RequestExpiry | undefined,
  ) {
    this.#kernels = kernels;
    this.#events = events;
    this.#inspector = inspector;
    this.#expiry = expiry;
  }

  /**
   * The one path every message into a kernel takes (send, routes, sendTo, topics). When `from`
   * names a kernel and the target cannot take it, the message goes to the dead-letter queue
   * (routes and topics) instead of failing the sender; `sendTo` (`strict`) rejects.
   */
  deliver(
    to: string,
    message: Message,
    options: WaitOptions | undefined,
    from: string | undefined,
    deadLetterIfUndeliverable: boolean,
  ): Promise<void> {
    const record = this.#kernels.get(to);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
      const remote = record === undefined ? this.remoteFor(to) : undefined;
      if (remote !== undefined)
        return this.#deliverRemote(remote, to, message, options, deadLetterIfUndeliverable);
      const refusal = this.#sendRefusal(to, record);
      if (deadLetterIfUndeliverable) {
        this.router.deadLetter(to, message, 'undeliverable', refusal);
        return RESOLVED;
      }
      return Promise.reject(refusal);
    }
    const typeRefusal = this.#checkType(record, message);
    if (typeRefusal !== undefined) {
      if (deadLetterIfUndeliverable && typeRefusal instanceof MessageNotAcceptedError) {
        this.router.deadLetter(to, message, 'undeliverable', typeRefusal);
        return RESOLVED;
      }
      return Promise.reject(typeRefusal);
    }
    if (options !== undefined) {
      const invalid = invalidWaitOptions(options, 'send');
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if ((message.priority & 255) !== message.priority) return Promise.reject(this.#priorityError(message));
    const execution = record.life?.execution;
    if (execution?.admit !== undefined) {
      const refusal = execution.admit(message);
      if (refusal !== undefined) return Promise.reject(refusal);
    }
    const telemetry = record.telemetry;
    if (record.dedup !== undefined && record.dedup.checkAndAdd(message.messageId)) {
      telemetry.duplicates++;
      this.#events.emit('duplicate', { kernelId: to, message });
      return RESOLVED;
    }
    telemetry.received++;
    if (this.#inspector.watchingMessages) this.#inspector.received(to, message);
    const offered = record.input.offer(message, options);
    return offered === RESOLVED
      ? offered
      : offered.catch((error: unknown) => this.#sendFailed(record, error));
  }

  /** The attached remote when `kernelId` is a remote address (the caller found no local kernel). */
  remoteFor(kernelId: string): RemoteKernels | undefined {
    return this.remote !== undefined && isRemoteAddress(kernelId) ? this.remote : undefined;
  }

  /** Delivery to another runtime's kernel; along routes and topics a refusal dead-letters the message. */
  #deliverRemote(
    remote: RemoteKernels,
    to: string,
    message: Message,
    options: WaitOptions | undefined,
    deadLetterIfUndeliverable: boolean,
  ): Promise<void> {
    const sent = remote.send(to, message, options);
    if (!deadLetterIfUndeliverable) return sent;
    return sent.catch((error: unknown) => {
      this.router.deadLetter(to, message, 'undeliverable', error);
    });
  }

  route(from: string, to: readonly string[], options: RouteOptions): Route {
    return new Route(
      from,
      to,
      options,
      (target, message, waitOptions, source) => this.deliver(target, message, waitOptions, source, true),
      (target) => this.#kernels.get(target)?.input.size ?? Infinity,
      (target, message) => this.postAlongRoute(target, message),
    );
  }

  /** A route's `post`: like `post`, but an unreachable target dead-letters the message, as `send` along routes does. */
  postAlongRoute(to: string, message: Message): boolean {
    const record = this.#kernels.get(to);
    if (record === undefined && this.remoteFor(to) !== undefined) return this.post(to, message);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
      this.router.deadLetter(to, message, 'undeliverable', this.#sendRefusal(to, record));
      return true;
    }
    return this.post(to, message);
  }

  lookup(kernelId: string): KernelRecord {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) throw this.notFound(kernelId);
    return record;
  }

  notFound(kernelId: string): KernelNotFoundError {
    return new KernelNotFoundError(kernelId, [...this.#kernels.keys()]);
  }

  #canSend(record: KernelRecord): boolean {
    return (allowedFrom.send as readonly KernelState[]).includes(record.state);
  }

  #sendRefusal(kernelId: string, record: KernelRecord | undefined): Error {
    if (record === undefined) return this.notFound(kernelId);
    if (record.state === 'failed') return new KernelFailedError(kernelId, record.failure);
    return new KernelStateError(kernelId, 'send to', record.state, allowedFrom.send);
  }

  /** Refuses what is not a message, and a message of a type the kernel does not accept. */
  #checkType(record: KernelRecord, message: Message): Error | undefined {
    const definition = definitionOf(message);
    if (definition === undefined) return new NotAMessageError(record.kernelId, message, describeValue);
    const accepts = record.accepts;
    if (accepts === undefined || accepts.has(definition)) return undefined;
    return new MessageNotAcceptedError(
      record.kernelId,
      definition.name,
      [...accepts].map((accepted) => (accepted as { name: string }).name),
    );
  }

  #priorityError(message: Message): Error {
    try {
      checkPriority(message.priority);
    } catch (error) {
      return error as Error;
    }
    return new InvalidArgumentError('invalid priority');
  }

  #sendFailed(record: KernelRecord, error: unknown): never {
    record.telemetry.received--;
    if (error instanceof TimeoutError) record.telemetry.rejected++;
    throw error;
  }

  post(kernelId: string, message: Message): boolean {
    const record = this.#kernels.get(kernelId);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
      const remote = record === undefined ? this.remoteFor(kernelId) : undefined;
      if (remote !== undefined) return remote.post(kernelId, message);
      throw this.#sendRefusal(kernelId, record);
    }
    const typeRefusal = this.#checkType(record, message);
    if (typeRefusal !== undefined) throw typeRefusal;
    if ((message.priority & 255) !== message.priority) throw this.#priorityError(message);
    const execution = record.life?.execution;
    if (execution?.admit !== undefined) {
      const refusal = execution.admit(message);
      if (refusal !== undefined) throw refusal;
    }
    const telemetry = record.telemetry;
    if (record.dedup !== undefined && record.dedup.checkAndAdd(message.messageId)) {
      telemetry.duplicates++;
      this.#events.emit('duplicate', { kernelId, message });
      return true;
    }
    telemetry.received++;
    let taken: boolean;
    try {
      taken = record.input.post(message);
    } catch (error) {
      telemetry.received--;
      throw error;
    }
    if (!taken) {
      telemetry.received--;
      return false;
    }
    if (this.#inspector.watchingMessages) this.#inspector.received(kernelId, message);
    return true;
  }

  awaitReply<Reply extends Message>(
    kernelId: string,
    id: string,
    options: WaitOptions | undefined,
    message: Message | undefined,
  ): Promise<Reply> {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) {
      const remote = message === undefined ? undefined : this.remoteFor(kernelId);
      if (remote !== undefined) return remote.request(kernelId, message!, options) as Promise<Reply>;
      return Promise.reject(this.notFound(kernelId));
    }
    if (options !== undefined) {
      const invalid = invalidWaitOptions(options, 'request');
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    const pending = (record.pending ??= new PendingTable<PendingRequest>());
    if (options?.timeout !== undefined || options?.signal !== undefined) {
      if (pending.has(id)) return this.#duplicateRequest(id, kernelId);
      return this.#awaitBoundedReply<Reply>(record, pending, id, options, message);
    }
    // The common case, unbounded: one promise and one entry, no closure.
    const entry = new PendingReply();
    if (!pending.insertIfAbsent(id, entry)) return this.#duplicateRequest(id, kernelId);
    const expiry = this.#expiry;
    if (expiry !== undefined) {
      entry.born = expiry.tick;
      expiry.added();
    }
    if (message !== undefined) {
      const sent = this.deliver(kernelId, message, undefined, undefined, false);
      if (sent !== RESOLVED) {
        sent.catch((error: unknown) => {
          if (pending.get(id) === entry) {
            pending.take(id);
            expiry?.settled();
          }
          entry.reject(error);
        });
      }
    }
    return entry.promise as Promise<Reply>;
  }

  #duplicateRequest<Reply>(id: string, kernelId: string): Promise<Reply> {
    return Promise.reject(
      new InvalidArgumentError(`a request with messageId ${id} is already pending on '${kernelId}'`),
    );
  }

  #awaitBoundedReply<Reply extends Message>(
    record: KernelRecord,
    pending: PendingTable<PendingRequest>,
    id: string,
    options: WaitOptions,
    message: Message | undefined,
  ): Promise<Reply> {
    return boundedWait<Reply>(options, 'request', record.kernelId, (resolve, reject) => {
      const entry: PendingRequest = { resolve: resolve, reject, born: -1 };
      const remove = (): void => {
        pending.deleteIf(id, entry);
      };
      pending.set(id, entry);
      if (message !== undefined) {
        const sent = this.deliver(record.kernelId, message, options, undefined, false);
        if (sent !== RESOLVED) {
          sent.catch((error: unknown) => {
            remove();
            reject(error);
          });
        }
      }
      return remove;
    });
  }
}
