import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { checkPriority } from '../queues/backpressure.js';
import { deadlineOf, type WaitOptions } from '../queues/wait-options.js';
import { LatencyHistogram } from '../telemetry/latency-histogram.js';
import type { KernelTelemetrySnapshot, TelemetrySummary } from '../telemetry/kernel-telemetry.js';
import { TimeoutError } from '../errors.js';
import {
  KernelAlreadyExistsError,
  KernelFailedError,
  KernelNotFoundError,
  KernelStateError,
  KernelTerminatedError,
  KernelTerminatingError,
} from './errors.js';
import { RuntimeEvents, type RuntimeEventName, type RuntimeListener } from './events.js';
import { Inspector, type InspectOptions, type InspectionListener } from './inspect.js';
import type { KernelDefinition } from './kernel-port.js';
import { KernelRecord, type PendingRequest } from './kernel-record.js';
import { allowedFrom, type KernelOperation, type KernelState } from './kernel-state.js';
import { checkKernelId } from './ring-kernel.js';
import type { TerminationReport } from './termination-report.js';

/** Settings of a {@link RingKernelRuntime}; every field has a default. */
export interface RuntimeOptions {
  /**
   * Time each message's processing (latency histogram, throughput). Default true. Counters are
   * kept either way (an integer increment); `false` removes the clock reads from the hot path.
   */
  readonly telemetry?: boolean | undefined;
  /** Definitions `launch(id)` may find by their `kernelId` when called without a definition. */
  readonly kernels?: readonly KernelDefinition<never, never>[] | undefined;
}

/** Options of `terminate` / `terminateAll`. */
export interface TerminateOptions {
  /** How long to wait for the kernel function to return before force-stopping it. Default: the kernel's `terminateTimeout` (5000 ms). */
  readonly timeout?: number | undefined;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Hosts ring kernels: launches them, moves them through their lifecycle, carries messages in and
 * out, pairs requests with replies, and keeps their telemetry.
 *
 * @example
 * ```ts
 * await using runtime = new RingKernelRuntime();
 * await runtime.launch('calculator', calculator);
 * await runtime.activate('calculator');
 * const response = await runtime.request('calculator', CalculateRequest.create({ a: 10, b: 5 }), { timeout: 1000 });
 * ```
 */
export class RingKernelRuntime implements AsyncDisposable {
  readonly #kernels = new Map<string, KernelRecord>();
  readonly #definitions = new Map<string, KernelDefinition<never, never>>();
  readonly #events = new RuntimeEvents();
  readonly #inspector = new Inspector(this.#events);
  readonly #timing: boolean;
  readonly #createdAt = performance.now();

  constructor(options: RuntimeOptions = {}) {
    this.#timing = options.telemetry ?? true;
    for (const definition of options.kernels ?? []) {
      if (definition.kernelId === undefined) {
        throw new InvalidArgumentError('every definition in RuntimeOptions.kernels needs a kernelId');
      }
      this.#definitions.set(definition.kernelId, definition);
    }
  }

