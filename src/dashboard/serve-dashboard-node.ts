import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { InspectOptions } from '../runtime/inspect.js';
import {
  checkServeOptions,
  closeServer,
  endpointUrl,
  listen,
  refuseUnlessAllowed,
  type HttpEndpoint,
  type HttpServeOptions,
} from '../telemetry/exporters/http-node.js';
import type { InspectableMetricsSource } from '../telemetry/exporters/opentelemetry.js';
import {
  PROMETHEUS_CONTENT_TYPE,
  formatPrometheus,
  type PrometheusOptions,
} from '../telemetry/exporters/prometheus.js';
import { dashboardPage } from './page.js';
import {
  dashboardSnapshot,
  toDashboardEvent,
  type DashboardClusterSource,
  type DashboardEvent,
} from './snapshot.js';

/** Options of {@link serveDashboard}. */
export interface DashboardOptions extends HttpServeOptions, PrometheusOptions {
  /** How often the page gets a fresh snapshot, in ms. Default 500. */
  readonly interval?: number | undefined;
  /**
   * Which inspection events the event stream shows, and how thinned. Default: every lifecycle,
   * drop, rejection, error and termination event, and at most 20 per-message events a second.
   */
  readonly events?: InspectOptions | undefined;
  /** A cluster link (`ringkernel/cluster`): the page then lists the cluster's members, what they serve, and the link's health. */
  readonly cluster?: DashboardClusterSource | undefined;
  /** The page title. */
  readonly title?: string | undefined;
  /**
   * Most event streams (`/events`, one per open page) served at once; one more is answered with
   * 503. Default {@link DEFAULT_MAX_DASHBOARD_CLIENTS} (32).
   */
  readonly maxClients?: number | undefined;
  /**
   * Most bytes that may wait unsent for one event stream. A client that reads slower than the
   * dashboard writes (or not at all) is disconnected once its backlog passes this, and its buffers
   * are freed; nothing is skipped for the others. A page reconnects by itself after 2 s and starts
   * again from a fresh snapshot. Default {@link DEFAULT_MAX_CLIENT_BUFFER_BYTES} (1 MiB); raise it
   * for runtimes whose snapshots are large (thousands of kernels).
   */
  readonly maxClientBufferBytes?: number | undefined;
  /** Called when a slow client is disconnected (see `maxClientBufferBytes`). Default: nothing. */
  readonly onSlowClient?: ((event: SlowClientEvent) => void) | undefined;
}

/** What {@link DashboardOptions.onSlowClient} is told about a disconnected client. */
export interface SlowClientEvent {
  /** Bytes that were waiting unsent for it. */
  readonly bufferedBytes: number;
  /** The limit in force (`maxClientBufferBytes`). */
  readonly limit: number;
  /** The client's address, as the socket reports it. */
  readonly remoteAddress: string | undefined;
}

/** A running dashboard: an {@link HttpEndpoint} that also tells how many event streams are open. */
export interface DashboardEndpoint extends HttpEndpoint {
  /** Event streams (open pages) served now. */
  readonly clients: number;
}

/** Default of {@link DashboardOptions.maxClients}. */
export const DEFAULT_MAX_DASHBOARD_CLIENTS = 32;
/** Default of {@link DashboardOptions.maxClientBufferBytes}: 1 MiB. */
export const DEFAULT_MAX_CLIENT_BUFFER_BYTES = 1024 * 1024;

/** Most events kept between two snapshots; a burst beyond it is cut to its latest part. */
const MAX_PENDING_EVENTS = 200;

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw new InvalidArgumentError(`${name} must be an integer >= 1; got ${describeValue(value)}`);
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extra,
  });
  response.end(body);
}

/**
 * Serves a live dashboard of `runtime` over HTTP: every kernel with its state, counters, queue
 * depths, throughput and latency percentiles with sparklines, the routes between kernels when the
 * runtime has routing, and the inspection event stream, updated over Server-Sent Events. Also
 * serves `/metrics` (Prometheus) and `/api/snapshot` (JSON).
 *
 * Binds to 127.0.0.1 by default. Any other host needs a `token`; with a token every request must
 * carry it (`?token=` — the printed `url` includes it — or `Authorization: Bearer`). Without a
 * token, requests must name `localhost`, `127.0.0.1`, `[::1]` (any port), the bound host or one of
 * `allowedHosts` in their `Host` header (403 otherwise), so that a web page cannot read the
 * dashboard through DNS rebinding.
 *
 * Event streams are limited: at most `maxClients` at once (503 beyond), and a client whose unsent
 * backlog passes `maxClientBufferBytes` is disconnected rather than buffered without bound.
 *
 * @throws {InsecureBindingError} for a non-loopback host without a token.
 * @example
 * ```ts
 * const dashboard = await serveDashboard(runtime, { port: 7070 });
 * console.log(`dashboard at ${dashboard.url}`);
 * // ...
 * await dashboard.close();
 * ```
 */
