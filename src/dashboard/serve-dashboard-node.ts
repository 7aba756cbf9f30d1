import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { InspectOptions } from '../runtime/inspect.js';
import {
  checkServeOptions,
  closeServer,
  endpointUrl,
  isAuthorized,
  isLoopbackHost,
  listen,
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
import { dashboardSnapshot, toDashboardEvent, type DashboardEvent } from './snapshot.js';

/** Options of {@link serveDashboard}. */
export interface DashboardOptions extends HttpServeOptions, PrometheusOptions {
  /** How often the page gets a fresh snapshot, in ms. Default 500. */
  readonly interval?: number | undefined;
  /**
   * Which inspection events the event stream shows, and how thinned. Default: every lifecycle,
   * drop, rejection, error and termination event, and at most 20 per-message events a second.
   */
  readonly events?: InspectOptions | undefined;
  /** The page title. */
  readonly title?: string | undefined;
}

/** Most events kept between two snapshots; a burst beyond it is cut to its latest part. */
const MAX_PENDING_EVENTS = 200;

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
 * Whether a loopback server should answer: the Host header must name a loopback address too, so
 * a web page elsewhere cannot reach it through DNS rebinding.
 */
function hostAllowed(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

/**
 * Serves a live dashboard of `runtime` over HTTP: every kernel with its state, counters, queue
 * depths, throughput and latency percentiles with sparklines, the routes between kernels when the
 * runtime has routing, and the inspection event stream, updated over Server-Sent Events. Also
 * serves `/metrics` (Prometheus) and `/api/snapshot` (JSON).
 *
 * Binds to 127.0.0.1 by default. Any other host needs a `token`; with a token every request must
 * carry it (`?token=` — the printed `url` includes it — or `Authorization: Bearer`).
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
): Promise<HttpEndpoint> {
  const { host, port } = checkServeOptions({ port: 7070, ...options }, 'dashboard');
  const interval = options.interval ?? 500;
  if (!(typeof interval === 'number' && interval >= 20 && Number.isFinite(interval))) {
    throw new InvalidArgumentError(`interval must be a number of ms >= 20; got ${describeValue(interval)}`);
  }
  const token = options.token;
  const eventOptions: InspectOptions = options.events ?? { maxPerSecond: 20 };
  const clients = new Set<ServerResponse>();
  let pending: DashboardEvent[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopInspecting: (() => void) | undefined;

  const snapshotMessage = (): string =>
    `event: snapshot\ndata: ${JSON.stringify(dashboardSnapshot(runtime))}\n\n`;
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
    for (const client of clients) client.write(message);
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

  const openStream = (request: IncomingMessage, response: ServerResponse): void => {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    response.write(`retry: 2000\n\n${snapshotMessage()}`);
    clients.add(response);
    if (clients.size === 1) startStreaming();
    request.on('close', () => {
      clients.delete(response);
      if (clients.size === 0) stopStreaming();
    });
  };

  const server = createServer((request, response) => {
    if (token === undefined && !hostAllowed(request)) {
      send(response, 403, 'text/plain', 'this dashboard answers only to loopback host names\n');
      return;
    }
    if (!isAuthorized(request, token)) {
      send(response, 401, 'text/plain', 'token required: open the URL printed by the server\n', {
        'www-authenticate': 'Bearer',
      });
      return;
    }
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
          openStream(request, response);
          return;
        case '/api/snapshot':
          send(response, 200, 'application/json', JSON.stringify(dashboardSnapshot(runtime)));
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
    url: endpointUrl(host, boundPort, '/', token),
    port: boundPort,
    close: async () => {
      stopStreaming();
      clients.clear();
      await closeServer(server);
    },
  };
}
