import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { DeliveryMode } from './serve-options.js';

/** One runtime of the cluster, as its heartbeat describes it. */
export interface ClusterMember {
  readonly node: string;
  /** The kernels it serves, by id, with their delivery mode. */
  readonly kernels: Readonly<Record<string, DeliveryMode>>;
  readonly host: string;
  readonly pid: number;
  /** `Date.now()` on that node when it joined. */
  readonly joinedAt: number;
  /** `Date.now()` here when its last heartbeat arrived. */
  readonly lastSeen: number;
  /** The server's time stamp of its last heartbeat (epoch ms). */
  readonly heartbeatAt: number;
}

/** What a membership change reports. */
export interface MembershipEvent {
  readonly member: ClusterMember;
  /** For `leave`: `left` (it said goodbye) or `expired` (no heartbeat within the TTL: it died). */
  readonly reason?: 'left' | 'expired';
}

interface Entry {
  readonly node: string;
  readonly kernels: Record<string, DeliveryMode>;
  readonly host: string;
  readonly pid: number;
  readonly joinedAt: number;
}

/**
 * The cluster's member list in a JetStream KV bucket: each node puts its entry (what it serves)
 * every `heartbeatMs`; the bucket's TTL removes the entries of nodes that stopped, and every
 * watcher drops a member whose heartbeat is older than `ttlMs` (KV expiry sends no event) and
 * reports `leave`. A node that closes its link deletes its entry: `leave` at once.
 */
export class Membership {
  readonly #members = new Map<string, ClusterMember>();
  readonly #self: Entry;
  readonly #ttlMs: number;
  readonly #heartbeatMs: number;
  readonly #onChange: (kind: 'join' | 'leave' | 'update', event: MembershipEvent) => void;
  #kv: KV | undefined;
  #watcher: QueuedIterator<KvWatchEntry> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Watches without an entry of its own (the CLI): it is not a member. */
  readonly #observer: boolean;
  readonly #onError: (error: unknown) => void;

  constructor(
    self: Omit<Entry, 'kernels'>,
    ttlMs: number,
    heartbeatMs: number,
    onChange: (kind: 'join' | 'leave' | 'update', event: MembershipEvent) => void,
    onError: (error: unknown) => void,
    observer = false,
  ) {
    this.#onError = onError;
    this.#observer = observer;
    this.#self = { ...self, kernels: {} };
    this.#ttlMs = ttlMs;
    this.#heartbeatMs = heartbeatMs;
    this.#onChange = onChange;
  }

  /** Opens (or creates) the bucket, loads the current members, puts this node's entry, starts beating. */
  async start(nc: NatsConnection, bucket: string): Promise<void> {
    const kvm = new Kvm(nc);
    const kv = (this.#kv = await kvm.create(bucket, { history: 1, ttl: this.#ttlMs }));
    const watcher = (this.#watcher = await kv.watch({ key: '>' }));
    let initialised!: () => void;
    const ready = new Promise<void>((resolve) => (initialised = resolve));
    void (async () => {
      for await (const entry of watcher) {
        this.#apply(entry);
        // Our own first put comes after every entry that existed when the watch began; an
        // observer waits for the last entry of the initial replay instead.
        if (this.#observer ? entry.delta === 0 : entry.key === this.#self.node) initialised();
      }
    })().catch((error: unknown) => this.#onError(error));
    if (this.#observer && (await kv.status()).values === 0) initialised();
    await this.beat();
    await ready;
    this.#heartbeat = setInterval(() => void this.beat().catch(() => undefined), this.#heartbeatMs);
    this.#heartbeat.unref();
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(50, this.#heartbeatMs / 2));
    this.#sweeper.unref();
  }

  /** The members seen alive (this node included), by node name. */
  get members(): ReadonlyMap<string, ClusterMember> {
    return this.#members;
  }

  /** Changes what this node says it serves, and tells the others at once. */
  async setKernels(kernels: Record<string, DeliveryMode>): Promise<void> {
    (this.#self as { kernels: Record<string, DeliveryMode> }).kernels = { ...kernels };
    await this.beat();
  }

  /** Puts this node's entry (a heartbeat). */
  async beat(): Promise<void> {
    if (this.#closed || this.#kv === undefined || this.#observer) return;
    await this.#kv.put(this.#self.node, JSON.stringify(this.#self));
  }

  /** Stops beating and removes this node's entry: the others see it leave at once. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearInterval(this.#sweeper);
    if (!this.#observer) await this.#kv?.delete(this.#self.node).catch(() => undefined);
    this.#watcher?.stop();
  }

  #apply(entry: KvWatchEntry): void {
    const node = entry.key;
    const known = this.#members.get(node);
    if (entry.operation !== 'PUT') {
      if (known !== undefined) {
        this.#members.delete(node);
        this.#onChange('leave', { member: known, reason: 'left' });
      }
      return;
    }
    let value: Entry;
    try {
      value = entry.json<Entry>();
    } catch {
      return; // not ours
    }
    // History replay: an entry older than the TTL belongs to a node that died while no one watched.
    const age = Date.now() - entry.created.getTime();
    if (age > this.#ttlMs) return;
    const member: ClusterMember = {
      node,
      kernels: value.kernels,
      host: value.host,
      pid: value.pid,
      joinedAt: value.joinedAt,
      lastSeen: Date.now(),
      heartbeatAt: entry.created.getTime(),
    };
    this.#members.set(node, member);
    if (known === undefined) this.#onChange('join', { member });
    else if (JSON.stringify(known.kernels) !== JSON.stringify(member.kernels))
      this.#onChange('update', { member });
  }

  #sweep(): void {
    const now = Date.now();
    for (const [node, member] of this.#members) {
      if (node === this.#self.node) continue;
      if (now - member.lastSeen > this.#ttlMs) {
        this.#members.delete(node);
        this.#onChange('leave', { member, reason: 'expired' });
      }
    }
  }
}