export async function serveDashboard(
  runtime: InspectableMetricsSource,
  options: DashboardOptions = {},
): Promise<DashboardEndpoint> {
  const { host, port, access } = checkServeOptions({ port: 7070, ...options }, 'dashboard');
  const maxClients = positiveInteger('maxClients', options.maxClients, DEFAULT_MAX_DASHBOARD_CLIENTS);
  const maxBuffered = positiveInteger(
    'maxClientBufferBytes',
    options.maxClientBufferBytes,
    DEFAULT_MAX_CLIENT_BUFFER_BYTES,
  );
  const onSlowClient = options.onSlowClient;
  const interval = options.interval ?? 500;
  if (!(typeof interval === 'number' && interval >= 20 && Number.isFinite(interval))) {
    throw new InvalidArgumentError(`interval must be a number of ms >= 20; got ${describeValue(interval)}`);
  }
  const eventOptions: InspectOptions = options.events ?? { maxPerSecond: 20 };
  const clients = new Set<ServerResponse>();
  let pending: DashboardEvent[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopInspecting: (() => void) | undefined;

  const snapshotMessage = (): string =>
    `event: snapshot\ndata: ${JSON.stringify(dashboardSnapshot(runtime, Date.now(), options.cluster))}\n\n`;
  const broadcast = (): void => {
    let message: string;
    try {
      message = snapshotMessage();
    } catch (error) {
      message = `event: failure\ndata: ${JSON.stringify(String(error))}\n\n`;
    }
    if (pending.length > 0) {
      message += `event: inspection\ndata: ${JSON.stringify(pending)}\n\n`;
      pending = [];
    }
    for (const client of clients) deliver(client, message);
  };
  /** Clients whose last write() returned false and that have not drained since. */
  const backedUp = new WeakSet<ServerResponse>();
  const disconnect = (client: ServerResponse): void => {
    clients.delete(client);
    // Frees what was buffered for it; its 'close' listener then stops streaming if it was the last.
    client.destroy();
    if (clients.size === 0) stopStreaming();
  };
  const deliver = (client: ServerResponse, message: string): void => {
    if (backedUp.has(client) && client.writableLength > maxBuffered) {
      const event = {
        bufferedBytes: client.writableLength,
        limit: maxBuffered,
        remoteAddress: client.socket?.remoteAddress,
      };
      disconnect(client);
      onSlowClient?.(event);
      return;
    }
    if (!client.write(message) && !backedUp.has(client)) {
      backedUp.add(client);
      client.once('drain', () => backedUp.delete(client));
    }
  };
  // Inspection (and its small cost on the runtime's hot path) runs only while a page is open.
  const startStreaming = (): void => {
    stopInspecting = runtime.inspect((event) => {
      pending.push(toDashboardEvent(event));
      if (pending.length > MAX_PENDING_EVENTS) pending = pending.slice(-MAX_PENDING_EVENTS);
    }, eventOptions);
    timer = setInterval(broadcast, interval);
  };
  const stopStreaming = (): void => {
    stopInspecting?.();
    stopInspecting = undefined;
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    pending = [];
  };

  const openStream = (response: ServerResponse): void => {
    if (clients.size >= maxClients) {
      send(
        response,
        503,
        'text/plain',
        `too many dashboard pages open (the limit is ${maxClients}): close one, or raise maxClients\n`,
        { 'retry-after': '5' },
      );
      return;
    }
    const first = `retry: 2000\n\n${snapshotMessage()}`;
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    clients.add(response);
    // 'close' comes when the client goes away or is disconnected: forget it (and its buffers).
    response.on('close', () => {
      if (clients.delete(response) && clients.size === 0) stopStreaming();
    });
    if (clients.size === 1) startStreaming();
    deliver(response, first);
  };

  const server = createServer((request, response) => {
    if (refuseUnlessAllowed(request, response, access)) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain', 'only GET\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      switch (path) {
        case '/':
        case '/index.html': {
          const nonce = randomBytes(16).toString('base64');
          send(response, 200, 'text/html; charset=utf-8', dashboardPage(nonce, options.title), {
            'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
          });
          return;
        }
        case '/events':
          openStream(response);
          return;
        case '/api/snapshot':
          send(
            response,
            200,
            'application/json',
            JSON.stringify(dashboardSnapshot(runtime, Date.now(), options.cluster)),
          );
          return;
        case '/metrics':
          send(response, 200, PROMETHEUS_CONTENT_TYPE, formatPrometheus(runtime, options));
          return;
        default:
          send(response, 404, 'text/plain', 'not found: the dashboard is at /\n');
      }
    } catch (error) {
      send(response, 500, 'text/plain', `${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  const boundPort = await listen(server, host, port);
  return {
    url: endpointUrl(host, boundPort, '/', options.token),
    port: boundPort,
    get clients() {
      return clients.size;
    },
    close: async () => {
      stopStreaming();
      clients.clear();
      await closeServer(server);
    },
  };
}
