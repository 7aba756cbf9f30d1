import { anomalyDetector } from '../gpu-kernels/anomaly/anomaly-detector.js';
import { streamAnomalies } from '../gpu-kernels/anomaly/anomaly-stream.js';
import { syntheticSignal } from '../gpu-kernels/anomaly/synthetic-signal.js';
import type { KernelDefinition } from '../runtime/kernel-port.js';
import { RingKernelRuntime } from '../runtime/runtime.js';
import { BenchEcho, echoKernel } from './echo-kernels.js';

/*
 * The figures of the `browser` suite, measured by the same code in the page (headless Chromium)
 * and in Node: only the worker kernel's definition differs (a Web Worker or a worker thread).
 * Browser-safe: no Node import.
 */

/** The three figures, in the suite's units. */
export interface BrowserFigures {
  /**
   * Event-loop echo kernel, sequential `runtime.request` round trips, in µs: the median over blocks
   * of 20 (each block's mean), as a browser's clock is too coarse to time one.
   */
  readonly rttP50Us: number;
  /** Worker echo kernel, 64 requests in flight: replies per second. */
  readonly workerRequestsPerSecond: number;
  /** Anomaly detector on WebGPU, synthetic signal in batches of 1,000: points per second (0 without WebGPU). */
  readonly anomalyPointsPerSecond: number;
}

/** Sizes of one measurement (smaller under `--quick`). */
export interface BrowserFigureSizes {
  readonly roundTrips: number;
  readonly requests: number;
  readonly points: number;
}

export const FULL_SIZES: BrowserFigureSizes = { roundTrips: 3000, requests: 20_000, points: 100_000 };
export const QUICK_SIZES: BrowserFigureSizes = { roundTrips: 300, requests: 2000, points: 10_000 };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function withKernel<T>(
  definition: KernelDefinition,
  work: (runtime: RingKernelRuntime) => Promise<T>,
): Promise<T> {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('bench', definition);
    await runtime.activate('bench');
    return await work(runtime);
  } finally {
    await runtime.terminateAll();
  }
}

/** Round trips timed together: a browser's clock ticks in 5 µs (isolated) or 100 µs steps. */
const RTT_BLOCK = 20;

async function rttP50(roundTrips: number): Promise<number> {
  return withKernel(echoKernel() as unknown as KernelDefinition, async (runtime) => {
    for (let i = 0; i < 200; i++) await runtime.request('bench', BenchEcho.create({ value: i }));
    const blocks: number[] = [];
    for (let block = 0; block < roundTrips / RTT_BLOCK; block++) {
      const start = performance.now();
      for (let i = 0; i < RTT_BLOCK; i++) await runtime.request('bench', BenchEcho.create({ value: i }));
      blocks.push((performance.now() - start) / RTT_BLOCK);
    }
    return median(blocks) * 1000;
  });
}

async function workerRequests(worker: () => KernelDefinition, requests: number): Promise<number> {
  return withKernel(worker(), async (runtime) => {
    const inFlight = 64;
    const run = async (count: number) => {
      let next = 0;
      const lane = async () => {
        while (next < count) {
          next++;
          await runtime.request('bench', BenchEcho.create({ value: next }), { timeout: 30_000 });
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    };
    await run(Math.min(2000, requests)); // warm-up
    const start = performance.now();
    await run(requests);
    return (requests / (performance.now() - start)) * 1000;
  });
}

async function anomalyPoints(points: number, webgpuAvailable: boolean): Promise<number> {
  if (!webgpuAvailable) return 0;
  const signal = syntheticSignal({ points, seed: 7 });
  return withKernel(
    anomalyDetector({ batchSize: 1000, backend: 'webgpu' }) as unknown as KernelDefinition,
    async (runtime) => {
      await streamAnomalies(runtime, 'bench', signal.values.subarray(0, 10_000), {
        batchSize: 1000,
        timeout: 60_000,
      });
      const start = performance.now();
      await streamAnomalies(runtime, 'bench', signal.values, { batchSize: 1000, timeout: 120_000 });
      return (points / (performance.now() - start)) * 1000;
    },
  );
}

/**
 * Measures the three figures `runs` times each and returns the medians. `worker` defines an echo
 * worker kernel answering `BenchEcho` (a Web Worker in a page, a worker thread in Node).
 */
export async function measureBrowserFigures(options: {
  readonly worker: () => KernelDefinition;
  readonly webgpuAvailable: boolean;
  readonly sizes: BrowserFigureSizes;
  readonly runs: number;
}): Promise<BrowserFigures> {
  const rtts: number[] = [];
  const requests: number[] = [];
  const points: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    rtts.push(await rttP50(options.sizes.roundTrips));
    requests.push(await workerRequests(options.worker, options.sizes.requests));
    points.push(await anomalyPoints(options.sizes.points, options.webgpuAvailable));
  }
  return {
    rttP50Us: median(rtts),
    workerRequestsPerSecond: median(requests),
    anomalyPointsPerSecond: median(points),
  };
}

/** Only the worker figure (a page that is not cross-origin isolated: the postMessage transport). */
export async function measureWorkerRequests(options: {
  readonly worker: () => KernelDefinition;
  readonly sizes: BrowserFigureSizes;
  readonly runs: number;
}): Promise<number> {
  const requests: number[] = [];
  for (let run = 0; run < options.runs; run++)
    requests.push(await workerRequests(options.worker, options.sizes.requests));
  return median(requests);
}

/** The echo the worker kernels run (module default export, in a Web Worker or a worker thread). */
export const messages = [BenchEcho];
export default {
  onMessage: (request: BenchEcho, ctx: { send(message: BenchEcho): Promise<void> }) =>
    ctx.send(BenchEcho.reply(request, { value: request.value })),
};
