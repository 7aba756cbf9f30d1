import { getAccelerator } from '../../compute/index.js';
import {
  cudaAnomalyDetector,
  cudaEchoKernel,
  CudaEchoReply,
  CudaEchoRequest,
  resolveCudaDevice,
} from '../../gpu-kernels/cuda/index.js';
import {
  anomalyDetector,
  anomalyMessages,
  gpuRingKernel,
  syntheticSignal,
  type AnomalyReport,
} from '../../gpu-kernels/index.js';
import type { Message } from '../../messages/index.js';
import { RingKernelRuntime, type KernelDefinition } from '../../runtime/index.js';
import { percentileOfSorted } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * Persistent CUDA ring kernels, end to end through the runtime:
 * - cuda.<where>.rtt.p50_us / p99_us: one 64-byte echo request, sent after the previous reply;
 * - cuda.<where>.msgs_per_s: echo requests pipelined (all sent, then all awaited);
 * - cuda.<where>.anomaly.points_per_s: the anomaly detector, micro-batches of 1000, 8 outstanding,
 *   next to anomaly.cpu.b1000.points_per_s measured in the same run.
 * <where> is `persistent` on an NVIDIA GPU and `emulator` without one (the device emulator's
 * figures say nothing about a GPU: they measure the host side and the ring protocol).
 */
const SIZES = {
  full: { rtt: 5_000, pipelined: 200_000, points: 200_000 },
  quick: { rtt: 300, pipelined: 5_000, points: 20_000 },
} as const;

async function withKernel<T, In extends Message, Out extends Message>(
  id: string,
  kernel: KernelDefinition<In, Out>,
  body: (runtime: RingKernelRuntime) => Promise<T>,
): Promise<T> {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch(id, kernel);
    await runtime.activate(id);
    return await body(runtime);
  } finally {
    await runtime.terminateAll();
  }
}

