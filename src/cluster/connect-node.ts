import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import {
  connect,
  credsAuthenticator,
  type ConnectionOptions,
  type NatsConnection,
} from '@nats-io/transport-node';
import { InvalidArgumentError } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { RingKernelRuntime } from '../runtime/runtime.js';
import { checkName } from './address.js';
import { ClusterLink } from './cluster-link.js';
import { ClusterLinkError } from './errors.js';

/** Options of {@link connectCluster}. */
export interface ClusterOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** This runtime's name in the cluster (unique). */
  readonly node: string;
  /** The cluster's name: it prefixes every subject, stream and bucket (one per tenant). Default `default`. */
  readonly cluster?: string | undefined;
  /** The message types that cross the link: the same registry (same types) on every node. */
  readonly registry: MessageRegistry;
  /** A NATS credentials file (`.creds`, JWT + nkey seed); read here, passed to the client, never logged. */
  readonly credentials?: string | Uint8Array | undefined;
  /**
   * Any other option of the NATS client (`tls`, `user`/`pass`, `token`, `authenticator`,
   * reconnect settings...), passed through unchanged and never logged.
   */
  readonly connection?: Partial<ConnectionOptions> | undefined;
  /** Heartbeat period of the membership entry, ms. Default 1000. */
  readonly heartbeatMs?: number | undefined;
  /** A member without a heartbeat for this long has left (it died), ms. Default 3 × heartbeatMs. */
  readonly memberTtlMs?: number | undefined;
  /**
   * Watch the cluster without joining it: no membership entry, nothing served (`ringkernel
   * cluster` uses it). Default false.
   */
  readonly observer?: boolean | undefined;
  /** Timeout of a remote `request` given none, ms. Default 30,000. */
  readonly requestTimeout?: number | undefined;
}

/**
 * Joins `runtime` to a cluster of runtimes over NATS (JetStream for durable kernels and
 * membership). After it, `runtime.send('echo@node-a', msg)`, `request`, `ctx.sendTo`, routes and
 * topic subscriptions reach kernels that other runtimes serve.
 *
 * @example
 * ```ts
 * const link = await connectCluster(runtime, { servers: 'nats://127.0.0.1:4222', node: 'node-a', registry });
 * await link.serve('echo');                          // others reach it as 'echo@node-a' or 'echo@*'
 * const reply = await runtime.request('echo@node-b', Ping.create({ n: 1 }), { timeout: 1000 });
 * ```
 */
export async function connectCluster(
  runtime: RingKernelRuntime,
  options: ClusterOptions,
): Promise<ClusterLink> {
  const node = checkName(options.node, 'node');
  const cluster = checkName(options.cluster ?? 'default', 'cluster');
  const heartbeatMs = options.heartbeatMs ?? 1000;
  if (!(heartbeatMs >= 10)) throw new InvalidArgumentError('heartbeatMs must be >= 10');
  const connectionOptions: ConnectionOptions = {
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    name: `ringkernel:${cluster}:${node}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...options.connection,
  };
  if (options.credentials !== undefined) {
    const creds =
      typeof options.credentials === 'string'
        ? new Uint8Array(await readFile(options.credentials))
        : options.credentials;
    connectionOptions.authenticator = credsAuthenticator(creds);
  }
  let nc: NatsConnection;
  try {
    nc = await connect(connectionOptions);
  } catch (error) {
    // The options may hold secrets: name the servers only.
    throw new ClusterLinkError(
      `cannot connect to NATS at ${String(connectionOptions.servers)}: ${(error as Error).message}; is nats-server running (with -js)?`,
      { cause: error },
    );
  }
  const link = new ClusterLink(runtime, nc, {
    node,
    cluster,
    registry: options.registry,
    heartbeatMs,
    memberTtlMs: options.memberTtlMs ?? 3 * heartbeatMs,
    requestTimeout: options.requestTimeout ?? 30_000,
    observer: options.observer ?? false,
    host: hostname(),
    pid: process.pid,
  });
  try {
    await link.start();
  } catch (error) {
    await nc.close();
    throw error;
  }
  return link;
}
