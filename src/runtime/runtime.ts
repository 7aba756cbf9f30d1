import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { checkPriority } from '../queues/backpressure.js';
import { boundedWait, invalidWaitOptions, type WaitOptions } from '../queues/wait-options.js';
// The mailbox's own settled promise: `offer(...) === RESOLVED` must compare against that very object.
import { RESOLVED, type ErrorSource } from '../queues/mailbox.js';
import { LatencyHistogram } from '../telemetry/latency-histogram.js';
import type { KernelTelemetrySnapshot, TelemetrySummary } from '../telemetry/kernel-telemetry.js';
import { TimeoutError } from '../errors.js';
import { definitionOf } from '../messages/wire.js';
import {
  MessageNotAcceptedError,
  NotAMessageError,
  KernelAlreadyExistsError,
  KernelFailedError,
  KernelNotFoundError,
  KernelStateError,
  KernelTerminatedError,
  KernelTerminatingError,
} from './errors.js';
import { RuntimeEvents, type RuntimeEventName, type RuntimeListener } from './events.js';
import { Inspector, type InspectOptions, type InspectionListener } from './inspect.js';
import type { KernelDefinition, KernelExecution } from './kernel-port.js';
import { KernelLife, KernelRecord, type KernelRouter, type RecordServices } from './kernel-record.js';
import { LatencySampler } from './processing-clock.js';
import { PendingReply, type PendingRequest } from './pending-reply.js';
import { PendingTable } from './pending-table.js';
import { DeadLetterQueue } from './dead-letters.js';
import { RecentIds } from './recent-ids.js';
import { RequestExpiry } from './request-expiry.js';
import { pipelineOf, type PipelineBuilder } from './pipeline.js';
import { Route, type RouteDescription, type RouteOptions } from './routes.js';
import {
  RestartIntensity,
  backoffDelay,
  checkGroup,
  wantsRestart,
  type SupervisionOptions,
  type SupervisorGroupOptions,
  type SupervisorStrategy,
} from './supervision.js';
import { TopicBroker, type Subscription, type SubscriptionOptions } from './topics.js';
import { allowedFrom, type KernelOperation, type KernelState } from './kernel-state.js';
import { checkKernelId } from './ring-kernel.js';
import type { TerminateOptions, TerminationReport } from './termination-report.js';

const DEFAULT_LATENCY_SAMPLING = 16;
const RESOLVED_TRUE = Promise.resolve(true);

/** A definition of any message types: `KernelPort` is invariant in them, so `never` would refuse typed ones. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKernelDefinition = KernelDefinition<any, any>;

/** Settings of a {@link RingKernelRuntime}; every field has a default. */
export interface RuntimeOptions {
  /**
   * Time each message's processing (latency histogram, throughput). Default true. Counters are
   * kept either way (an integer increment); `false` removes the clock reads from the hot path.
   */
  readonly telemetry?: boolean | undefined;
  /**
   * Time one processing cycle in this many for the latency histogram (a clock read costs about as
   * much as delivering a message). Default 16; 1 times every cycle. Message counts and throughput
   * stay exact whatever the sampling; only the latency histogram holds samples.
   */
  readonly latencySampling?: number | undefined;
  /** Definitions `launch(id)` may find by their `kernelId` when called without a definition. */
  readonly kernels?: readonly AnyKernelDefinition[] | undefined;
  /** Capacity of the dead-letter queue. Default 10,000 (the oldest entries are discarded past it, counted). */
  readonly deadLetterCapacity?: number | undefined;
  /**
   * How long `request`, `awaitReply` and `ctx.request` wait for a reply when the call passes no
   * `timeout` of its own, in ms. Default 30,000; `Infinity` waits forever. It is enforced by a
   * shared tick, not a timer per request, so it fires between `requestTimeout` and
   * 1.25 × `requestTimeout`; pass `{ timeout }` on the call for an exact limit.
   */
  readonly requestTimeout?: number | undefined;
}

/** The default of {@link RuntimeOptions.requestTimeout}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A supervisor group as `runtime.supervise` returns it. */
export interface SupervisorGroup {
  readonly name: string;
  readonly strategy: SupervisorStrategy;
  readonly kernels: readonly string[];
  /** Removes the group (its kernels keep their own supervision). */
  dispose(): void;
}

