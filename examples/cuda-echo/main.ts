/**
 * A persistent CUDA ring kernel answering 64-byte messages without a launch per message:
 * npm run example:cuda-echo [-- --messages 100000 --device auto|cuda|emulator]
 * Without an NVIDIA GPU it runs on the device emulator (a worker thread playing the GPU's part over
 * the same ring layout) and says so.
 */
import {
  CONTROL,
  cudaEchoKernel,
  CudaEchoRequest,
  probeCudaDevice,
  resolveCudaDevice,
} from '../../src/node.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { integerFlag, oneOf, parseExampleArgs } from '../example-args.js';

const name = 'npm run example:cuda-echo --';
const values = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--messages N] [--device auto|cuda|emulator]

Launches a persistent CUDA ring kernel that answers 64-byte messages, measures the round trip of one
message at a time and the rate of pipelined messages, and prints the device's own telemetry. Without
an NVIDIA GPU it runs on the device emulator (a worker thread playing the GPU's part over the same
ring layout) and says so.

  --messages <N>     pipelined messages (default 100000)
  --device <name>    auto (default: the GPU when usable, else the emulator), cuda, or emulator
  --help, -h         this text`,
  options: {
    messages: { type: 'string', default: '100000' },
    device: { type: 'string', default: 'auto' },
  },
});
const count = integerFlag(name, 'messages', values.messages);
const device = oneOf(name, 'device', values.device, ['auto', 'cuda', 'emulator']);
const target = await resolveCudaDevice(device);
const probe = await probeCudaDevice();
if (device === 'cuda' && !probe.available) {
  process.stderr.write(
    `${name}: no usable CUDA device (${probe.reason}); leave out --device to use the emulator\n`,
  );
  process.exit(1);
}
console.log(
  target.kind === 'cuda'
    ? `running on the GPU: ${target.reason}`
    : device === 'emulator'
      ? 'running on the device emulator (--device emulator)'
      : `no GPU: running on the device emulator instead (${target.reason})`,
);
const runtime = new RingKernelRuntime();
const kernel = cudaEchoKernel({ kernelId: 'echo', device });
await runtime.launch('echo', kernel);
await runtime.activate('echo');

const payload = new Uint32Array(15).fill(41);
const samples: number[] = [];
for (let sequence = 0; sequence < 2_000; sequence++) {
  const started = performance.now();
  const reply = await runtime.request('echo', CudaEchoRequest.create({ sequence, payload }));
  samples.push(performance.now() - started);
  if ((reply as unknown as { sequence: number }).sequence !== sequence) throw new Error('echo out of order');
}
samples.sort((a, b) => a - b);
const started = performance.now();
const replies = [];
for (let sequence = 0; sequence < count; sequence++)
  replies.push(runtime.request('echo', CudaEchoRequest.create({ sequence, payload })));
await Promise.all(replies);
const seconds = (performance.now() - started) / 1000;
const region = kernel.device!.region;
console.log(`device: ${kernel.device!.description}`);
console.log(
  `round trip p50 ${(samples[1000]! * 1000).toFixed(1)} µs, p99 ${(samples[1980]! * 1000).toFixed(1)} µs`,
);
console.log(
  `pipelined: ${count} messages in ${seconds.toFixed(2)} s = ${Math.round(count / seconds).toLocaleString('en')} msgs/s`,
);
console.log(
  `device telemetry: processed ${region.load(CONTROL.processed)}, bursts ${region.load(CONTROL.bursts)}`,
);
const report = await runtime.terminate('echo');
console.log(`terminated (graceful: ${report.graceful}, unprocessed: ${report.unprocessedInputs.length})`);
