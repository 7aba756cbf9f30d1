import { createServer } from 'node:http';
import type { MetricsSource } from './metrics-source.js';
import { PROMETHEUS_CONTENT_TYPE, formatPrometheus, type PrometheusOptions } from './prometheus.js';
import {
  checkServeOptions,
  closeServer,
  endpointUrl,
  listen,
  refuseUnlessAllowed,
  type HttpEndpoint,
  type HttpServeOptions,
} from './http-node.js';

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions extends HttpServeOptions, PrometheusOptions {
  /** Path of the exposition. Default `/metrics`. */
  readonly path?: string | undefined;
}

/**
 * Serves the Prometheus exposition of `runtime` over HTTP (`GET /metrics`). Binds to 127.0.0.1
 * unless told otherwise; another host needs a `token`, which Prometheus sends with
 * `authorization: { credentials: <token> }` in its scrape config. Without a token, requests must
 * name `localhost`, `127.0.0.1`, `[::1]` (any port), the bound host or one of `allowedHosts` in
 * their `Host` header (403 otherwise), so that a web page cannot read it through DNS rebinding.
 *
 * @throws {InsecureBindingError} for a non-loopback host without a token.
 * @example
 * ```ts
 * const metrics = await serveMetrics(runtime, { port: 9464 });
 * console.log(`scrape ${metrics.url}`);
 * await metrics.close();
 * ```
 */
export async function serveMetrics(
  source: MetricsSource,
  options: ServeMetricsOptions = {},
): Promise<HttpEndpoint> {
  const { host, port, access } = checkServeOptions({ port: 9464, ...options }, 'metrics');
  const path = options.path ?? '/metrics';
  const token = options.token;
  const server = createServer((request, response) => {
    if (refuseUnlessAllowed(request, response, access)) return;
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; metrics are at ${path}\n`);
      return;
    }
    try {
      const body = formatPrometheus(source, options);
      response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
    }
  });
  const boundPort = await listen(server, host, port);
  return {
    url: endpointUrl(host, boundPort, path, token),
    port: boundPort,
    close: () => closeServer(server),
  };
}
