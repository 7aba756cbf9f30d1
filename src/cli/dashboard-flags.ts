import { MIN_TOKEN_LENGTH, isLoopbackHost } from '../telemetry/exporters/http-node.js';
import { CliUsageError } from './errors.js';

/** Where the dashboard listens and the token it requires, as the command line gave them. */
export interface DashboardAccess {
  readonly host: string | undefined;
  readonly token: string | undefined;
}

/**
 * Checks `--host` and `--token` (or RINGKERNEL_DASHBOARD_TOKEN) before anything starts, so that a
 * bad combination is a usage error (exit 2) whose message names the flags to use, not the options
 * of `serveDashboard` that the server would complain about.
 */
export function dashboardAccess(
  flags: { readonly host?: string | undefined; readonly token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): DashboardAccess {
  const fromEnv = flags.token === undefined ? env.RINGKERNEL_DASHBOARD_TOKEN : undefined;
  const token = flags.token ?? (fromEnv === '' ? undefined : fromEnv);
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    const source = flags.token === undefined ? 'RINGKERNEL_DASHBOARD_TOKEN' : '--token';
    throw new CliUsageError(
      `${source} must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}); ` +
        `a short token is easy to guess`,
      command,
    );
  }
  const host = flags.host;
  if (host === '') throw new CliUsageError('--host needs an address, e.g. --host 127.0.0.1', command);
  if (host !== undefined && token === undefined && !isLoopbackHost(host)) {
    throw new CliUsageError(
      `--host ${host} is reachable from other machines: add --token <secret> (at least ` +
        `${MIN_TOKEN_LENGTH} characters, or set RINGKERNEL_DASHBOARD_TOKEN) so that requests must ` +
        `carry it, or leave out --host to bind 127.0.0.1`,
      command,
    );
  }
  return { host, token };
}