  /** Ids of the kernels launched and not yet terminated, in launch order. */
  get kernelIds(): string[] {
    return [...this.#kernels.keys()];
  }

  /** Ids of the kernels that are active now. */
  get activeKernels(): string[] {
    const ids: string[] = [];
    for (const [id, record] of this.#kernels) if (record.state === 'active') ids.push(id);
    return ids;
  }

  /** Subscribes to runtime events; returns a function that unsubscribes. */
  on<Name extends RuntimeEventName>(name: Name, listener: RuntimeListener<Name>): () => void {
    return this.#events.on(name, listener);
  }

  off<Name extends RuntimeEventName>(name: Name, listener: RuntimeListener<Name>): void {
    this.#events.off(name, listener);
  }

  /**
   * Reports typed inspection events (lifecycle, messages received/sent/processed, drops,
   * rejections, errors, terminations) to `listener`; returns a function that stops it. Per-message
   * events can be sampled (`{ sample: 100 }`: every 100th); with no inspector they cost nothing.
   *
   * @example
   * ```ts
   * const stop = runtime.inspect((event) => console.log(event.type, event.kernelId), { sample: 10 });
   * ```
   */
  inspect(listener: InspectionListener, options?: InspectOptions): () => void {
    return this.#inspector.add(listener, options);
  }

  /**
   * Phase one: allocates the kernel's queues and starts its code, which waits for `activate`
   * before it is handed any message. Messages may be sent right away; they queue up.
   */
  async launch<In extends Message, Out extends Message>(
    kernelId: string,
    definition?: KernelDefinition<In, Out>,
  ): Promise<void> {
    checkKernelId(kernelId);
    const found = definition ?? (this.#definitions.get(kernelId) as KernelDefinition<In, Out> | undefined);
    if (found === undefined) {
      throw new KernelNotFoundError(
        kernelId,
        [...this.#definitions.keys()],
        'pass its definition to launch(id, definition) or list it in new RingKernelRuntime({ kernels })',
      );
    }
    if (this.#kernels.has(kernelId)) throw new KernelAlreadyExistsError(kernelId);
    const record = new KernelRecord(kernelId, found.options, this.#events, this.#timing, this.#inspector);
    this.#kernels.set(kernelId, record);
    this.#events.emit('stateChange', { kernelId, from: undefined, to: 'launched' });
    try {
      record.execution = await found.start(record as never);
    } catch (error) {
      this.#kernels.delete(kernelId);
      throw error;
    }
    record.execution.finished.then(
      () => this.#onFinished(record, undefined, false),
      (error: unknown) => this.#onFinished(record, error, true),
    );
  }

  /** Phase two: lets a launched kernel receive messages. */
  activate(kernelId: string): Promise<void> {
    return this.#transition(kernelId, 'activate', 'active');
  }

  /** Pauses a kernel: its `receive` hands out nothing; messages sent meanwhile queue up. */
  deactivate(kernelId: string): Promise<void> {
    return this.#transition(kernelId, 'deactivate', 'deactivated');
  }

  /** Resumes a deactivated kernel; what queued meanwhile is served in priority order. */
  reactivate(kernelId: string): Promise<void> {
    return this.#transition(kernelId, 'reactivate', 'active');
  }

  /** The kernel's lifecycle state. */
  getState(kernelId: string): KernelState {
    return this.#lookup(kernelId).state;
  }

  /**
   * Stops a kernel: wakes it (its `receive` ends, `shouldTerminate` turns true, `signal` aborts),
   * waits up to `timeout` for its function to return, then force-stops it and removes it. The
   * report lists every message it left queued; nothing is dropped silently. Calling it again while
   * it terminates returns the same report.
   */
  terminate(kernelId: string, options: TerminateOptions = {}): Promise<TerminationReport> {
    let record: KernelRecord;
    try {
      record = this.#lookup(kernelId);
    } catch (error) {
      return Promise.reject(error);
    }
    record.termination ??= this.#terminate(record, options.timeout ?? record.terminateTimeout);
    return record.termination;
  }

  /** Terminates every kernel concurrently. */
  terminateAll(options: TerminateOptions = {}): Promise<TerminationReport[]> {
    return Promise.all(this.kernelIds.map((id) => this.terminate(id, options)));
  }

  /** Terminates every kernel: `await using runtime = new RingKernelRuntime()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminateAll();
  }

  /**
   * Puts a message in the kernel's input queue. With backpressure `block` a full queue makes this
   * wait (bounded by `timeout` / `signal`); `reject` throws `QueueFullError`; the drop strategies
   * resolve and report the drop through the `dropped` event.
   */
  send(kernelId: string, message: Message, options?: WaitOptions): Promise<void> {
    const record = this.#kernels.get(kernelId);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
      return Promise.reject(this.#sendRefusal(kernelId, record));
    }
    if ((message.priority & 255) !== message.priority) return Promise.reject(this.#priorityError(message));
    record.telemetry.received++;
    if (this.#inspector.watchingMessages) this.#inspector.received(kernelId, message);
    const offered = record.input.offer(message, options);
    return offered === RESOLVED
      ? offered
      : offered.catch((error: unknown) => this.#sendFailed(record, error));
  }

  /** Sends messages in order, each with the same backpressure rules; resolves with the count sent. */
  async sendBatch(kernelId: string, messages: Iterable<Message>, options?: WaitOptions): Promise<number> {
    let sent = 0;
    for (const message of messages) {
      await this.send(kernelId, message, options);
      sent++;
    }
    return sent;
  }

  /**
   * The kernel's next output message (highest priority first). Outputs that answer a pending
   * `request` never show up here. Once the kernel failed or ended, what it had queued is still
   * handed out; then this rejects with the failure.
   */
  receive<Output extends Message = Message>(kernelId: string, options?: WaitOptions): Promise<Output> {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) return Promise.reject(this.#notFound(kernelId));
    return record.output.take(options) as Promise<Output>;
  }

  /** Takes every output message queued now without waiting. */
  receiveAvailable(kernelId: string, max = Infinity): Message[] {
    const output = this.#lookup(kernelId).output;
    const messages: Message[] = [];
    while (messages.length < max) {
      const message = output.takeNow();
      if (message === undefined) break;
      messages.push(message);
    }
    return messages;
  }

  /**
   * Sends `message` and resolves with the output whose `correlationId` is `message.messageId`,
   * leaving every other output for `receive`. A reply that arrives after a timeout goes to the
   * output queue instead, so it is not lost.
   */
  request<Reply extends Message = Message>(
    kernelId: string,
    message: Message,
    options?: WaitOptions,
  ): Promise<Reply> {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) return Promise.reject(this.#notFound(kernelId));
    const id = message.messageId;
    if (typeof id !== 'string') {
      return Promise.reject(
        new InvalidArgumentError(`request needs a message with a messageId; got ${describeValue(id)}`),
      );
    }
    if (record.pending.has(id)) {
      return Promise.reject(
        new InvalidArgumentError(`a request with messageId ${id} is already pending on '${kernelId}'`),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    let deadline: number;
    try {
      deadline = deadlineOf(options?.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Reply>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
      };
      const fail = (error: unknown) => {
        if (record.pending.get(id) === entry) record.pending.delete(id);
        done();
        reject(error);
      };
      const entry: PendingRequest = {
        resolve: (reply) => {
          done();
          resolve(reply as Reply);
        },
        reject: fail,
      };
      record.pending.set(id, entry);
      if (deadline !== Infinity) {
        timer = setTimeout(
          () => fail(new TimeoutError('request', options!.timeout!, kernelId)),
          deadline - performance.now(),
        );
      }
      if (signal !== undefined) {
        onAbort = () => fail(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.send(kernelId, message, options).catch(fail);
    });
  }

  /** A snapshot of one kernel's telemetry. */
  getTelemetry(kernelId: string): KernelTelemetrySnapshot {
    const record = this.#lookup(kernelId);
    return record.telemetry.snapshot(kernelId, record.state, {
      inputDepth: record.input.size,
      outputDepth: record.output.size,
      inputCapacity: record.input.capacity,
      outputCapacity: record.output.capacity,
    });
  }

  /** Totals over every kernel. */
  getSummary(): TelemetrySummary {
    const latency = new LatencyHistogram();
    let received = 0;
    let processed = 0;
    let sent = 0;
    let dropped = 0;
    let rejected = 0;
    let errors = 0;
    let restarts = 0;
    let throughput = 0;
    let active = 0;
    for (const record of this.#kernels.values()) {
      const telemetry = record.telemetry;
      received += telemetry.received;
      processed += telemetry.processed;
      sent += telemetry.sent;
      dropped += telemetry.dropped;
      rejected += telemetry.rejected;
      errors += telemetry.errors;
      restarts += telemetry.restarts;
      throughput += telemetry.throughput.rate();
      latency.merge(telemetry.latency);
      if (record.state === 'active') active++;
    }
    return {
      kernelCount: this.#kernels.size,
      activeKernels: active,
      messagesReceived: received,
      messagesProcessed: processed,
      messagesSent: sent,
      messagesDropped: dropped,
      messagesRejected: rejected,
      errors,
      restarts,
      throughputPerSecond: throughput,
      latency: latency.snapshot(),
      uptimeMs: performance.now() - this.#createdAt,
    };
  }

  #lookup(kernelId: string): KernelRecord {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) throw this.#notFound(kernelId);
    return record;
  }

  #notFound(kernelId: string): KernelNotFoundError {
    return new KernelNotFoundError(kernelId, this.kernelIds);
  }

  #canSend(record: KernelRecord): boolean {
    return (allowedFrom.send as readonly KernelState[]).includes(record.state);
  }

  #sendRefusal(kernelId: string, record: KernelRecord | undefined): Error {
    if (record === undefined) return this.#notFound(kernelId);
    if (record.state === 'failed') return new KernelFailedError(kernelId, record.failure);
    return new KernelStateError(kernelId, 'send to', record.state, allowedFrom.send);
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

  #transition(kernelId: string, operation: KernelOperation, to: KernelState): Promise<void> {
    let record: KernelRecord;
    try {
      record = this.#lookup(kernelId);
    } catch (error) {
      return Promise.reject(error);
    }
    const allowed = allowedFrom[operation] as readonly KernelState[];
    if (!allowed.includes(record.state)) {
      return Promise.reject(new KernelStateError(kernelId, operation, record.state, allowed));
    }
    record.setState(to);
    return RESOLVED;
  }

  async #terminate(record: KernelRecord, timeout: number): Promise<TerminationReport> {
    const kernelId = record.kernelId;
    const previousState = record.state;
    if (previousState !== 'failed' && previousState !== 'terminated') {
      record.setState('terminating');
      const terminating = new KernelTerminatingError(kernelId);
      record.requestTermination(terminating);
      record.input.refuseTakers(terminating);
      record.input.close(new KernelTerminatedError(kernelId));
    }
    let graceful = previousState !== 'failed';
    if (previousState !== 'failed' && previousState !== 'terminated' && record.execution !== undefined) {
      graceful = await settlesWithin(record.execution.finished, timeout);
      if (!graceful) await record.execution.forceStop?.();
    }
    this.#kernels.delete(kernelId);
    const closed =
      record.state === 'failed'
        ? new KernelFailedError(kernelId, record.failure)
        : new KernelTerminatedError(kernelId);
    for (const request of record.pending.values()) request.reject(closed);
    record.pending.clear();
    record.input.close(closed);
    const report: TerminationReport = {
      kernelId,
      graceful,
      previousState,
      unprocessedInputs: record.input.drain(),
      undeliveredOutputs: record.output.drain(),
      ...(record.failure !== undefined ? { error: record.failure } : {}),
    };
    record.output.close(closed);
    if (record.state !== 'failed') record.setState('terminated');
    this.#events.emit('terminated', report);
    return report;
  }

  /** The kernel's code ended: on its own, by terminate, or by throwing. */
  #onFinished(record: KernelRecord, error: unknown, threw: boolean): void {
    if (!threw) {
      if (record.state === 'terminating') return; // terminate() takes it from here
      // The function returned on its own: the kernel takes no more input; outputs stay receivable.
      record.setState('terminated');
      const ended = new KernelTerminatedError(record.kernelId);
      record.input.refuseTakers(ended);
      record.input.close(ended);
      record.output.close(ended);
      return;
    }
    record.failure = error;
    record.telemetry.recordError(error);
    const failed = new KernelFailedError(record.kernelId, error);
    if (record.state !== 'terminating') {
      record.setState('failed');
      record.requestTermination(failed);
    } else {
      record.setState('failed');
    }
    record.input.refuseTakers(failed);
    record.input.close(failed);
    record.output.close(failed);
    for (const request of record.pending.values()) request.reject(failed);
    record.pending.clear();
    this.#events.emit('kernelError', { kernelId: record.kernelId, error, fatal: true });
  }
}

/** True when `promise` settles (either way) within `timeout` ms. */
function settlesWithin(promise: Promise<unknown>, timeout: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeout);
    const settle = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settle, settle);
  });
}
