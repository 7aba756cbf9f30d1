import { parseArgs } from 'node:util';
import { serveDashboard } from '../dashboard/serve-dashboard-node.js';
import { deviceMemoryOfPool } from '../telemetry/exporters/metrics-source.js';
import type { CliIO } from './cli-io.js';
import { startDemo } from './demo.js';
import { DEFAULT_DASHBOARD_PORT, parseBackend, parsePort } from './demo-command.js';

export const dashboardUsage = `Usage: ringkernel dashboard [--port N] [--host address] [--token secret] [--backend cpu|webgpu|auto]

Starts the demo kernels under a steady load and serves the live dashboard for them until Ctrl-C.
(In your own program, call serveDashboard(runtime, { port }) from 'ringkernel' instead.)

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
  const token = values.token ?? io.env.RINGKERNEL_DASHBOARD_TOKEN;
  const session = await startDemo({ backend });
  try {
    const dashboard = await serveDashboard(session.runtime, {
      port,
      host: values.host,
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
