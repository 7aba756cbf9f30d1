/**
 * The streaming anomaly detector on a persistent CUDA ring kernel (window, sums and history resident
 * in device memory), next to the CPU detector on the same stream:
 * npm run example:cuda-anomaly [-- --points 200000 --batch 1000 --device auto|cuda|emulator]
 * Without an NVIDIA GPU it runs on the device emulator and says so.
 */
import {
  anomalyDetector,
  anomalyMessages,
  cudaAnomalyDetector,
  detectionQuality,
  probeCudaDevice,
  resolveCudaDevice,
  syntheticSignal,
  type AnomalyReport,
} from '../../src/node.js';
import { RingKernelRuntime, type KernelDefinition } from '../../src/runtime/index.js';
import type { Message } from '../../src/messages/index.js';
import { integerFlag, oneOf, parseExampleArgs } from '../example-args.js';

const name = 'npm run example:cuda-anomaly --';
const values = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--points N] [--batch N] [--device auto|cuda|emulator]

Streams a synthetic signal with 1% injected anomalies through the anomaly detector on a persistent
CUDA ring kernel (window, sums and history resident in device memory), then through the CPU
backend's detector, and prints throughput, precision and recall of each. Without an NVIDIA GPU it
runs on the device emulator and says so.

  --points <N>       points to stream (default 200000)
  --batch <N>        points per message (default 1000)
  --device <name>    auto (default: the GPU when usable, else the emulator), cuda, or emulator
  --help, -h         this text`,
  options: {
    points: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    device: { type: 'string', default: 'auto' },
  },
});
const device = oneOf(name, 'device', values.device, ['auto', 'cuda', 'emulator']);
const batchSize = integerFlag(name, 'batch', values.batch);
const points = integerFlag(name, 'points', values.points, batchSize * 2);
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
const signal = syntheticSignal({ points });
const { Batch } = anomalyMessages(batchSize);

async function stream<In extends Message, Out extends Message>(
  name: string,
  kernel: KernelDefinition<In, Out>,
) {
  const runtime = new RingKernelRuntime();
  await runtime.launch('anomaly', kernel);
  await runtime.activate('anomaly');
  const flagged = new Uint8Array(signal.values.length);
  // Timed from the first reply on: starting the device side (emulator thread, module load) is not streaming.
  let firstReplyAt = 0;
  const inFlight: Promise<void>[] = [];
  for (let from = 0; from + batchSize <= signal.values.length; from += batchSize) {
    const request = Batch.create({
      values: signal.values.subarray(from, from + batchSize),
      count: batchSize,
    });
    inFlight.push(
      runtime.request<AnomalyReport>('anomaly', request).then((report) => {
        if (firstReplyAt === 0) firstReplyAt = performance.now();
        for (let index = 0; index < batchSize; index++)
          if ((report.flags[index >>> 5]! >>> (index & 31)) & 1) flagged[report.position + index] = 1;
      }),
    );
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - firstReplyAt) / 1000;
  const streamed = signal.values.length - batchSize;
  await runtime.terminate('anomaly');
  const quality = detectionQuality(flagged, signal.labels);
  console.log(
    `${name.padEnd(26)} ${Math.round(streamed / seconds)
      .toLocaleString('en')
      .padStart(12)} points/s` +
      `   precision ${quality.precision.toFixed(4)}  recall ${quality.recall.toFixed(4)}`,
  );
}

await stream(
  target.kind === 'cuda' ? 'persistent CUDA kernel' : 'device emulator',
  cudaAnomalyDetector({ batchSize, device }),
);
await stream('CPU backend', anomalyDetector({ batchSize, backend: 'cpu' }));