interface GroupState {
  readonly options: SupervisorGroupOptions;
  readonly intensity: RestartIntensity;
}

/**
 * Hosts ring kernels: launches them, moves them through their lifecycle, carries messages in and
 * out, pairs requests with replies, routes between kernels, supervises restarts, and keeps their
 * telemetry.
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
  readonly #definitions = new Map<string, AnyKernelDefinition>();
  readonly #events = new RuntimeEvents();
  readonly #inspector = new Inspector(this.#events);
  readonly #timing: boolean;
  readonly #createdAt = performance.now();
  readonly #topics = new TopicBroker();
  readonly #groups = new Map<string, GroupState>();
  readonly #router: KernelRouter;
  readonly #services: RecordServices;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  readonly #progress = new Map<KernelRecord, { processed: number; since: number }>();
  readonly #expiry: RequestExpiry | undefined;
  /** Messages that crashed their kernel, expired, or could not be delivered. */
  readonly deadLetters: DeadLetterQueue;

  constructor(options: RuntimeOptions = {}) {
    this.#timing = options.telemetry ?? true;
    const sampling = options.latencySampling ?? DEFAULT_LATENCY_SAMPLING;
    if (!(Number.isInteger(sampling) && sampling >= 1)) {
      throw new InvalidArgumentError(
        `latencySampling must be an integer >= 1 (time one cycle in N); got ${describeValue(sampling)}`,
      );
    }
    const requestTimeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(typeof requestTimeout === 'number' && requestTimeout > 0)) {
      throw new InvalidArgumentError(
        `requestTimeout must be a number of ms > 0 (Infinity to wait forever); got ${describeValue(requestTimeout)}`,
      );
    }
    this.#expiry =
      requestTimeout === Infinity
        ? undefined
        : new RequestExpiry(requestTimeout, () => this.#kernels.values());
    for (const definition of options.kernels ?? []) {
      if (definition.kernelId === undefined) {
        throw new InvalidArgumentError('every definition in RuntimeOptions.kernels needs a kernelId');
      }
      this.#definitions.set(definition.kernelId, definition);
    }
    this.deadLetters = new DeadLetterQueue(
      (kernelId, message) => this.send(kernelId, message),
      (letter) => this.#events.emit('deadLetter', letter),
      options.deadLetterCapacity,
    );
    const router: KernelRouter = (this.#router = {
      deliver: (to, message, waitOptions, from) => this.#deliver(to, message, waitOptions, from, false),
      post: (to, message) => this.post(to, message),
      request: (to, message, waitOptions) => this.request(to, message, waitOptions),
      publish: (topic, message, publishOptions) => this.publish(topic, message, publishOptions),
      subscribe: (pattern, kernelId) => this.#subscribeKernel(pattern, kernelId),
      deadLetter: (kernelId, message, reason, error) =>
        this.deadLetters.add({
          message,
          kernelId,
          reason,
          at: Date.now(),
          ...(error === undefined ? {} : { error }),
        }),
    });
    this.#services = {
      events: this.#events,
      inspector: this.#inspector,
      router,
      timing: this.#timing,
      latencySampling: sampling,
      sampler: new LatencySampler(sampling),
      lifeEnded: (record, life, error, threw) => this.#onLifeEnded(record, life, error, threw),
      replySettled: this.#expiry === undefined ? undefined : () => this.#expiry?.settled(),
    };
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

  /** Every route between kernels, as declared. */
  get routes(): RouteDescription[] {
    const routes: RouteDescription[] = [];
    for (const record of this.#kernels.values())
      for (const route of record.routes) routes.push(route.describe());
    return routes;
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
  launch<In extends Message, Out extends Message>(
    kernelId: string,
    definition?: KernelDefinition<In, Out>,
  ): Promise<void> {
    let record: KernelRecord;
    try {
      record = this.#register(kernelId, definition as KernelDefinition | undefined);
    } catch (error) {
      return Promise.reject(error);
    }
    const started = this.#startLife(record);
    if (started === undefined) {
      this.#launched(record);
      return RESOLVED;
    }
    return started.then(
      () => this.#launched(record),
      (error: unknown) => {
        this.#kernels.delete(kernelId);
        throw error;
      },
    );
  }

  /** Validates a launch and registers the kernel's record (state `launched`). */
  #register(kernelId: string, definition: KernelDefinition | undefined): KernelRecord {
    checkKernelId(kernelId);
    const found = definition ?? this.#definitions.get(kernelId);
    if (found === undefined) {
      throw new KernelNotFoundError(
        kernelId,
        [...this.#definitions.keys()],
        'pass its definition to launch(id, definition) or list it in new RingKernelRuntime({ kernels })',
      );
    }
    if (this.#kernels.has(kernelId)) throw new KernelAlreadyExistsError(kernelId);
    const options = found.options;
    const record = new KernelRecord({
      kernelId,
      definition: found,
      services: this.#services,
      dedup: options.dedupWindow === undefined ? undefined : new RecentIds(options.dedupWindow),
      launchedAt: performance.now(),
    });
    for (const declared of options.routes ?? []) {
      const { to, ...routeOptions } = typeof declared === 'string' ? { to: declared } : declared;
      record.addRoute(this.#route(kernelId, typeof to === 'string' ? [to] : to, routeOptions));
    }
    this.#kernels.set(kernelId, record);
    if (this.#events.has('stateChange'))
      this.#events.emit('stateChange', { kernelId, from: undefined, to: 'launched' });
    return record;
  }

  #launched(record: KernelRecord): void {
    if (record.options.watchdog !== undefined) this.#watch(record);
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
    const invalid = invalidWaitOptions(options, 'terminate');
    if (invalid !== undefined) return Promise.reject(invalid);
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
    this.#expiry?.stop();
  }

  /**
   * Puts a message in the kernel's input queue. With backpressure `block` a full queue makes this
   * wait (bounded by `timeout` / `signal`); `reject` throws `QueueFullError`; the drop strategies
   * resolve and report the drop through the `dropped` event.
   */
  send(kernelId: string, message: Message, options?: WaitOptions): Promise<void> {
    return this.#deliver(kernelId, message, options, undefined, false);
  }

  /**
   * The synchronous tell: offers `message` to the kernel's input queue and returns at once, with no
   * promise. True when the runtime took it (queued, or dropped by a `dropOldest` / `dropNewest`
   * queue and counted, exactly where `send` would resolve at once); false when the queue is full
   * under `block` (nothing happened and nothing was counted: the message is still yours, retry or
   * `await send`). Throws what `send` rejects with: `QueueFullError` under `reject`, and the same
   * errors for unknown, failed or terminated kernels and bad priorities.
   *
   * @example
   * ```ts
   * for (const reading of readings) {
   *   if (!runtime.post('sensor', reading)) await runtime.send('sensor', reading); // full: wait for room
   * }
   * ```
   */
  post(kernelId: string, message: Message): boolean {
    const record = this.#kernels.get(kernelId);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
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

  /**
   * Sends messages in order, each with the same backpressure rules; resolves with the count sent.
   * Messages go in with `post` while the queue has room (no promise each), and wait with `send`
   * only when it is full under `block`.
   */
  async sendBatch(kernelId: string, messages: Iterable<Message>, options?: WaitOptions): Promise<number> {
    let sent = 0;
    for (const message of messages) {
      if (!this.#postQuietly(kernelId, message, options)) await this.send(kernelId, message, options);
      sent++;
    }
    return sent;
  }

  /** `post`, unless the caller's signal is already aborted (then `send` reports it). */
  #postQuietly(kernelId: string, message: Message, options: WaitOptions | undefined): boolean {
    if (options?.signal?.aborted === true) return false;
    return this.post(kernelId, message);
  }

  /**
   * The kernel's next output message (highest priority first). Outputs that answer a pending
   * `request` never show up here. Once the kernel failed or ended, what it had queued is still
   * handed out; then this rejects with the failure.
   */
  receive<Output extends Message = Message>(kernelId: string, options?: WaitOptions): Promise<Output> {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) return Promise.reject(this.#notFound(kernelId));
    if (options !== undefined) {
      const invalid = invalidWaitOptions(options, 'receive');
      if (invalid !== undefined) return Promise.reject(invalid);
    }
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
    if (definitionOf(message) === undefined)
      return Promise.reject(new NotAMessageError(kernelId, message, describeValue));
    return this.#awaitReply<Reply>(kernelId, message.messageId, options, message);
  }

  /**
   * Resolves with the next output of `kernelId` whose `correlationId` is `correlationId`, taking
   * it out of the output stream (other outputs are left for `receive`). Use it when the request
   * entered elsewhere, e.g. at the head of a pipeline whose last stage answers.
   */
  awaitReply<Reply extends Message = Message>(
    kernelId: string,
    correlationId: string,
    options?: WaitOptions,
  ): Promise<Reply> {
    return this.#awaitReply<Reply>(kernelId, correlationId, options, undefined);
  }

  #awaitReply<Reply extends Message>(
    kernelId: string,
    id: string,
    options: WaitOptions | undefined,
    message: Message | undefined,
  ): Promise<Reply> {
    const record = this.#kernels.get(kernelId);
    if (record === undefined) return Promise.reject(this.#notFound(kernelId));
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
      const sent = this.#deliver(kernelId, message, undefined, undefined, false);
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
        const sent = this.#deliver(record.kernelId, message, options, undefined, false);
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

  /**
   * Routes `from`'s outputs straight into the input of `to` (one id or several, spread by
   * `strategy`), without passing through the caller. The downstream backpressure applies to the
   * upstream kernel's `ctx.send`. Outputs answering a pending `request` still go to the requester.
   * Returns a function that removes the route.
   */
  connect(from: string, to: string | readonly string[], options: RouteOptions = {}): () => void {
    const record = this.#lookup(from);
    const route = this.#route(from, typeof to === 'string' ? [to] : to, options);
    record.addRoute(route);
    return () => record.removeRoutes((candidate) => candidate === route);
  }

  /** Removes the routes from `from` (to `to` only, when given). */
  disconnect(from: string, to?: string): void {
    this.#lookup(from).removeRoutes((route) => to === undefined || route.targets.includes(to));
  }

  /** Starts building a pipeline of kernels in this runtime (see {@link pipelineOf}). */
  pipeline(name: string): PipelineBuilder {
    return pipelineOf(this, name);
  }

  /**
   * Publishes `message` on `topic` to every matching subscription (each with its own
   * backpressure); resolves with the number of subscribers once all accepted it. With
   * `{ retain: true }` the message is also kept for later subscribers of that topic.
   */
  publish(
    topic: string,
    message: Message,
    options: { retain?: boolean } = {},
    wait?: WaitOptions,
  ): Promise<number> {
    if (definitionOf(message) === undefined)
      return Promise.reject(new NotAMessageError(`topic ${topic}`, message, describeValue));
    return this.#topics.publish(topic, message, options, wait);
  }

  /** Forgets the retained message of `topic` (of every topic when omitted). */
  clearRetained(topic?: string): void {
    this.#topics.clearRetained(topic);
  }

  /**
   * Subscribes to a topic pattern (`*` one segment, `#` any number). Given a kernel id, matching
   * messages go to that kernel's input queue (its backpressure); otherwise a {@link Subscription}
   * with its own queue is returned.
   */
  subscribe(pattern: string, kernelId: string): () => void;
  subscribe(pattern: string, options?: SubscriptionOptions): Subscription;
  subscribe(pattern: string, target?: string | SubscriptionOptions): Subscription | (() => void) {
    if (typeof target === 'string') {
      const unsubscribe = this.#subscribeKernel(pattern, target);
      this.#lookup(target).addSubscription(unsubscribe);
      return unsubscribe;
    }
    return this.#topics.subscription(pattern, target);
  }

  /**
   * Puts launched kernels under a supervisor group: when a member crashes (and its restart policy
   * allows a restart), `oneForOne` restarts it, `oneForAll` restarts every member, `restForOne`
   * restarts it and the members after it. Past the group's restart intensity the crashed kernel
   * stays `failed` and an `escalated` event is emitted.
   */
  supervise(options: SupervisorGroupOptions): SupervisorGroup {
    checkGroup(options);
    if (this.#groups.has(options.name)) {
      throw new InvalidArgumentError(`a supervisor group '${options.name}' exists already`);
    }
    const records = options.kernels.map((id) => this.#lookup(id));
    this.#groups.set(options.name, {
      options: { ...options, kernels: [...options.kernels] },
      intensity: new RestartIntensity(options.maxRestarts, options.withinMs),
    });
    for (const record of records) record.joinGroup(options.name);
    return {
      name: options.name,
      strategy: options.strategy,
      kernels: [...options.kernels],
      dispose: () => {
        this.#groups.delete(options.name);
        for (const record of records) record.leaveGroup(options.name);
      },
    };
  }

  /** A snapshot of one kernel's telemetry. */
  getTelemetry(kernelId: string): KernelTelemetrySnapshot {
    const record = this.#lookup(kernelId);
    return record.telemetry.snapshot(kernelId, record.state, {
      inputDepth: record.input.size,
      outputDepth: record.outputDepth,
      inputCapacity: record.input.capacity,
      outputCapacity: record.outputCapacity,
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
      telemetry.mergeLatencyInto(latency);
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
      deadLetters: this.deadLetters.total,
      throughputPerSecond: throughput,
      latency: latency.snapshot(),
      uptimeMs: performance.now() - this.#createdAt,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Delivery

  /**
   * The one path every message into a kernel takes (send, routes, sendTo, topics). When `from`
   * names a kernel and the target cannot take it, the message goes to the dead-letter queue
   * (routes and topics) instead of failing the sender; `sendTo` (`strict`) rejects.
   */
  #deliver(
    to: string,
    message: Message,
    options: WaitOptions | undefined,
    from: string | undefined,
    deadLetterIfUndeliverable: boolean,
  ): Promise<void> {
    const record = this.#kernels.get(to);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
      const refusal = this.#sendRefusal(to, record);
      if (deadLetterIfUndeliverable) {
        this.#router.deadLetter(to, message, 'undeliverable', refusal);
        return RESOLVED;
      }
      return Promise.reject(refusal);
    }
    const typeRefusal = this.#checkType(record, message);
    if (typeRefusal !== undefined) {
      if (deadLetterIfUndeliverable && typeRefusal instanceof MessageNotAcceptedError) {
        this.#router.deadLetter(to, message, 'undeliverable', typeRefusal);
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

  #route(from: string, to: readonly string[], options: RouteOptions): Route {
    return new Route(
      from,
      to,
      options,
      (target, message, waitOptions, source) => this.#deliver(target, message, waitOptions, source, true),
      (target) => this.#kernels.get(target)?.input.size ?? Infinity,
      (target, message) => this.#postAlongRoute(target, message),
    );
  }

  /** A route's `post`: like `post`, but an unreachable target dead-letters the message, as `send` along routes does. */
  #postAlongRoute(to: string, message: Message): boolean {
    const record = this.#kernels.get(to);
    if (record === undefined || (record.state !== 'active' && !this.#canSend(record))) {
      this.#router.deadLetter(to, message, 'undeliverable', this.#sendRefusal(to, record));
      return true;
    }
    return this.post(to, message);
  }

  #subscribeKernel(pattern: string, kernelId: string): () => void {
    return this.#topics.subscribe(pattern, (_topic, message, waitOptions) =>
      this.#deliver(kernelId, message, waitOptions, undefined, true),
    );
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

  // ------------------------------------------------------------------------------------------
  // Lifecycle

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

  /**
   * Starts a new life of the kernel's code on its (kept) queues. Returns `undefined` when the start
   * completed synchronously (no promise on the launch path), else a promise of its completion.
   */
  #startLife(record: KernelRecord): Promise<void> | undefined {
    record.life?.release(); // the previous life's own subscriptions end with it
    const life = new KernelLife(record);
    record.life = life;
    let started: KernelExecution | Promise<KernelExecution>;
    try {
      started = record.definition.start(life);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(started instanceof Promise)) {
      this.#attach(record, life, started);
      return undefined;
    }
    life.starting = started;
    return started.then((execution) => this.#attach(record, life, execution));
  }

  #attach(record: KernelRecord, life: KernelLife, execution: KernelExecution): void {
    life.attach(execution);
    execution.stateChanged?.(record.state);
    if (execution.reportsEnd === true) return;
    execution.finished.then(
      () => this.#onLifeEnded(record, life, undefined, false),
      (error: unknown) => this.#onLifeEnded(record, life, error, true),
    );
  }

  async #terminate(record: KernelRecord, timeout: number): Promise<TerminationReport> {
    const kernelId = record.kernelId;
    // Terminated while still starting (e.g. a worker's handshake): let the start finish, so the
    // execution exists and is stopped like any other instead of running on unseen.
    if (record.life !== undefined && record.life.execution === undefined) {
      await record.life.starting?.catch(() => undefined);
    }
    const previousState = record.state;
    const life = record.life;
    if (previousState !== 'failed' && previousState !== 'terminated') {
      // Errors are made only if someone is refused: an idle kernel terminates without one.
      record.setState('terminating');
      life?.stop();
      record.input.refuseTakers(() => new KernelTerminatingError(kernelId));
      record.input.close(() => new KernelTerminatedError(kernelId));
    }
    let graceful = previousState !== 'failed';
    let interruptedInputs: readonly Message[] = [];
    if (previousState !== 'failed' && previousState !== 'terminated' && life?.execution !== undefined) {
      // Code that already ended (an idle handler kernel stops at once) needs no timer; still yield
      // once, so that a second terminate() in this turn finds the kernel and shares this report.
      graceful =
        life.execution.isFinished === true
          ? await RESOLVED_TRUE
          : await settlesWithin(life.execution.finished, timeout);
      if (!graceful) {
        interruptedInputs = [...(life.execution.inFlight?.() ?? [])];
        await life.execution.forceStop?.();
      }
    }
    if (life !== undefined) life.ended = true;
    this.#kernels.delete(kernelId);
    this.#progress.delete(record);
    for (const unsubscribe of record.subscriptions) unsubscribe();
    life?.release();
    const closed =
      record.state === 'failed'
        ? () => new KernelFailedError(kernelId, record.failure)
        : () => new KernelTerminatedError(kernelId);
    this.#rejectPending(record, closed);
    record.input.close(closed);
    const report: TerminationReport = {
      kernelId,
      graceful,
      previousState,
      unprocessedInputs: [...(life?.execution?.leftoverInputs?.() ?? []), ...record.input.drain()],
      interruptedInputs,
      undeliveredOutputs: record.drainOutput(),
      ...(record.failure !== undefined ? { error: record.failure } : {}),
    };
    record.closeOutput(closed);
    if (record.state !== 'failed') record.setState('terminated');
    this.#events.emit('terminated', report);
    return report;
  }

  /** A life of the kernel's code ended: on its own, by terminate, by a restart, or by throwing. */
  #onLifeEnded(record: KernelRecord, life: KernelLife, error: unknown, threw: boolean): void {
    if (record.life !== life) return; // replaced by a restart already
    if (record.termination !== undefined) {
      if (threw && !life.ended) this.#recordCrash(record, life, error);
      return; // terminate() takes it from here
    }
    // Stopped for a group restart (which starts the next life); a crash while stopping still counts.
    if (life.stopping) return threw ? this.#recordCrash(record, life, error) : undefined;
    if (threw) this.#recordCrash(record, life, error);
    const supervision = record.options.supervision;
    const policy =
      supervision?.restart ??
      (supervision !== undefined || record.groups.length !== 0 ? 'transient' : 'temporary');
    if (wantsRestart(policy, threw)) {
      this.#supervise(record, error);
    } else if (threw) {
      this.#fail(record, error);
    } else {
      this.#ended(record);
    }
  }

  /** Counts a crash and moves what the code was processing to the dead-letter queue. */
  #recordCrash(record: KernelRecord, life: KernelLife, error: unknown): void {
    record.failure = error;
    record.telemetry.recordError(error);
    for (const message of life.execution?.inFlight?.() ?? []) {
      this.#router.deadLetter(record.kernelId, message, 'crash', error);
    }
    this.#events.emit('kernelError', { kernelId: record.kernelId, error, fatal: true });
  }

  #supervise(record: KernelRecord, error: unknown): void {
    const groupName = record.groups[0];
    const group = groupName === undefined ? undefined : this.#groups.get(groupName);
    const now = performance.now();
    if (!record.intensity.allow(now) || (group !== undefined && !group.intensity.allow(now))) {
      this.#fail(record, error);
      this.#events.emit('escalated', { kernelId: record.kernelId, error, group: groupName });
      return;
    }
    record.failure = undefined;
    let affected = [record];
    if (group !== undefined && group.options.strategy !== 'oneForOne') {
      const members = group.options.kernels;
      const from = group.options.strategy === 'oneForAll' ? 0 : members.indexOf(record.kernelId);
      affected = members
        .slice(from)
        .map((id) => this.#kernels.get(id))
        .filter((member): member is KernelRecord => member !== undefined && member.termination === undefined);
    }
    const backoff = group?.options.backoff ?? record.options.supervision?.backoff;
    this.#restart(record, affected, error, backoff, groupName).catch((startError: unknown) =>
      this.#fail(record, startError),
    );
  }

  async #restart(
    crashed: KernelRecord,
    affected: readonly KernelRecord[],
    error: unknown,
    backoff: SupervisionOptions['backoff'],
    group: string | undefined,
  ): Promise<void> {
    // Claim the members: when two members crash in one turn, the later restart may cover a member
    // the earlier one also restarts; only the latest claim starts its next life (one life each).
    const claim = {};
    for (const member of affected) member.restartClaim = claim;
    // Stop the healthy members first (oneForAll / restForOne), each within its terminate timeout.
    await Promise.all(
      affected
        .filter((member) => member !== crashed && member.life !== undefined && !member.life.stopping)
        .map(async (member) => {
          const life = member.life!;
          life.stop();
          const execution = life.execution;
          if (
            execution !== undefined &&
            !(await settlesWithin(execution.finished, member.terminateTimeout))
          ) {
            // Force-stopped: what it held goes to the dead-letter queue, not into thin air.
            const held = [...(execution.inFlight?.() ?? [])];
            await execution.forceStop?.();
            for (const message of held) this.#router.deadLetter(member.kernelId, message, 'interrupted');
          }
          life.ended = true;
        }),
    );
    for (const member of affected) {
      if (member.restartClaim !== claim) continue; // a later restart took it over
      if (member.termination !== undefined || this.#kernels.get(member.kernelId) !== member) continue;
      const attempt = ++member.restartAttempts;
      const delayMs = backoffDelay(backoff, member.intensity.recent || attempt);
      member.telemetry.restarts++;
      this.#events.emit('kernelRestart', { kernelId: member.kernelId, attempt, delayMs, error, group });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (member.restartClaim !== claim) continue;
      if (member.termination !== undefined || member.state === 'failed') continue;
      member.restartClaim = undefined;
      if (member.life !== undefined) member.life.ended = true;
      await this.#startLife(member);
    }
  }

  #fail(record: KernelRecord, error: unknown): void {
    record.failure = error;
    const failed = new KernelFailedError(record.kernelId, error);
    record.setState('failed');
    record.life?.stop(failed);
    record.input.refuseTakers(failed);
    record.input.close(failed);
    record.closeOutput(failed);
    this.#rejectPending(record, failed);
  }

  #rejectPending(record: KernelRecord, error: ErrorSource): void {
    const pending = record.pending;
    record.pending = undefined;
    if (pending === undefined || pending.size === 0) return;
    const reason = typeof error === 'function' ? error() : error;
    for (const request of pending.values()) {
      if (request.born >= 0) this.#expiry?.settled();
      request.reject(reason);
    }
  }

  /** The function returned on its own: the kernel takes no more input; outputs stay receivable. */
  #ended(record: KernelRecord): void {
    record.setState('terminated');
    const ended = () => new KernelTerminatedError(record.kernelId);
    record.input.refuseTakers(ended);
    record.input.close(ended);
    record.closeOutput(ended);
  }

  // ------------------------------------------------------------------------------------------
  // Watchdog

  #watch(record: KernelRecord): void {
    this.#progress.set(record, { processed: record.telemetry.processed, since: performance.now() });
    if (this.#watchdog !== undefined) return;
    let period = Infinity;
    for (const watched of this.#progress.keys())
      period = Math.min(period, watched.options.watchdog!.stallMs / 4);
    this.#watchdog = setInterval(() => this.#checkProgress(), Math.max(5, period));
    (this.#watchdog as { unref?: () => void }).unref?.();
  }

  #checkProgress(): void {
    const now = performance.now();
    for (const [record, progress] of this.#progress) {
      const telemetry = record.telemetry;
      if (
        telemetry.processed !== progress.processed ||
        record.input.size === 0 ||
        record.state !== 'active'
      ) {
        progress.processed = telemetry.processed;
        progress.since = now;
        if (!telemetry.healthy) {
          telemetry.healthy = true;
          this.#events.emit('healthy', { kernelId: record.kernelId });
        }
      } else if (telemetry.healthy && now - progress.since >= record.options.watchdog!.stallMs) {
        telemetry.healthy = false;
        this.#events.emit('unhealthy', {
          kernelId: record.kernelId,
          queued: record.input.size,
          stalledMs: now - progress.since,
        });
      }
    }
    if (this.#progress.size === 0 && this.#watchdog !== undefined) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
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
