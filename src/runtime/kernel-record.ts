import type { Message } from '../messages/types.js';
import { Mailbox, RESOLVED, type DropReason, type MailboxObserver } from '../queues/mailbox.js';
import { boundedWait, type WaitOptions } from '../queues/wait-options.js';
import { KernelTelemetry } from '../telemetry/kernel-telemetry.js';
import type { DeadLetterReason } from './dead-letters.js';
import { KernelFailedError, KernelTerminatedError, KernelTerminatingError } from './errors.js';
import type { RuntimeEvents } from './events.js';
import type { Inspector } from './inspect.js';
import type { KernelDefinition, KernelExecution, KernelOptions, KernelPort } from './kernel-port.js';
import type { KernelState } from './kernel-state.js';
import type { PendingRequest } from './pending-reply.js';
import type { RecentIds } from './recent-ids.js';
import type { Route } from './routes.js';
import { RestartIntensity } from './supervision.js';
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
}

/**
 * Everything the runtime holds for one launched kernel: its queues, state, telemetry, pending
 * requests, routes, supervision bookkeeping, and its current {@link KernelLife}. Queues and
 * counters outlive a restart; lives do not.
 */
export class KernelRecord {
  readonly kernelId: string;
  readonly definition: KernelDefinition;
  readonly options: KernelOptions;
  readonly input: Mailbox<Message>;
  readonly output: Mailbox<Message>;
  readonly telemetry: KernelTelemetry;
  readonly timing: boolean;
  readonly latencySampling: number;
  readonly inspector: Inspector | undefined;
  readonly router: KernelRouter;
  /** Requests waiting for their reply, by the request's messageId; allocated by the first request. */
  pending: Map<string, PendingRequest> | undefined;
  readonly routes: Route[] = [];
  readonly dedup: RecentIds | undefined;
  #intensity: RestartIntensity | undefined;
  readonly events: RuntimeEvents;
  /** Unsubscribe functions of the topics this kernel subscribed to. */
  readonly subscriptions: (() => void)[] = [];
  /** Names of the supervisor groups this kernel belongs to. */
  readonly groups: string[] = [];
  #state: KernelState = 'launched';
  #activeWaiters: (() => void)[] | undefined;
  life: KernelLife | undefined;
  /** Set when the kernel failed: what it threw. */
  failure: unknown;
  termination: Promise<TerminationReport> | undefined;
  restartAttempts = 0;

  constructor(init: {
    kernelId: string;
    definition: KernelDefinition;
    events: RuntimeEvents;
    timing: boolean;
    latencySampling: number;
    inspector: Inspector | undefined;
    router: KernelRouter;
    dedup: RecentIds | undefined;
    launchedAt: number;
  }) {
    const { kernelId, definition, events, router } = init;
    this.kernelId = kernelId;
    this.definition = definition;
    this.options = definition.options;
    this.events = events;
    this.timing = init.timing;
    this.latencySampling = init.latencySampling;
    this.inspector = init.inspector;
    this.router = router;
    this.dedup = init.dedup;
    const options = this.options;
    this.telemetry = new KernelTelemetry(undefined, init.launchedAt);
    const queueSize = options.queueSize ?? defaultQueueSize;
    this.input = new Mailbox<Message>({
      name: `input queue of '${kernelId}'`,
      capacity: options.inputQueueSize ?? queueSize,
      backpressure: options.backpressure ?? 'block',
      priorityOf,
      observer: new QueueObserver(this, 'input'),
      ttlMs: options.messageTtl,
    });
    this.output = new Mailbox<Message>({
      name: `output queue of '${kernelId}'`,
      capacity: options.outputQueueSize ?? queueSize,
      backpressure: options.outputBackpressure ?? 'block',
      priorityOf,
      observer: new QueueObserver(this, 'output'),
    });
    this.input.takeable = false;
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
    this.events.emit('stateChange', { kernelId: this.kernelId, from, to: state });
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
    const inspector = this.inspector;
    if (pending !== undefined && pending.size !== 0) {
      const correlationId = message.correlationId;
      if (correlationId !== undefined) {
        const request = pending.get(correlationId);
        if (request !== undefined) {
          pending.delete(correlationId);
          if (inspector?.watchingMessages === true) inspector.sent(this.kernelId, message, true);
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
    this.events.emit('kernelError', { kernelId: this.kernelId, error, fatal: false });
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

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.stopping) this.#abort.abort(this.#stopReason);
    }
    return this.#abort.signal;
  }

  get telemetry(): KernelTelemetry {
    return this.#record.telemetry;
  }

  get timing(): boolean {
    return this.#record.timing;
  }

  get latencySampling(): number {
    return this.#record.latencySampling;
  }

  get inspector(): Inspector | undefined {
    return this.#record.inspector;
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

  subscribe(pattern: string): () => void {
    const unsubscribe = this.#record.router.subscribe(pattern, this.kernelId);
    this.#record.subscriptions.push(unsubscribe);
    return unsubscribe;
  }

  /** Tells this life's code to finish: `shouldTerminate`, its signal, and its pending waits. */
  stop(reason: Error = new KernelTerminatingError(this.kernelId)): void {
    if (this.stopping) return;
    this.stopping = true;
    this.#stopReason = reason;
    this.#abort?.abort(reason);
    this.#record.input.interruptTakers(new KernelTerminatingError(this.kernelId));
    this.#record.wakeActiveWaiters();
    this.execution?.stop?.();
  }
}
