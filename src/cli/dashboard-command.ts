import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RingKernelRuntime } from '../runtime/runtime.js';
import { serveDashboard } from '../dashboard/serve-dashboard-node.js';
import { deviceMemoryOfPool } from '../telemetry/exporters/metrics-source.js';
import type { CliIO } from './cli-io.js';
import { startDemo } from './demo.js';
import { dashboardAccess } from './dashboard-flags.js';
import { CliUsageError } from './errors.js';
import { DEFAULT_DASHBOARD_PORT, parseBackend, parsePort } from './demo-command.js';

export const dashboardUsage = `Usage: ringkernel dashboard [--program module] [--port N] [--host address] [--token secret] [--backend cpu|webgpu|auto]

Serves the live dashboard until Ctrl-C, for the demo kernels under a steady load or, with
--program, for your own program: a module whose default export is
  async (runtime, signal) => { ... }   // launch your kernels on runtime; stop when signal aborts
(Inside your own process you can also call serveDashboard(runtime, { port }) from 'ringkernel/node'.)

  --program <module>  run this module's default export against a runtime the dashboard shows
  --port <N>          port to listen on (default ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one)
  --host <address>    interface to bind (default 127.0.0.1); any other needs a token
  --token <secret>    require this token on every request (or set RINGKERNEL_DASHBOARD_TOKEN);
                      at least 16 characters; the printed URL carries it
  --backend <name>    compute backend of the demo pipeline: cpu (default), webgpu or auto
  --help              this text`;

/** `ringkernel dashboard`: serves the live view of a runtime running the demo. */
export async function dashboardCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      backend: { type: 'string' },
      program: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${dashboardUsage}\n`);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_DASHBOARD_PORT : parsePort(values.port, 'dashboard');
  const backend = parseBackend(values.backend, 'dashboard');
  const { host, token } = dashboardAccess(values, io.env, 'dashboard');
  if (values.program !== undefined) return serveProgram(values.program, { port, host, token }, io);
  const session = await startDemo({ backend });
  try {
    const dashboard = await serveDashboard(session.runtime, {
      port,
      host,
      token,
      deviceMemory: [deviceMemoryOfPool(session.compute.pool)],
    });
    try {
      const stopLoad = session.startLoad();
      io.stdout.write(`dashboard: ${dashboard.url}\n`);
      io.stderr.write(`serving the demo runtime (compute on ${session.backend}); Ctrl-C to stop\n`);
      await io.untilStopped();
      await stopLoad();
    } finally {
      await dashboard.close();
    }
  } finally {
    await session.close();
  }
  return 0;
}

/** A user program for `ringkernel dashboard --program`: launches kernels on `runtime`, stops on `signal`. */
export type DashboardProgram = (runtime: RingKernelRuntime, signal: AbortSignal) => unknown;

/** `ringkernel dashboard --program <module>`: the user's kernels, on a runtime the dashboard shows. */
async function serveProgram(
  path: string,
  options: { port: number; host: string | undefined; token: string | undefined },
  io: CliIO,
): Promise<number> {
  if (!existsSync(path)) throw new CliUsageError(`--program ${path}: no such file`, 'dashboard');
  const module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new CliUsageError(
      `--program ${path} must default-export a function (runtime, signal) => { ... }`,
      'dashboard',
    );
  }
  const program = module.default as DashboardProgram;
  await using runtime = new RingKernelRuntime();
  const dashboard = await serveDashboard(runtime, options);
  const stop = new AbortController();
  try {
    io.stdout.write(`dashboard: ${dashboard.url}\n`);
    io.stderr.write(`serving the runtime of ${path}; Ctrl-C to stop\n`);
    // Served until Ctrl-C even when the program's function returns (its kernels keep running);
    // a program that throws ends the command with its error.
    const running = Promise.resolve(program(runtime, stop.signal));
    const failed = running.then(() => new Promise<never>(() => undefined));
    await Promise.race([io.untilStopped(), failed]);
    stop.abort();
    await running;
  } finally {
    await dashboard.close();
  }
  return 0;
}