async function anomalyPointsPerSecond<In extends Message, Out extends Message>(
  kernel: KernelDefinition<In, Out>,
  values: Float32Array,
): Promise<number> {
  const batchSize = 1000;
  const { Batch } = anomalyMessages(batchSize);
  return withKernel('anomaly', kernel, async (runtime) => {
    // One batch first: the device side (emulator thread, module load) is warm before timing starts.
    await runtime.request<AnomalyReport>(
      'anomaly',
      Batch.create({ values: values.subarray(0, batchSize), count: batchSize }),
    );
    const started = performance.now();
    const inFlight: Promise<AnomalyReport>[] = [];
    for (let from = 0; from + batchSize <= values.length; from += batchSize) {
      inFlight.push(
        runtime.request<AnomalyReport>(
          'anomaly',
          Batch.create({ values: values.subarray(from, from + batchSize), count: batchSize }),
        ),
      );
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return (Math.floor(values.length / batchSize) * batchSize) / ((performance.now() - started) / 1000);
  });
}

/** Median round trip of one message through a `gpuRingKernel` on WebGPU (one dispatch per message); the peer of the persistent round trip. */
export async function webgpuDispatchRttUs(count: number): Promise<number> {
  const kernel = gpuRingKernel({
    input: CudaEchoRequest,
    output: CudaEchoReply,
    backend: 'webgpu',
    wgsl: 'output.sequence = input.sequence; for (var word = 0u; word < 15u; word++) { output.payload[word] = input.payload[word] + 1u; }',
    cpu: (request) => ({ sequence: request.sequence, payload: request.payload.map((word) => word + 1) }),
  });
  const payload = new Uint32Array(15);
  return withKernel('webgpu-echo', kernel, async (runtime) => {
    const samples = new Float64Array(count);
    for (let sequence = 0; sequence < count; sequence++) {
      const started = performance.now();
      await runtime.request('webgpu-echo', CudaEchoRequest.create({ sequence, payload }));
      samples[sequence] = performance.now() - started;
    }
    return percentileOfSorted(samples.subarray(Math.min(100, count >> 1)).sort(), 50) * 1000;
  });
}

async function run(context: BenchContext): Promise<BenchResult[]> {
  const sizes = context.quick ? SIZES.quick : SIZES.full;
  const target = await resolveCudaDevice('auto');
  const where = target.kind === 'cuda' ? 'persistent' : 'emulator';
  if (target.kind !== 'cuda')
    context.log(
      `cuda: no device (${target.reason}); GPU figures skipped, reporting the device emulator as cuda.emulator.*`,
    );
  const payload = new Uint32Array(15);
  const echo = await withKernel('echo', cudaEchoKernel({ device: 'auto' }), async (runtime) => {
    const samples = new Float64Array(sizes.rtt);
    for (let sequence = 0; sequence < sizes.rtt; sequence++) {
      const started = performance.now();
      await runtime.request('echo', CudaEchoRequest.create({ sequence, payload }));
      samples[sequence] = performance.now() - started;
    }
    context.progress(0.3, 'pipelined echo');
    const steady = samples.subarray(Math.min(100, sizes.rtt >> 1)).sort();
    const requests = Array.from({ length: sizes.pipelined }, (_, sequence) =>
      CudaEchoRequest.create({ sequence, payload }),
    );
    const started = performance.now();
    await Promise.all(requests.map((request) => runtime.request('echo', request)));
    const seconds = (performance.now() - started) / 1000;
    return {
      p50: percentileOfSorted(steady, 50) * 1000,
      p99: percentileOfSorted(steady, 99) * 1000,
      rate: sizes.pipelined / seconds,
    };
  });
  // The dispatch-per-batch WebGPU ring kernel's round trip, same run, for the ratio (on a GPU only:
  // next to the emulator it would compare a thread with a software rasterizer).
  let webgpuRttUs: number | undefined;
  if (where === 'persistent') {
    const webgpu = await getAccelerator({ backend: 'webgpu' });
    if (webgpu.available && !webgpu.software) webgpuRttUs = await webgpuDispatchRttUs(sizes.rtt);
    else
      context.log(
        `cuda: no hardware WebGPU adapter (${webgpu.reason ?? webgpu.name}); vs_webgpu_dispatch skipped`,
      );
  }
  context.progress(0.6, 'anomaly');
  const values = syntheticSignal({ points: sizes.points }).values;
  const onDevice = await anomalyPointsPerSecond(
    cudaAnomalyDetector({ batchSize: 1000, device: 'auto' }),
    values,
  );
  const onCpu = await anomalyPointsPerSecond(anomalyDetector({ batchSize: 1000, backend: 'cpu' }), values);
  context.progress(1);
  return [
    {
      name: `cuda.${where}.rtt.p50_us`,
      value: echo.p50,
      unit: 'us',
      ...(where === 'persistent' ? { target: '<= 5 us' } : {}),
    },
    {
      name: `cuda.${where}.rtt.p99_us`,
      value: echo.p99,
      unit: 'us',
      ...(where === 'persistent' ? { target: '<= 20 us' } : {}),
    },
    {
      name: `cuda.${where}.msgs_per_s`,
      value: echo.rate,
      unit: 'msgs/s',
      ...(where === 'persistent' ? { target: '>= 20 M' } : {}),
    },
    ...(webgpuRttUs === undefined
      ? []
      : [
          {
            name: 'cuda.persistent.vs_webgpu_dispatch',
            value: webgpuRttUs / echo.p50,
            unit: 'x',
            target: '>= 10 x',
          },
        ]),
    { name: `cuda.${where}.anomaly.points_per_s`, value: onDevice, unit: 'points/s' },
    { name: 'cuda.anomaly.cpu_peer.b1000.points_per_s', value: onCpu, unit: 'points/s' },
  ];
}

export const cudaSuite: BenchSuite = {
  name: 'cuda',
  description: 'persistent CUDA ring kernels (the device emulator when there is no GPU)',
  run,
};
