import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { InvalidArgumentError, TimeoutError } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { RemoteKernels } from '../runtime/remote-kernels.js';
import { KernelNotFoundError } from '../runtime/errors.js';
import type { RingKernelRuntime } from '../runtime/runtime.js';
import { ClusterSubjects, checkName, parseAddress, type RemoteAddress } from './address.js';
import { DirectServer } from './direct-server.js';
import { DurablePublisher } from './durable-publisher.js';
import { DurableServer, ensureDurable, type DurableServerStats } from './durable-server.js';
import {
  ClusterLinkError,
  NodeUnavailableError,
  RemoteKernelError,
  RemoteKernelNotFoundError,
} from './errors.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { ERROR_CODE, ERROR_MESSAGE, messageHeaders } from './headers.js';
import { Membership, type ClusterMember, type MembershipEvent } from './membership.js';
import { DirectOutbox } from './outbox.js';
import { RequestFailed, RequestMux } from './request-mux.js';
import { resolveServeOptions, type DeliveryMode, type ServeOptions } from './serve-options.js';

/** Events of a {@link ClusterLink}. */
export interface ClusterEventMap {
  join: MembershipEvent;
  leave: MembershipEvent;
  /** A member changed what it serves. */
  update: MembershipEvent;
  /** Connection status: `disconnect`, `reconnect`, ... (from the NATS client). */
  status: { readonly type: string; readonly server?: string | undefined };
  /** Something the link could not hand to anyone (an undecodable message, a failed publish). */
  error: unknown;
}

/** The link's health as `status()` reports it. */
export interface ClusterStatus {
  readonly node: string;
  readonly cluster: string;
  readonly connected: boolean;
  readonly server: string | undefined;
  readonly reconnects: number;
  readonly members: number;
  readonly served: Readonly<Record<string, DeliveryMode>>;
  /** Kernel messages told directly / stored in durable streams by this node. */
  readonly directSent: number;
  readonly durableStored: number;
  readonly durableDuplicates: number;
  /** Direct messages received for served kernels. */
  readonly directReceived: number;
  /** `error` events so far (kept even when nobody listens). */
  readonly errors: number;
  /** Direct NATS messages for served kernels that could not be decoded (see the `error` event). */
  readonly directUndecodable: number;
  readonly durable: readonly DurableServerStats[];
}

/** A summary of one durable kernel's stream. */
export interface StreamSummary {
  readonly stream: string;
  readonly kernelId: string;
  readonly messages: number;
  readonly bytes: number;
  /** Stream messages delivered to a node and not yet acked. */
  readonly ackPending: number;
  readonly redelivered: number;
}

type Listener<Name extends keyof ClusterEventMap> = (event: ClusterEventMap[Name]) => void;

/** @internal what {@link connectCluster} resolved. */
export interface LinkSettings {
  readonly node: string;
  readonly cluster: string;
  readonly registry: MessageRegistry;
  readonly heartbeatMs: number;
  readonly memberTtlMs: number;
  readonly requestTimeout: number;
  readonly host: string;
  readonly pid: number;
  readonly observer: boolean;
}

/** A runtime's membership in a cluster; made by `connectCluster`. */
export class ClusterLink implements RemoteKernels, AsyncDisposable {
  readonly node: string;
  readonly cluster: string;
  readonly registry: MessageRegistry;
  readonly subjects: ClusterSubjects;
  readonly #runtime: RingKernelRuntime;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  #jsm: JetStreamManager | undefined;
  readonly #settings: LinkSettings;
  readonly #membership: Membership;
  readonly #outbox: DirectOutbox;
  readonly #publisher: DurablePublisher;
  readonly #requests: RequestMux;
  readonly #targets = new Map<string, Target>();
  readonly #served = new Map<string, { mode: DeliveryMode; server: DirectServer | DurableServer }>();
  readonly #listeners = new Map<keyof ClusterEventMap, Set<(event: never) => void>>();
  #detach: (() => void) | undefined;
  #stopWatchingKernels: (() => void) | undefined;
  #reconnects = 0;
  #errors = 0;
  #closed: Promise<void> | undefined;

