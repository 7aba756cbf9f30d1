import { parseArgs } from 'node:util';
import { listAccelerators, type AcceleratorInfo } from '../compute/index.js';
import { nodeBackendFactories } from '../compute/node.js';
import type { CliIO } from './cli-io.js';
import { formatBytes, formatTable } from './table.js';

export const devicesUsage = `Usage: ringkernel devices [--json]

Lists the compute devices each backend can see (WebGPU through Dawn, CUDA through the driver
API, the CPU), usable or not,
with the reason when not. "runs on" tells a hardware GPU from one emulated in software (Mesa
llvmpipe, SwiftShader): --backend auto uses a hardware GPU, else the CPU.

  --json      print the report as JSON: { "devices": [AcceleratorInfo...] }
  --help      this text`;

/** `ringkernel devices`: the accelerator discovery report. Exit 0 even when no GPU is usable. */
export async function devicesCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${devicesUsage}\n`);
    return 0;
  }
  const devices = await listAccelerators({ factories: nodeBackendFactories() });
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ devices }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${formatDevices(devices)}\n`);
  return 0;
}

function formatDevices(devices: readonly AcceleratorInfo[]): string {
  const rows = devices.map((device) => [
    device.backend,
    device.name,
    device.vendor || '-',
    device.available ? 'yes' : 'no',
    device.backend === 'cpu' ? 'cpu' : device.software ? 'software' : 'hardware',
    device.memoryBytes === undefined ? '-' : formatBytes(device.memoryBytes),
    formatBytes(device.limits.maxBufferSize),
    device.features.length === 0
      ? '-'
      : device.features.length <= 3
        ? device.features.join(' ')
        : `${device.features.slice(0, 3).join(' ')} +${device.features.length - 3} (--json lists all)`,
  ]);
  const table = formatTable(
    ['backend', 'device', 'vendor', 'usable', 'runs on', 'memory', 'max buffer', 'features'],
    rows,
    ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'left'],
  );
  const reasons = devices
    .filter((device) => !device.available)
    .map((device) => `  ${device.backend}: ${device.reason ?? 'unavailable'}`);
  const usable = devices.filter((device) => device.available).length;
  const software = devices.filter((device) => device.available && device.software);
  return [
    table,
    '',
    `${usable} of ${devices.length} device${devices.length === 1 ? '' : 's'} usable`,
    ...(software.length === 0
      ? []
      : [
          `software GPU${software.length === 1 ? '' : 's'} (${software.map((device) => device.name).join(', ')}): ` +
            `used only with --backend ${software[0]?.backend ?? 'webgpu'}; auto prefers the CPU backend`,
        ]),
    ...(reasons.length === 0 ? [] : ['', 'not usable:', ...reasons]),
  ].join('\n');
}
