import { parseArgs } from 'node:util';
import { createProgressBar } from '../bench/progress-bar-node.js';
import { serveDashboard } from '../dashboard/serve-dashboard-node.js';
import { deviceMemoryOfPool } from '../telemetry/exporters/metrics-source.js';
import type { HttpEndpoint } from '../telemetry/exporters/http-node.js';
import type { CliIO } from './cli-io.js';
import { runFlagshipDemo, type FlagshipDemoResult } from '../gpu-kernels/flagship-demo.js';
import { runDemo, type DemoReport, type DemoSession } from './demo.js';
import { dashboardAccess } from './dashboard-flags.js';
import { CliUsageError } from './errors.js';
import { formatCount, formatNanoseconds, formatTable } from './table.js';

export const DEFAULT_DASHBOARD_PORT = 7070;

export const demoUsage = `Usage: ringkernel demo [--backend cpu|webgpu|auto] [--runtime-only] [--readings N] [--json]
                      [--dashboard [port]] [--host address] [--token secret]

Runs the main job: the flagship GPU ring kernels (a streaming anomaly detector over 2 million
points and PageRank over 1 million nodes / 5 million edges, state resident on the device) on the
best available backend, then a short demo of the runtime: the guide's calculator and counter
kernels, and a pipeline ingest -> calibrate -> aggregate whose middle stage runs a compute kernel
per batch. Prints results, throughput and a summary table of every kernel's telemetry.

  --backend <name>     cpu, webgpu or auto (default: auto for the flagship kernels; cpu for the
                       pipeline's compute stage). auto means a hardware GPU when there is one,
                       else the CPU; a software GPU (llvmpipe, SwiftShader) runs only when named
  --runtime-only       skip the flagship kernels
  --readings <N>       sensor readings to push through the pipeline (default 20000)
  --dashboard [port]   serve the live dashboard (default port ${DEFAULT_DASHBOARD_PORT}) and keep a load
                       running after the demo until Ctrl-C
  --host <address>     dashboard interface (default 127.0.0.1; others need --token)
  --token <secret>     dashboard token (or RINGKERNEL_DASHBOARD_TOKEN)
  --json               print the report as JSON instead of the table
  --help               this text`;

/** Turns `--dashboard` without a port into `--dashboard=<default>` so parseArgs can read it. */
export function normalizeOptionalPort(argv: readonly string[], flag: string, fallback: number): string[] {
  const normalized: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === flag) {
      const next = argv[index + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        normalized.push(`${flag}=${next}`);
        index++;
      } else {
        normalized.push(`${flag}=${fallback}`);
      }
    } else {
      normalized.push(argument);
    }
  }
  return normalized;
}

/** Parses a port number, refusing anything else with a usage error. */
export function parsePort(text: string, command: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliUsageError(`invalid port '${text}'`, command);
  return port;
}

export function parseBackend(text: string | undefined, command: string): 'cpu' | 'webgpu' | 'auto' {
  const backend = text ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'webgpu' && backend !== 'auto') {
    throw new CliUsageError(`--backend must be cpu, webgpu or auto; got '${backend}'`, command);
  }
  return backend;
}

