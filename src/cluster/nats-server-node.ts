import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterLinkError } from './errors.js';

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Port; default a free loopback port. */
  readonly port?: number | undefined;
  /** JetStream storage directory; default a fresh temporary one (removed by `stop`). */
  readonly storeDir?: string | undefined;
  /** The executable; default `nats-server` on the PATH (or /usr/sbin/nats-server). */
  readonly executable?: string | undefined;
}

/** A `nats-server -js` child process. */
export interface NatsServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly storeDir: string;
  /** Kills it (SIGKILL when `hard`), waits for it to exit; removes a temporary store unless `keepStore`. */
  stop(options?: { hard?: boolean; keepStore?: boolean }): Promise<void>;
}

/** The path of `nats-server`, or undefined when it is not installed. */
export function findNatsServer(): string | undefined {
  for (const candidate of ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `nats-server -js` on loopback (tests, benchmarks, the example); resolves once it accepts
 * clients.
 *
 * @example
 * ```ts
 * const server = await startNatsServer();
 * const link = await connectCluster(runtime, { servers: server.url, node: 'a', registry });
 * await server.stop();
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
  const executable = options.executable ?? findNatsServer();
  if (executable === undefined) {
    throw new ClusterLinkError('nats-server is not installed; install it with `apt-get install nats-server`');
  }
  const port = options.port ?? (await freePort());
  const temporary = options.storeDir === undefined;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'ringkernel-nats-'));
  const child: ChildProcess = spawn(
    executable,
    ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        child.stderr!.off('data', onData);
        child.stderr!.resume();
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new ClusterLinkError(`nats-server exited (${code}) on start: ${log.slice(-500)}`)),
    );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    storeDir,
    async stop({ hard = false, keepStore = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
      if (temporary && !keepStore) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
