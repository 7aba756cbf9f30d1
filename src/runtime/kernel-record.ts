import type { Message } from '../messages/types.js';
import {
  Mailbox,
  RESOLVED,
  type DropReason,
  type ErrorSource,
  type MailboxObserver,
} from '../queues/mailbox.js';
import { boundedWait, type WaitOptions } from '../queues/wait-options.js';
import { KernelTelemetry } from '../telemetry/kernel-telemetry.js';
import type { DeadLetterReason } from './dead-letters.js';
import { KernelFailedError, KernelTerminatedError, KernelTerminatingError } from './errors.js';
import type { RuntimeEvents } from './events.js';
import type { Inspector } from './inspect.js';
import type { KernelDefinition, KernelExecution, KernelOptions, KernelPort } from './kernel-port.js';
import type { KernelState } from './kernel-state.js';
import type { PendingRequest } from './pending-reply.js';
import type { PendingTable } from './pending-table.js';
import type { RecentIds } from './recent-ids.js';
import type { Route } from './routes.js';
import { RestartIntensity } from './supervision.js';
import type { LatencySampler } from './processing-clock.js';
import type { TerminationReport } from './termination-report.js';

const priorityOf = (message: Message): number => message.priority;

/** What a kernel's code may ask of the runtime beyond its own queues (kernel-to-kernel, topics). */
export interface KernelRouter {
  deliver(to: string, message: Message, options: WaitOptions | undefined, from: string): Promise<void>;
  /** `runtime.post` on behalf of kernel `from`. */
  post(to: string, message: Message, from: string): boolean;
  request(to: string, message: Message, options: WaitOptions | undefined): Promise<Message>;
  publish(topic: string, message: Message, options: { retain?: boolean } | undefined): Promise<number>;
  subscribe(pattern: string, kernelId: string): () => void;
  deadLetter(kernelId: string, message: Message, reason: DeadLetterReason, error?: unknown): void;
}

/** Defaults applied to {@link KernelOptions}. */
export const defaultQueueSize = 4096;
export const defaultTerminateTimeout = 5000;

/** Reports what one of a kernel's queues did, into its telemetry and the runtime's events (one object per queue, no closures). */
class QueueObserver implements MailboxObserver<Message> {
  readonly #record: KernelRecord;
  readonly #queue: 'input' | 'output';

  constructor(record: KernelRecord, queue: 'input' | 'output') {
    this.#record = record;
    this.#queue = queue;
  }