/** The kernels' telemetry as a table. */
export function formatKernelTable(report: Pick<DemoReport, 'kernels'>): string {
  return formatTable(
    ['kernel', 'state', 'received', 'processed', 'sent', 'dropped', 'errors', 'p50', 'p99', 'msgs/s'],
    report.kernels.map((kernel) => [
      kernel.kernelId,
      kernel.state,
      formatCount(kernel.messagesReceived),
      formatCount(kernel.messagesProcessed),
      formatCount(kernel.messagesSent),
      formatCount(kernel.messagesDropped),
      formatCount(kernel.errors),
      formatNanoseconds(kernel.latency.p50),
      formatNanoseconds(kernel.latency.p99),
      formatCount(kernel.lifetimeThroughputPerSecond),
    ]),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** `ringkernel demo`. */
export async function demoCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: normalizeOptionalPort(argv, '--dashboard', DEFAULT_DASHBOARD_PORT),
    options: {
      backend: { type: 'string' },
      readings: { type: 'string' },
      dashboard: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      'runtime-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${demoUsage}\n`);
    return 0;
  }
  const backend = parseBackend(values.backend, 'demo');
  const readings = values.readings === undefined ? 20_000 : Number(values.readings);
  if (!Number.isInteger(readings) || readings < 1 || readings > 10_000_000) {
    throw new CliUsageError(`--readings must be an integer 1..10000000; got '${values.readings}'`, 'demo');
  }
  const dashboardPort = values.dashboard === undefined ? undefined : parsePort(values.dashboard, 'demo');
  if (dashboardPort === undefined && (values.host !== undefined || values.token !== undefined))
    throw new CliUsageError('--host and --token apply to the dashboard: add --dashboard [port]', 'demo');
  const { host, token } =
    dashboardPort === undefined
      ? { host: undefined, token: undefined }
      : dashboardAccess(values, io.env, 'demo');

  const bar = createProgressBar(io.stderr);
  let session: DemoSession | undefined;
  let dashboard: HttpEndpoint | undefined;
  try {
    let flagship: FlagshipDemoResult | undefined;
    if (!values['runtime-only']) {
      const lines: string[] = [];
      flagship = await runFlagshipDemo({
        backend: values.backend === undefined ? 'auto' : backend,
        write: (text) => (values.json ? undefined : lines.push(text)),
        onProgress: (fraction, label) =>
          bar.update({ suite: 'flagship', suiteIndex: 0, suiteCount: 2, fraction, label }),
      });
      bar.finish();
      if (!values.json) io.stdout.write(`${lines.join('')}\n`);
    }
    const report = await runDemo({
      backend,
      readings,
      keepOpen: dashboardPort !== undefined,
      onProgress: (fraction, label) =>
        bar.update({ suite: 'demo', suiteIndex: 0, suiteCount: 1, fraction, label }),
      onStarted: async (started) => {
        session = started;
        if (dashboardPort === undefined) return;
        dashboard = await serveDashboard(started.runtime, {
          port: dashboardPort,
          host,
          token,
          deviceMemory: [deviceMemoryOfPool(started.compute.pool)],
        });
        bar.log(`dashboard: ${dashboard.url}`);
      },
    });
    bar.finish();
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(flagship === undefined ? report : { ...report, flagship }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(`${formatDemoReport(report)}\n`);
    }
    if (dashboard !== undefined && session !== undefined) {
      io.stderr.write(`dashboard: ${dashboard.url} (a load keeps running; Ctrl-C to stop)\n`);
      const stopLoad = session.startLoad();
      await io.untilStopped();
      await stopLoad();
    }
    return 0;
  } finally {
    bar.finish();
    await dashboard?.close();
    if (dashboardPort !== undefined) await session?.close();
  }
}

export function formatDemoReport(report: DemoReport): string {
  const totals = report.summary;
  return [
    `ringkernel demo: compute stage on ${report.backend} (${report.device})`,
    '',
    `calculator: ${report.calculations.join(', ')}`,
    `counter:    ${report.count}`,
    `pipeline:   ${formatCount(report.readings)} readings through ingest -> calibrate -> aggregate`,
    '',
    formatKernelTable(report),
    '',
    `${formatCount(totals.messagesProcessed)} messages processed by ${totals.kernelCount} kernels in ` +
      `${(report.durationMs / 1000).toFixed(2)} s; latency p50 ${formatNanoseconds(totals.latency.p50)}, ` +
      `p99 ${formatNanoseconds(totals.latency.p99)}; ${formatCount(totals.errors)} errors, ` +
      `${formatCount(totals.messagesDropped)} dropped`,
  ].join('\n');
}
