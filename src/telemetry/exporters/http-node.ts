import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, describeValue } from '../../errors.js';
import { InsecureBindingError } from './errors.js';

/** A running HTTP endpoint (metrics or dashboard). */
export interface HttpEndpoint {
  /** Where it listens, e.g. `http://127.0.0.1:9464/`; includes `?token=` when a token is set. */
  readonly url: string;
  /** The port it got (useful with `port: 0`). */
  readonly port: number;
  /** Stops listening and ends open connections (event streams included). */
  close(): Promise<void>;
}

/** Options shared by the telemetry servers. */
export interface HttpServeOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port?: number | undefined;
  /** Interface to bind. Default `127.0.0.1`; anything not loopback requires `token`. */
  readonly host?: string | undefined;
  /** Secret every request must carry (`Authorization: Bearer <token>` or `?token=<token>`). */
  readonly token?: string | undefined;
}

const MIN_TOKEN_LENGTH = 16;

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * Validates host, port and token; refuses a non-loopback host without a token.
 * @throws {InsecureBindingError} for a non-loopback host without a token.
 */
export function checkServeOptions(options: HttpServeOptions, what: string): { host: string; port: number } {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (typeof host !== 'string' || host === '') {
    throw new InvalidArgumentError(`host must be a non-empty string; got ${describeValue(host)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer 0..65535; got ${describeValue(port)}`);
  }
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH)) {
    throw new InvalidArgumentError(
      `token must be a string of at least ${MIN_TOKEN_LENGTH} characters; got ${describeValue(token)}`,
    );
  }
  if (token === undefined && !isLoopbackHost(host)) throw new InsecureBindingError(host, what);
  return { host, port };
}

/** Whether the request carries the token (always true when there is none). */
export function isAuthorized(request: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.authorization;
  const fromHeader = header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : undefined;
  const fromQuery = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;
  const offered = fromHeader ?? fromQuery;
  if (offered === undefined) return false;
  const expected = Buffer.from(token);
  const actual = Buffer.from(offered);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Starts `server` on host:port and resolves with the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The URL a browser would open: brackets for IPv6, the token as a query parameter. */
export function endpointUrl(host: string, port: number, path: string, token: string | undefined): string {
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return `http://${shownHost}:${port}${path}${query}`;
}

/** Closes the server and every open connection (long-lived event streams would keep it open). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