  dropped(message: Message, reason: DropReason): void {
    const record = this.#record;
    record.telemetry.dropped++;
    record.events.emit('dropped', { kernelId: record.kernelId, queue: this.#queue, message, reason });
  }

  rejected(message: Message, error: Error): void {
    const record = this.#record;
    record.telemetry.rejected++;
    record.events.emit('rejected', { kernelId: record.kernelId, queue: this.#queue, message, error });
  }

  expired(message: Message): void {
    const record = this.#record;
    record.telemetry.expired++;
    record.router.deadLetter(record.kernelId, message, 'expired');
  }

  /** The queue's name for error messages, built only when one needs it. */
  toString(): string {
    return `${this.#queue} queue of '${this.#record.kernelId}'`;
  }
}

/** What every kernel record of one runtime shares (one object per runtime, not five fields per kernel). */
export interface RecordServices {
  readonly events: RuntimeEvents;
  readonly inspector: Inspector | undefined;
  readonly router: KernelRouter;
  readonly timing: boolean;
  readonly latencySampling: number;
  readonly sampler: LatencySampler;
  /** A life's code ended (returned, crashed, or exited); the runtime decides what comes next. */
  lifeEnded(record: KernelRecord, life: KernelLife, error: unknown, threw: boolean): void;
  /** A request under the default timeout was answered (undefined when there is no default timeout). */
  readonly replySettled: (() => void) | undefined;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * Everything the runtime holds for one launched kernel: its queues, state, telemetry, pending
 * requests, routes, supervision bookkeeping, and its current {@link KernelLife}. Queues and
 * counters outlive a restart; lives do not. Whatever most kernels never use (the output queue of
 * a kernel that only answers requests, routes, subscriptions, groups, pending requests, restart
 * bookkeeping) is allocated on first use: thousands of kernels cost little.
 */
export class KernelRecord {
  readonly kernelId: string;
  readonly definition: KernelDefinition;
  readonly input: Mailbox<Message>;
  readonly telemetry: KernelTelemetry;
  readonly services: RecordServices;
  /** Requests waiting for their reply, by the request's messageId; allocated by the first request. */
  pending: PendingTable<PendingRequest> | undefined;
  readonly dedup: RecentIds | undefined;
  /** The definitions of the message types the kernel accepts (`accepts`); undefined: any. */
  readonly accepts: ReadonlySet<object> | undefined;
  /** Routes out of this kernel (replace, don't mutate the shared empty list: use {@link addRoute}). */
  routes: readonly Route[] = NONE;
  /** Unsubscribe functions of the topics this kernel subscribed to. */
  subscriptions: readonly (() => void)[] = NONE;
  /** Names of the supervisor groups this kernel belongs to. */
  groups: readonly string[] = NONE;
  #output: Mailbox<Message> | undefined;
  /** Set once the output queue is closed (also when it was never allocated). */
  #outputClosed: ErrorSource | undefined;
  #intensity: RestartIntensity | undefined;
  #state: KernelState = 'launched';
  #activeWaiters: (() => void)[] | undefined;
  life: KernelLife | undefined;
  /** Set when the kernel failed: what it threw. */
  failure: unknown;
  termination: Promise<TerminationReport> | undefined;
  restartAttempts = 0;
  /** The restart that will start this kernel's next life (see `#restart`): only the latest one does. */
  restartClaim: object | undefined;

  constructor(init: {
    kernelId: string;
    definition: KernelDefinition;
    services: RecordServices;
    dedup: RecentIds | undefined;
    launchedAt: number;
  }) {
    const { kernelId, definition } = init;
    this.kernelId = kernelId;
    this.definition = definition;
    this.services = init.services;
    this.dedup = init.dedup;
    const options = definition.options;
    this.accepts = options.accepts === undefined ? undefined : new Set<object>(options.accepts);
    this.telemetry = new KernelTelemetry(undefined, init.launchedAt);
    const inputObserver = new QueueObserver(this, 'input');
    this.input = new Mailbox<Message>({
      name: inputObserver,
      capacity: options.inputQueueSize ?? options.queueSize ?? defaultQueueSize,
      backpressure: options.backpressure ?? 'block',
      priorityOf,
      observer: inputObserver,
      ttlMs: options.messageTtl,
    });
    this.input.takeable = false;
  }

  get options(): KernelOptions {
    return this.definition.options;
  }

  get events(): RuntimeEvents {
    return this.services.events;
  }

  get router(): KernelRouter {
    return this.services.router;
  }

  /** The output queue, made on first use (a kernel that only answers requests never needs one). */
  get output(): Mailbox<Message> {
    if (this.#output !== undefined) return this.#output;
    const options = this.options;
    const observer = new QueueObserver(this, 'output');
    const output = new Mailbox<Message>({
      name: observer,
      capacity: this.outputCapacity,
      backpressure: options.outputBackpressure ?? 'block',
      priorityOf,
      observer,
    });
    if (this.#outputClosed !== undefined) output.close(this.#outputClosed);
    return (this.#output = output);
  }

  /** Messages in the output queue (0 when it was never made). */
  get outputDepth(): number {
    return this.#output?.size ?? 0;
  }

  get outputCapacity(): number {
    const options = this.options;
    return options.outputQueueSize ?? options.queueSize ?? defaultQueueSize;
  }

  /** Closes the output queue (see `Mailbox.close`), made or not. */
  closeOutput(error: ErrorSource): void {
    this.#outputClosed ??= error;
    this.#output?.close(error);
  }

  /** Removes and returns what the output queue holds. */
  drainOutput(): Message[] {
    return this.#output?.drain() ?? [];
  }

  addRoute(route: Route): void {
    this.routes = [...this.routes, route];
  }

  removeRoutes(remove: (route: Route) => boolean): void {
    this.routes = this.routes.filter((route) => !remove(route));
  }

  addSubscription(unsubscribe: () => void): void {
    this.subscriptions = [...this.subscriptions, unsubscribe];
  }

  joinGroup(name: string): void {
    this.groups = [...this.groups, name];
  }

  leaveGroup(name: string): void {
    this.groups = this.groups.filter((group) => group !== name);
  }

  get state(): KernelState {
    return this.#state;
  }

  /** Restarts within the supervision window; allocated when first needed. */
  get intensity(): RestartIntensity {
    const supervision = this.options.supervision;
    return (this.#intensity ??= new RestartIntensity(supervision?.maxRestarts, supervision?.withinMs));
  }

  get terminateTimeout(): number {
    return this.options.terminateTimeout ?? defaultTerminateTimeout;
  }

  /** Moves to `state`, gating the input queue and waking `waitActive` as the state requires. */
  setState(state: KernelState): void {
    const from = this.#state;
    if (from === state) return;
    this.#state = state;
    this.input.takeable = state === 'active';
    if (state !== 'launched' && state !== 'deactivated') this.wakeActiveWaiters();
    this.life?.execution?.stateChanged?.(state);
    const events = this.services.events;
    if (events.has('stateChange')) events.emit('stateChange', { kernelId: this.kernelId, from, to: state });
  }

  wakeActiveWaiters(): void {
    const waiters = this.#activeWaiters;
    if (waiters === undefined) return;
    this.#activeWaiters = undefined;
    for (const wake of waiters) wake();
  }

  /** Delivers an output: to a waiting request, along the kernel's routes, or into its output queue. */
  emit(message: Message, options?: WaitOptions): Promise<void> {
    const refusal = this.#refuseOutput();
    if (refusal !== undefined) return Promise.reject(refusal);
    if (this.#answersRequest(message)) return RESOLVED;
    if (this.routes.length !== 0) return this.#route(message, options);
    return this.output.offer(message, options);
  }

  /** {@link emit} without waiting: false when a full `block` queue refused it (see `ctx.post`). */
  post(message: Message): boolean {
    const refusal = this.#refuseOutput();
    if (refusal !== undefined) throw refusal;
    if (this.#answersRequest(message)) return true;
    const routes = this.routes;
    if (routes.length === 0) return this.output.post(message);
    let delivered = true;
    let routed = false;
    for (const route of routes) {
      if (route.filter !== undefined && !route.filter(message)) continue;
      routed = true;
      if (!route.forwardNow(message, this.kernelId)) delivered = false;
    }
    return routed ? delivered : this.output.post(message);
  }

  #refuseOutput(): Error | undefined {
    const state = this.#state;
    if (state !== 'terminated' && state !== 'failed') return undefined;
    return state === 'failed'
      ? new KernelFailedError(this.kernelId, this.failure)
      : new KernelTerminatedError(this.kernelId);
  }

  /** Counts an output and hands it to the request waiting for it, if there is one. */
  #answersRequest(message: Message): boolean {
    this.telemetry.sent++;
    const pending = this.pending;
    const inspector = this.services.inspector;
    if (pending !== undefined && pending.size !== 0) {
      const correlationId = message.correlationId;
      if (correlationId !== undefined) {
        const request = pending.take(correlationId);
        if (request !== undefined) {
          if (inspector?.watchingMessages === true) inspector.sent(this.kernelId, message, true);
          if (request.born >= 0) this.services.replySettled?.();
          request.resolve(message);
          return true;
        }
      }
    }
    if (inspector?.watchingMessages === true) inspector.sent(this.kernelId, message, false);
    return false;
  }

  /**
   * Forwards along every route whose filter passes (all, when none has a filter); a message no route
   * takes goes to the output queue. Settles at once (no allocation) when every target had room.
   */
  #route(message: Message, options: WaitOptions | undefined): Promise<void> {
    const routes = this.routes;
    if (routes.length === 1 && routes[0]!.filter === undefined)
      return routes[0]!.forward(message, options, this.kernelId);
    let waits: Promise<void>[] | undefined;
    let routed = false;
    for (const route of routes) {
      if (route.filter !== undefined && !route.filter(message)) continue;
      routed = true;
      const forwarded = route.forward(message, options, this.kernelId);
      if (forwarded !== RESOLVED) (waits ??= []).push(forwarded);
    }
    if (!routed) return this.output.offer(message, options);
    if (waits === undefined) return RESOLVED;
    return waits.length === 1 ? waits[0]! : Promise.all(waits).then(() => undefined);
  }

  waitActive(options?: WaitOptions): Promise<void> {
    const state = this.#state;
    if (state !== 'launched' && state !== 'deactivated') return RESOLVED;
    return boundedWait<void>(options, 'waitActive', this.kernelId, (resolve) => {
      const wake = () => resolve();
      (this.#activeWaiters ??= []).push(wake);
      return () => {
        const index = this.#activeWaiters?.indexOf(wake) ?? -1;
        if (index >= 0) this.#activeWaiters!.splice(index, 1);
      };
    });
  }

  reportError(error: unknown): void {
    this.telemetry.recordError(error);
    this.services.events.emit('kernelError', { kernelId: this.kernelId, error, fatal: false });
  }
}

/**
 * One run of a kernel's code (a restart makes a new life on the same record): the
 * {@link KernelPort} that code talks to. Stopping a life (for a restart) makes it see
 * `terminating` and wakes its waits without touching the queues the next life will use.
 */
export class KernelLife implements KernelPort {
  readonly #record: KernelRecord;
  /** Created when the code first asks for its signal (an AbortController is the biggest part of an idle kernel). */
  #abort: AbortController | undefined;
  #stopReason: Error | undefined;
  #endedEarly: { error: unknown; threw: boolean } | undefined;
  #subscriptions: (() => void)[] | undefined;
  /** Asked to stop (restart or terminate). */
  stopping = false;
  /** Replaced or force-stopped: whatever it still sends is refused. */
  ended = false;
  execution: KernelExecution | undefined;
  /** Settles when `definition.start` has (a worker's ready handshake, for example). */
  starting: Promise<unknown> | undefined;

  constructor(record: KernelRecord) {
    this.#record = record;
  }

  get kernelId(): string {
    return this.#record.kernelId;
  }

  get state(): KernelState {
    const state = this.#record.state;
    return this.stopping && state !== 'failed' && state !== 'terminated' ? 'terminating' : state;
  }

  get input(): Mailbox<Message> {
    return this.#record.input;
  }

  #abortReason(): Error {
    return (this.#stopReason ??= new KernelTerminatingError(this.kernelId));
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.stopping) this.#abort.abort(this.#abortReason());
    }
    return this.#abort.signal;
  }

  get telemetry(): KernelTelemetry {
    return this.#record.telemetry;
  }

  get timing(): boolean {
    return this.#record.services.timing;
  }

  get latencySampling(): number {
    return this.#record.services.latencySampling;
  }

  get sampler(): LatencySampler {
    return this.#record.services.sampler;
  }

  get inspector(): Inspector | undefined {
    return this.#record.services.inspector;
  }

  /** The execution's code ended (an execution with `reportsEnd` calls this instead of settling `finished`). */
  codeEnded(error: unknown, threw: boolean): void {
    if (this.execution === undefined) {
      // Ended before `start` returned it (a crash on the first drain after an async init).
      this.#endedEarly = { error, threw };
      return;
    }
    this.#record.services.lifeEnded(this.#record, this, error, threw);
  }

  /** Records the execution `start` produced; reports an end that came first. */
  attach(execution: KernelExecution): void {
    this.execution = execution;
    const early = this.#endedEarly;
    if (early !== undefined) {
      this.#endedEarly = undefined;
      this.#record.services.lifeEnded(this.#record, this, early.error, early.threw);
    }
  }

  emit(message: Message, options?: WaitOptions): Promise<void> {
    if (this.ended) return Promise.reject(new KernelTerminatedError(this.kernelId));
    return this.#record.emit(message, options);
  }

  post(message: Message): boolean {
    if (this.ended) throw new KernelTerminatedError(this.kernelId);
    return this.#record.post(message);
  }

  waitActive(options?: WaitOptions): Promise<void> {
    return this.stopping ? RESOLVED : this.#record.waitActive(options);
  }

  reportError(error: unknown): void {
    this.#record.reportError(error);
  }

  sendTo(kernelId: string, message: Message, options?: WaitOptions): Promise<void> {
    if (this.ended) return Promise.reject(new KernelTerminatedError(this.kernelId));
    return this.#record.router.deliver(kernelId, message, options, this.kernelId);
  }

  deadLetter(message: Message, reason: DeadLetterReason, error?: unknown): void {
    this.#record.router.deadLetter(this.kernelId, message, reason, error);
  }

  postTo(kernelId: string, message: Message): boolean {
    if (this.ended) throw new KernelTerminatedError(this.kernelId);
    return this.#record.router.post(kernelId, message, this.kernelId);
  }

  request(kernelId: string, message: Message, options?: WaitOptions): Promise<Message> {
    if (this.ended) return Promise.reject(new KernelTerminatedError(this.kernelId));
    return this.#record.router.request(kernelId, message, options);
  }

  publish(topic: string, message: Message, options?: { retain?: boolean }): Promise<number> {
    if (this.ended) return Promise.reject(new KernelTerminatedError(this.kernelId));
    return this.#record.router.publish(topic, message, options);
  }

  /**
   * Subscribes for this life only: a restart runs the code again, which subscribes again, so the
   * subscriptions of a life end with it (see {@link release}).
   */
  subscribe(pattern: string): () => void {
    const unsubscribe = this.#record.router.subscribe(pattern, this.kernelId);
    (this.#subscriptions ??= []).push(unsubscribe);
    return unsubscribe;
  }

  /** Ends what belongs to this life only (its topic subscriptions); called when it is replaced or terminated. */
  release(): void {
    const subscriptions = this.#subscriptions;
    this.#subscriptions = undefined;
    if (subscriptions !== undefined) for (const unsubscribe of subscriptions) unsubscribe();
  }

  /** Tells this life's code to finish: `shouldTerminate`, its signal, and its pending waits. */
  stop(reason?: Error): void {
    if (this.stopping) return;
    this.stopping = true;
    this.#stopReason = reason;
    this.#abort?.abort(this.#abortReason());
    this.#record.input.interruptTakers(() => new KernelTerminatingError(this.kernelId));
    this.#record.wakeActiveWaiters();
    this.execution?.stop?.();
  }
}
