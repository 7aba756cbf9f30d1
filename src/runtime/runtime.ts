import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { invalidWaitOptions, type WaitOptions } from '../queues/wait-options.js';
// The mailbox's own settled promise: `offer(...) === RESOLVED` must compare against that very object.
import { RESOLVED } from '../queues/mailbox.js';
import { LatencyHistogram } from '../telemetry/latency-histogram.js';
import type { KernelTelemetrySnapshot, TelemetrySummary } from '../telemetry/kernel-telemetry.js';
import { definitionOf } from '../messages/wire.js';
import {
  KernelAlreadyExistsError,
  KernelNotFoundError,
  NotAMessageError,
  RequestDeadLetteredError,
} from './errors.js';
import { RuntimeEvents, type RuntimeEventName, type RuntimeListener } from './events.js';
import { Inspector, type InspectOptions, type InspectionListener } from './inspect.js';
import type { KernelDefinition } from './kernel-port.js';
import { KernelRecord, type KernelRouter, type RecordServices } from './kernel-record.js';
import { LatencySampler } from './processing-clock.js';
import { DeadLetterQueue, type DeadLetterReason } from './dead-letters.js';
import { RecentIds } from './recent-ids.js';
import { RequestExpiry } from './request-expiry.js';
import { Delivery } from './delivery.js';
import { Lifecycle, type GroupState } from './lifecycle.js';
import { Watchdog } from './watchdog.js';
import { pipelineOf, type PipelineBuilder } from './pipeline.js';
import { type RouteDescription, type RouteOptions } from './routes.js';
import {
  RestartIntensity,
  checkGroup,
  type SupervisorGroupOptions,
  type SupervisorStrategy,
} from './supervision.js';
import { TopicBroker, type Subscription, type SubscriptionOptions } from './topics.js';
import type { KernelState } from './kernel-state.js';
import { checkKernelId } from './ring-kernel.js';
import type { TerminateOptions, TerminationReport } from './termination-report.js';
import type { RemoteKernels } from './remote-kernels.js';

