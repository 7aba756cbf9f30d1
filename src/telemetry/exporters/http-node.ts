import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
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
  /**
   * Host names (no port; IPv6 literals with or without brackets) that requests may name in their
   * `Host` header besides `localhost`, `127.0.0.1`, `[::1]` and the bound `host`, e.g. the name a
   * local reverse proxy forwards. Only checked without a token (with a token, the token is the
   * guard). Default: none.
   */
  readonly allowedHosts?: readonly string[] | undefined;
}

/** Host header names a tokenless server answers to, besides those configured. */
const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * A host as it appears in a Host header (lower case, IPv6 literals in brackets), or `undefined`
 * when it is neither a host name nor an IP address.
 */
function hostHeaderForm(host: string): string | undefined {
  const lower = host.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  if (isIPv6(bare)) return `[${bare}]`;
  return /^[a-z0-9.-]+$/.test(lower) ? lower : undefined;
}

/**
 * The host name of a `Host` header value (`name`, `name:port`, `[v6]` or `[v6]:port`, lower case,
 * brackets kept), or `undefined` when the value is malformed: anything after `]` but a port,
 * a port that is not 1–5 digits up to 65535, or characters no host name has.
 */
export function hostOfHeader(header: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header);
  if (match === null) return undefined;
  const port = match[2];
  if (port !== undefined && Number(port) > 65535) return undefined;
  return match[1]!.toLowerCase();
}

/**
 * The host names a tokenless server bound to `boundHost` answers to: the loopback names, the
 * bound host itself and the configured `allowedHosts`.
 * @throws `InvalidArgumentError` for an `allowedHosts` entry that is not a host name.
 */
export function allowedHostNames(
  boundHost: string,
  allowedHosts: readonly string[] | undefined,
): Set<string> {
  if (allowedHosts !== undefined && !Array.isArray(allowedHosts)) {
    throw new InvalidArgumentError(
      `allowedHosts must be an array of host names; got ${describeValue(allowedHosts)}`,
    );
  }
  const names = new Set(LOOPBACK_HOST_NAMES);
  const bound = hostHeaderForm(boundHost);
  if (bound !== undefined) names.add(bound);
  for (const entry of (allowedHosts ?? []) as readonly unknown[]) {
    const name = typeof entry === 'string' ? hostHeaderForm(entry) : undefined;
    if (name === undefined) {
      throw new InvalidArgumentError(
        `allowedHosts entries must be host names or IP addresses without a port (e.g. 'dashboard.internal'); got ${describeValue(entry)}`,
      );
    }
    names.add(name);
  }
  return names;
}

/**
 * Whether a request's `Host` header names one of `allowed` (from {@link allowedHostNames}). A
 * loopback server must check this: otherwise a web page elsewhere can reach it through DNS
 * rebinding (its own name resolving to 127.0.0.1) and read what it serves.
 */
export function isHostAllowed(request: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const header = request.headers.host;
  if (header === undefined) return false;
  const name = hostOfHeader(header);
  return name !== undefined && allowed.has(name);
}

/** How a server decides who may read it: see {@link refuseUnlessAllowed}. */
export interface AccessPolicy {
  readonly token: string | undefined;
  /** From {@link allowedHostNames}; only consulted without a token. */
  readonly hosts: ReadonlySet<string>;
}

/**
 * The access check both telemetry servers run first. Without a token the `Host` header must name
 * an allowed host (else 403); with a token the request must carry it (else 401). Answers the
 * refusal itself and returns true when it did.
 */
export function refuseUnlessAllowed(
  request: IncomingMessage,
  response: ServerResponse,
  policy: AccessPolicy,
): boolean {
  const headers = {
    'content-type': 'text/plain',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (policy.token === undefined && !isHostAllowed(request, policy.hosts)) {
    response
      .writeHead(403, headers)
      .end(
        'this server answers only to loopback host names (localhost, 127.0.0.1, [::1]) and its allowedHosts\n',
      );
    return true;
  }
  if (!isAuthorized(request, policy.token)) {
    response
      .writeHead(401, { ...headers, 'www-authenticate': 'Bearer' })
      .end('token required: open the URL printed by the server\n');
    return true;
  }
  return false;
}

/** Shortest token the HTTP servers accept (a guessable token is no protection). */
export const MIN_TOKEN_LENGTH = 16;

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * Validates host, port and token; refuses a non-loopback host without a token.
 * @throws {InsecureBindingError} for a non-loopback host without a token.
 */
export function checkServeOptions(
  options: HttpServeOptions,
  what: string,
): { host: string; port: number; access: AccessPolicy } {
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
  return { host, port, access: { token, hosts: allowedHostNames(host, options.allowedHosts) } };
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