  /** @internal use `connectCluster` */
  constructor(runtime: RingKernelRuntime, nc: NatsConnection, settings: LinkSettings) {
    this.#runtime = runtime;
    this.#nc = nc;
    this.#settings = settings;
    this.node = settings.node;
    this.cluster = settings.cluster;
    this.registry = settings.registry;
    this.subjects = new ClusterSubjects(settings.cluster);
    this.#js = jetstream(nc);
    this.#outbox = new DirectOutbox(nc);
    this.#publisher = new DurablePublisher(this.#js, settings.node, (message, address, error) =>
      this.#runtime.deadLetters.add({
        message,
        kernelId: address,
        reason: 'undeliverable',
        error,
        at: Date.now(),
      }),
    );
    this.#requests = new RequestMux(nc);
    this.#membership = new Membership(
      { node: settings.node, host: settings.host, pid: settings.pid, joinedAt: Date.now() },
      settings.memberTtlMs,
      settings.heartbeatMs,
      (kind, event) => {
        this.#targets.clear();
        this.#emit(kind, event);
      },
      (error) => this.#emit('error', error),
      settings.observer,
    );
  }

  /** @internal */
  async start(): Promise<void> {
    this.#jsm = await jetstreamManager(this.#nc).catch((error: unknown) => {
      throw new ClusterLinkError(
        'JetStream is not enabled on the NATS server; start it with `nats-server -js`',
        {
          cause: error,
        },
      );
    });
    await this.#membership.start(this.#nc, this.subjects.membersBucket);
    this.#watchStatus().catch((error: unknown) => this.#emit('error', error));
    this.#detach = this.#runtime.attachRemote(this);
    // A served kernel that is terminated is no longer served: the others stop routing to it, and
    // a durable one's work goes back to the stream for the nodes that still serve it.
    this.#stopWatchingKernels = this.#runtime.on('terminated', (report) => {
      const served = this.#served.get(report.kernelId);
      if (served === undefined) return;
      if (served.server instanceof DurableServer) served.server.kernelGone();
      this.unserve(report.kernelId).catch((error: unknown) => this.#emit('error', error));
    });
  }

  /**
   * Exports the local kernel `kernelId`: other runtimes reach it as `kernelId@<this node>` or
   * `kernelId@*` (any node serving it; several nodes form a queue group / share one durable consumer).
   */
  async serve(kernelId: string, options: ServeOptions = {}): Promise<void> {
    checkName(kernelId, 'kernel');
    this.#checkOpen();
    if (this.#settings.observer) throw new InvalidArgumentError('an observer link serves nothing');
    if (this.#served.has(kernelId)) throw new InvalidArgumentError(`'${kernelId}' is served already`);
    if (!this.#runtime.kernelIds.includes(kernelId)) {
      throw new KernelNotFoundError(kernelId, this.#runtime.kernelIds, 'launch it before serving it');
    }
    const resolved = resolveServeOptions(options);
    const onError = (error: unknown) => this.#emit('error', error);
    if (resolved.mode === 'direct') {
      const server = new DirectServer(kernelId, this.#runtime, this.registry, onError);
      server.start(this.#nc, this.subjects, this.node);
      this.#served.set(kernelId, { mode: 'direct', server });
    } else {
      await ensureDurable(this.#jsm!, this.subjects, kernelId, resolved);
      const server = new DurableServer(kernelId, this.#runtime, this.registry, resolved, onError);
      await server.start(this.#js, this.subjects);
      this.#served.set(kernelId, { mode: 'durable', server });
    }
    await this.#nc.flush();
    this.#targets.clear();
    await this.#membership.setKernels(this.#servedModes());
  }

  /** Stops exporting `kernelId` (durable: what this node holds is finished and acked first, within a grace period). */
  async unserve(kernelId: string): Promise<void> {
    const served = this.#served.get(kernelId);
    if (served === undefined) return;
    this.#served.delete(kernelId);
    this.#targets.clear();
    await this.#membership.setKernels(this.#servedModes());
    await served.server.stop();
  }

  /** The runtimes of the cluster now (this one included), by node name. */
  members(): ClusterMember[] {
    return [...this.#membership.members.values()];
  }

  /** Subscribes to `join`, `leave`, `update`, `status` or `error`; returns a function that unsubscribes. */
  on<Name extends keyof ClusterEventMap>(name: Name, listener: Listener<Name>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The link's health and counts. */
  status(): ClusterStatus {
    const durable: DurableServerStats[] = [];
    let directReceived = 0;
    let directUndecodable = 0;
    for (const { server } of this.#served.values()) {
      if (server instanceof DurableServer) durable.push(server.stats);
      else {
        directReceived += server.received;
        directUndecodable += server.undecodable;
      }
    }
    return {
      node: this.node,
      cluster: this.cluster,
      connected: !this.#nc.isClosed(),
      server: this.#nc.getServer(),
      reconnects: this.#reconnects,
      members: this.#membership.members.size,
      served: this.#servedModes(),
      directSent: this.#outbox.published,
      durableStored: this.#publisher.stored,
      durableDuplicates: this.#publisher.duplicates,
      directReceived,
      directUndecodable,
      errors: this.#errors,
      durable,
    };
  }

  /** The durable streams of this cluster, with their depth. */
  async streams(): Promise<StreamSummary[]> {
    const jsm = this.#jsm!;
    const prefix = `RK_${this.cluster}_`;
    const summaries: StreamSummary[] = [];
    for await (const info of jsm.streams.list()) {
      const name = info.config.name;
      if (!name.startsWith(prefix)) continue;
      const kernelId = name.slice(prefix.length);
      const consumer = await jsm.consumers
        .info(name, this.subjects.consumer(kernelId))
        .catch(() => undefined);
      summaries.push({
        stream: name,
        kernelId,
        messages: info.state.messages,
        bytes: info.state.bytes,
        ackPending: consumer?.num_ack_pending ?? 0,
        redelivered: consumer?.num_redelivered ?? 0,
      });
    }
    return summaries;
  }

  /** Resolves once every durable send so far is stored and every direct tell is written to the server. */
  async flush(): Promise<void> {
    this.#outbox.flush();
    await this.#publisher.idle();
    await this.#nc.flush();
  }

  // -------------------------------------------------------------------------------------------
  // RemoteKernels: what the runtime calls for 'kernel@node'

  send(address: string, message: Message, options?: WaitOptions): Promise<void> {
    let target: Target;
    try {
      target = this.#resolve(address);
    } catch (error) {
      return Promise.reject(error);
    }
    if (target.local) return this.#runtime.send(target.address.kernel, message, options);
    let encoded: Uint8Array;
    try {
      encoded = this.registry.encode(message);
    } catch (error) {
      return Promise.reject(error);
    }
    if (target.mode === 'durable') return this.#publisher.send(target.subject, encoded);
    this.#outbox.add(target.subject, encoded);
    return Promise.resolve();
  }

  post(address: string, message: Message): boolean {
    const target = this.#resolve(address);
    if (target.local) return this.#runtime.post(target.address.kernel, message);
    const encoded = this.registry.encode(message);
    if (target.mode === 'durable') {
      if (this.#publisher.full) return false;
      this.#publisher.post(target.subject, encoded, message, address);
      return true;
    }
    this.#outbox.add(target.subject, encoded);
    return true;
  }

  async request(address: string, message: Message, options?: WaitOptions): Promise<Message> {
    const target = this.#resolve(address);
    if (target.local) return this.#runtime.request(target.address.kernel, message, options);
    if (target.mode === 'durable') {
      throw new InvalidArgumentError(
        `'${address}' is served in durable mode, which carries tells only; request it in direct mode (serve(id, { mode: 'direct' }))`,
      );
    }
    const timeout = options?.timeout ?? this.#settings.requestTimeout;
    const encoded = this.registry.encode(message);
    this.#outbox.flush(); // tells sent before this request arrive before it
    let reply;
    try {
      const requested = this.#requests.request(
        target.subject,
        encodeFrame([encoded], encoded.length),
        messageHeaders(message, timeout),
        timeout,
      );
      reply = await (options?.signal === undefined ? requested : abortable(requested, options.signal));
    } catch (error) {
      throw this.#requestError(error, target, timeout);
    }
    const code = reply.headers?.get(ERROR_CODE);
    if (code !== undefined && code !== '') {
      const text = reply.headers?.get(ERROR_MESSAGE) ?? '';
      if (code === 'KERNEL_NOT_FOUND') throw new RemoteKernelNotFoundError(address, text);
      if (code === 'TIMEOUT') throw new TimeoutError('request', timeout, address);
      throw new RemoteKernelError(address, code, text);
    }
    return this.registry.decode(decodeFrame(reply.data)[0]!);
  }

  /** Leaves the cluster: stops serving (durable work in hand is finished and acked), says goodbye, closes the connection. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#detach?.();
      this.#stopWatchingKernels?.();
      await Promise.all([...this.#served.keys()].map((id) => this.unserve(id)));
      await this.flush().catch(() => undefined);
      this.#requests.close();
      await this.#membership.stop();
      await this.#nc.drain().catch(() => undefined);
    })();
    return this.#closed;
  }

  /** Closes the link: `await using link = await connectCluster(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // -------------------------------------------------------------------------------------------

  /** Where an address goes, cached until the membership or what this node serves changes. */
  #resolve(address: string): Target {
    this.#checkOpen();
    let target = this.#targets.get(address);
    if (target === undefined) {
      target = this.#resolveNow(address);
      if (this.#targets.size >= MAX_CACHED_TARGETS) this.#targets.clear();
      this.#targets.set(address, target);
    }
    return target;
  }

  #resolveNow(address: string): Target {
    const parsed = parseAddress(address);
    const members = this.#membership.members;
    if (parsed.node === '*') {
      if (this.#served.has(parsed.kernel) && members.size === 1) {
        return { local: true, address: parsed, mode: 'direct', subject: '' };
      }
      for (const member of members.values()) {
        const mode = member.kernels[parsed.kernel];
        if (mode !== undefined) return this.#remoteTarget(parsed, mode, this.subjects.anyNode(parsed.kernel));
      }
      throw new RemoteKernelNotFoundError(address, 'no node of the cluster serves it');
    }
    const member = members.get(parsed.node);
    if (member === undefined) {
      throw new NodeUnavailableError(parsed.node, `members: ${[...members.keys()].join(', ') || 'none'}`);
    }
    const mode = member.kernels[parsed.kernel];
    if (mode === undefined) {
      throw new RemoteKernelNotFoundError(
        address,
        `node '${parsed.node}' serves ${
          Object.keys(member.kernels)
            .map((id) => `'${id}'`)
            .join(', ') || 'nothing'
        }`,
      );
    }
    if (parsed.node === this.node) return { local: true, address: parsed, mode, subject: '' };
    return this.#remoteTarget(parsed, mode, this.subjects.onNode(parsed.kernel, parsed.node));
  }

  /** Durable kernels have one stream subject, whichever node the address names. */
  #remoteTarget(address: RemoteAddress, mode: DeliveryMode, directSubject: string): Target {
    const subject = mode === 'durable' ? this.subjects.durable(address.kernel) : directSubject;
    return { local: false, address, mode, subject };
  }

  #requestError(error: unknown, target: Target, timeout: number): Error {
    const address = `${target.address.kernel}@${target.address.node}`;
    if (error instanceof RequestFailed && error.failure === 'timeout') {
      return new TimeoutError('request', timeout, address);
    }
    if (error instanceof RequestFailed && error.failure === 'no-responders') {
      return target.address.node === '*'
        ? new RemoteKernelNotFoundError(address, 'no node answers for it')
        : new NodeUnavailableError(
            target.address.node,
            'no responder: the node is gone or stopped serving it',
          );
    }
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new ClusterLinkError(`request to '${address}' failed: ${(error as Error).message}`, {
      cause: error,
    });
  }

  #servedModes(): Record<string, DeliveryMode> {
    const modes: Record<string, DeliveryMode> = {};
    for (const [id, { mode }] of this.#served) modes[id] = mode;
    return modes;
  }

  #checkOpen(): void {
    if (this.#closed !== undefined)
      throw new ClusterLinkError(`the cluster link of '${this.node}' is closed`);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'reconnect') this.#reconnects++;
      const server = (status as { server?: string }).server;
      this.#emit('status', { type: status.type, server });
    }
  }

  #emit<Name extends keyof ClusterEventMap>(name: Name, event: ClusterEventMap[Name]): void {
    if (name === 'error') this.#errors++;
    for (const listener of this.#listeners.get(name) ?? []) (listener as Listener<Name>)(event);
  }
}

/** Addresses whose resolution is kept (past that the cache starts over). */
const MAX_CACHED_TARGETS = 10_000;

interface Target {
  readonly local: boolean;
  readonly address: RemoteAddress;
  readonly mode: DeliveryMode;
  readonly subject: string;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
