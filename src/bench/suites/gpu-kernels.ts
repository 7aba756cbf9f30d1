import { getAccelerator } from '../../compute/index.js';
import {
  anomalyDetector,
  anomalyMessages,
  randomGraph,
  runAnomalyScenario,
  runPageRankScenario,
  syntheticSignal,
  type AnomalyReport,
  type SyntheticSignal,
} from '../../gpu-kernels/index.js';
import { RingKernelRuntime } from '../../runtime/index.js';
import { percentileOfSorted, repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * Device-resident ring kernels, measured end to end through the runtime (messages created, sent,
 * batched, processed with state on the device, replied, correlated):
 * - anomaly.<backend>.b<size>.points_per_s: a fresh detector streams the synthetic signal (sine +
 *   noise, 1% anomalies, window 10,000) in micro-batches of <size>, 8 requests outstanding;
 * - anomaly.<backend>.b<size>.batch_latency_us: median round trip of one micro-batch request when
 *   each is sent after the previous reply (nothing else queued);
 * - pagerank.<backend>.edges_per_s: a random graph (1M nodes, 5M edges) loaded into the PageRank
 *   kernel, then a top-5 query solving a fixed 20 iterations (tolerance 0): edges × iterations / the
 *   query's time (solve + reading the ranks back);
 * - pagerank.<backend>.total_ms: graph load (CSR build + upload) plus that query.
 * WebGPU runs when an adapter is found; on a software rasterizer with smaller sizes (logged).
 */

const SIZES = {
  full: {
    points: 1_000_000,
    latencyBatches: 2_000,
    nodes: 1_000_000,
    edges: 5_000_000,
    warmupRuns: 1,
    runs: 5,
  },
  quick: { points: 100_000, latencyBatches: 200, nodes: 100_000, edges: 500_000, warmupRuns: 0, runs: 1 },
  software: { points: 20_000, latencyBatches: 20, nodes: 20_000, edges: 100_000, warmupRuns: 0, runs: 1 },
} as const;

const BATCH_SIZES = [100, 500, 1000] as const;
const PAGERANK_ITERATIONS = 20;

async function batchLatencyUs(
  backend: 'cpu' | 'webgpu',
  signal: SyntheticSignal,
  batchSize: number,
  batches: number,
) {
  const { Batch } = anomalyMessages(batchSize);
  const requests = Array.from({ length: batches }, (_, index) =>
    Batch.create({
      values: signal.values.subarray(index * batchSize, (index + 1) * batchSize),
      count: batchSize,
    }),
  );
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('anomaly', anomalyDetector({ batchSize, backend }));
    await runtime.activate('anomaly');
    const samples = new Float64Array(batches);
    for (let index = 0; index < batches; index++) {
      const start = performance.now();
      const report = await runtime.request<AnomalyReport>('anomaly', requests[index]!);
      samples[index] = performance.now() - start;
      if (report.position !== index * batchSize)
        throw new Error(`batch ${index} answered at ${report.position}`);
    }
    // The first batches pay for JIT warm-up; the median over the rest is the steady state.
    const steady = samples.subarray(Math.min(10, batches - 1)).sort();
    return percentileOfSorted(steady, 50) * 1000;
  } finally {
    await runtime.terminateAll();
  }
}

async function backendsToRun(
  context: BenchContext,
): Promise<{ kind: 'cpu' | 'webgpu'; sizes: (typeof SIZES)[keyof typeof SIZES] }[]> {
  const sizes = context.quick ? SIZES.quick : SIZES.full;
  const plans: { kind: 'cpu' | 'webgpu'; sizes: (typeof SIZES)[keyof typeof SIZES] }[] = [
    { kind: 'cpu', sizes },
  ];
  const gpu = await getAccelerator({ backend: 'webgpu' });
  if (!gpu.available) {
    context.log(`gpu-kernels: no WebGPU adapter (${gpu.reason ?? 'unknown'}); webgpu figures skipped`);
    return plans;
  }
  if (gpu.software) {
    context.log(
      `gpu-kernels: WebGPU adapter '${gpu.name}' renders in software: webgpu figures use ${SIZES.software.points} points ` +
        `and ${SIZES.software.nodes} nodes / ${SIZES.software.edges} edges, not comparable with hardware GPUs`,
    );
    plans.push({ kind: 'webgpu', sizes: SIZES.software });
  } else plans.push({ kind: 'webgpu', sizes });
  return plans;
}

export const gpuKernelsSuite: BenchSuite = {
  name: 'gpu-kernels',
  description: 'device-resident ring kernels: streaming anomaly detection and PageRank (cpu, webgpu)',
  resultPrefixes: ['anomaly.', 'pagerank.'],
  async run(context: BenchContext): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const plans = await backendsToRun(context);
    const steps = plans.length * (BATCH_SIZES.length + 1);
    let step = 0;
    for (const { kind, sizes } of plans) {
      const signal = syntheticSignal({ points: sizes.points });
      for (const batchSize of BATCH_SIZES) {
        context.progress(step / steps, `anomaly ${kind} b${batchSize}`);
        const { medians } = await repeat(
          async () => {
            const result = await runAnomalyScenario({ backend: kind, signal, batchSize });
            if (result.precision < 0.95 || result.recall < 0.95)
              throw new Error(
                `anomaly ${kind} b${batchSize}: precision ${result.precision}, recall ${result.recall}`,
              );
            return { pointsPerSecond: result.pointsPerSecond };
          },
          { warmupRuns: sizes.warmupRuns, runs: sizes.runs },
        );
        const latencyBatches = Math.min(sizes.latencyBatches, Math.floor(sizes.points / batchSize));
        const latency = await batchLatencyUs(kind, signal, batchSize, latencyBatches);
        results.push(
          {
            name: `anomaly.${kind}.b${batchSize}.points_per_s`,
            value: medians.pointsPerSecond,
            unit: 'points/s',
            ...(kind === 'cpu' && batchSize === 1000 ? { target: '>= 20000000' } : {}),
          },
          {
            name: `anomaly.${kind}.b${batchSize}.batch_latency_us`,
            value: latency,
            unit: 'us',
            ...(kind === 'cpu' && batchSize === 100 ? { target: '<= 100' } : {}),
          },
        );
        step++;
      }
      context.progress(step / steps, `pagerank ${kind}`);
      const graph = randomGraph({ nodes: sizes.nodes, edges: sizes.edges });
      const { medians } = await repeat(
        async () => {
          const result = await runPageRankScenario({
            backend: kind,
            graph,
            tolerance: 0,
            maxIterations: PAGERANK_ITERATIONS,
          });
          return { edgesPerSecond: result.edgesPerSecond, totalMs: result.totalMs };
        },
        { warmupRuns: sizes.warmupRuns, runs: Math.min(sizes.runs, 3) },
      );
      results.push(
        {
          name: `pagerank.${kind}.edges_per_s`,
          value: medians.edgesPerSecond,
          unit: 'edges/s',
          ...(kind === 'cpu' ? { target: '>= 100000000' } : {}),
        },
        { name: `pagerank.${kind}.total_ms`, value: medians.totalMs, unit: 'ms' },
      );
      step++;
    }
    context.progress(1);
    return results;
  },
};