const DEFAULT_LATENCY_SAMPLING = 16;

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
  readonly #services: RecordServices;
  readonly #watchdog = new Watchdog(this.#events);
  readonly #expiry: RequestExpiry | undefined;
  readonly #delivery: Delivery;
  readonly #lifecycle: Lifecycle;
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
    const delivery = (this.#delivery = new Delivery(
      this.#kernels,
      this.#events,
      this.#inspector,
      this.#expiry,
    ));
    this.deadLetters = new DeadLetterQueue(
      (kernelId, message) => this.send(kernelId, message),
      (letter) => this.#events.emit('deadLetter', letter),
      options.deadLetterCapacity,
    );
    const router: KernelRouter = {
      deliver: (to, message, waitOptions, from) => delivery.deliver(to, message, waitOptions, from, false),
      post: (to, message) => this.post(to, message),
      request: (to, message, waitOptions) => this.request(to, message, waitOptions),
      publish: (topic, message, publishOptions) => this.publish(topic, message, publishOptions),
      subscribe: (pattern, kernelId) => this.#subscribeKernel(pattern, kernelId),
      deadLetter: (kernelId, message, reason, error) => {
        this.deadLetters.add({
          message,
          kernelId,
          reason,
          at: Date.now(),
          ...(error === undefined ? {} : { error }),
        });
        this.#failRequestOf(kernelId, message, reason, error);
      },
    };
    delivery.router = router;
    this.#lifecycle = new Lifecycle({
      kernels: this.#kernels,
      groups: this.#groups,
      events: this.#events,
      router,
      watchdog: this.#watchdog,
      expiry: this.#expiry,
      lookup: (kernelId) => delivery.lookup(kernelId),
    });
    this.#services = {
      events: this.#events,
      inspector: this.#inspector,
      router,
      timing: this.#timing,
      latencySampling: sampling,
      sampler: new LatencySampler(sampling),
      lifeEnded: (record, life, error, threw) => this.#lifecycle.onLifeEnded(record, life, error, threw),
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

  /** Removes a listener added with `on` (calling the function `on` returned does the same). */
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
   * Lets ids of the form `name@node` that match no local kernel reach other runtimes through
   * `remote` (a cluster link, `ringkernel/cluster`): `send`, `post`, `request`, `ctx.sendTo`, routes
   * and topic subscriptions. Returns a function that detaches it. One remote at a time.
   */
  attachRemote(remote: RemoteKernels): () => void {
    const delivery = this.#delivery;
    if (delivery.remote !== undefined && delivery.remote !== remote) {
      throw new InvalidArgumentError('a remote is attached already; detach it first');
    }
    delivery.remote = remote;
    return () => {
      if (delivery.remote === remote) delivery.remote = undefined;
    };
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
    const started = this.#lifecycle.startLife(record);
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
      record.addRoute(this.#delivery.route(kernelId, typeof to === 'string' ? [to] : to, routeOptions));
    }
    this.#kernels.set(kernelId, record);
    if (this.#events.has('stateChange'))
      this.#events.emit('stateChange', { kernelId, from: undefined, to: 'launched' });
    return record;
  }

  #launched(record: KernelRecord): void {
    if (record.options.watchdog !== undefined) this.#watchdog.watch(record);
  }

  /** Phase two: lets a launched kernel receive messages. */
  activate(kernelId: string): Promise<void> {
    return this.#lifecycle.transition(kernelId, 'activate', 'active');
  }

  /** Pauses a kernel: its `receive` hands out nothing; messages sent meanwhile queue up. */
  deactivate(kernelId: string): Promise<void> {
    return this.#lifecycle.transition(kernelId, 'deactivate', 'deactivated');
  }

  /** Resumes a deactivated kernel; what queued meanwhile is served in priority order. */
  reactivate(kernelId: string): Promise<void> {
    return this.#lifecycle.transition(kernelId, 'reactivate', 'active');
  }

  /** The kernel's lifecycle state. */
  getState(kernelId: string): KernelState {
    return this.#delivery.lookup(kernelId).state;
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
      record = this.#delivery.lookup(kernelId);
    } catch (error) {
      return Promise.reject(error);
    }
    const invalid = invalidWaitOptions(options, 'terminate');
    if (invalid !== undefined) return Promise.reject(invalid);
    record.termination ??= this.#lifecycle.terminate(record, options.timeout ?? record.terminateTimeout);
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
    return this.#delivery.deliver(kernelId, message, options, undefined, false);
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
    return this.#delivery.post(kernelId, message);
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
    if (record === undefined) return Promise.reject(this.#delivery.notFound(kernelId));
    if (options !== undefined) {
      const invalid = invalidWaitOptions(options, 'receive');
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    return record.output.take(options) as Promise<Output>;
  }

  /** Takes every output message queued now without waiting. */
  receiveAvailable(kernelId: string, max = Infinity): Message[] {
    const output = this.#delivery.lookup(kernelId).output;
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
    return this.#delivery.awaitReply<Reply>(kernelId, message.messageId, options, message);
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
    return this.#delivery.awaitReply<Reply>(kernelId, correlationId, options, undefined);
  }

  /**
   * Routes `from`'s outputs straight into the input of `to` (one id or several, spread by
   * `strategy`), without passing through the caller. The downstream backpressure applies to the
   * upstream kernel's `ctx.send`. Outputs answering a pending `request` still go to the requester.
   * Returns a function that removes the route.
   */
  connect(from: string, to: string | readonly string[], options: RouteOptions = {}): () => void {
    const record = this.#delivery.lookup(from);
    const route = this.#delivery.route(from, typeof to === 'string' ? [to] : to, options);
    record.addRoute(route);
    return () => record.removeRoutes((candidate) => candidate === route);
  }

  /** Removes the routes from `from` (to `to` only, when given). */
  disconnect(from: string, to?: string): void {
    this.#delivery.lookup(from).removeRoutes((route) => to === undefined || route.targets.includes(to));
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
      // A remote kernel's subscription lives here, on this runtime's topics: no record to tie it to.
      if (!this.#kernels.has(target) && this.#delivery.remoteFor(target) !== undefined) {
        return this.#subscribeKernel(pattern, target);
      }
      const unsubscribe = this.#subscribeKernel(pattern, target);
      this.#delivery.lookup(target).addSubscription(unsubscribe);
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
    const records = options.kernels.map((id) => this.#delivery.lookup(id));
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
    const record = this.#delivery.lookup(kernelId);
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

  /**
   * A message that a `request` waits on and that never reached the kernel (undeliverable, expired)
   * will never be answered: the request fails now with `RequestDeadLetteredError` instead of waiting
   * for its timeout. A crash is left to the kernel's fate: a failed kernel rejects its requests with
   * `KernelFailedError` (and the cause); a restarted one may still answer.
   */
  #failRequestOf(kernelId: string, message: Message, reason: DeadLetterReason, error: unknown): void {
    if (reason === 'crash' || reason === 'interrupted') return;
    const pending = this.#kernels.get(kernelId)?.pending;
    if (pending === undefined || pending.size === 0) return;
    const request = pending.take(message.messageId);
    if (request === undefined) return;
    if (request.born >= 0) this.#expiry?.settled();
    request.reject(new RequestDeadLetteredError(kernelId, reason, error));
  }

  #subscribeKernel(pattern: string, kernelId: string): () => void {
    return this.#topics.subscribe(pattern, (_topic, message, waitOptions) =>
      this.#delivery.deliver(kernelId, message, waitOptions, undefined, true),
    );
  }
}
