import { InvalidArgumentError, describeValue } from '../errors.js';
import { RingKernelRuntime } from '../runtime/index.js';
import {
  anomalyDetector,
  detectionQuality,
  streamAnomalies,
  syntheticSignal,
  type SyntheticSignal,
} from './anomaly/index.js';
import type { KernelBackendOption } from './backend-selection.js';
import {
  PageRankGraph,
  pageRankKernel,
  PageRankQuery,
  randomGraph,
  type PageRankGraphInfo,
  type PageRankRanks,
  type RandomGraph,
} from './pagerank/index.js';

/** Options of {@link runAnomalyScenario}. */
export interface AnomalyScenarioOptions {
  readonly backend?: KernelBackendOption;
  /** Points streamed. Default 1,000,000. Ignored when `signal` is given. */
  readonly points?: number;
  /** Points per request. Default 1000. */
  readonly batchSize?: number;
  /** Requests outstanding at once. Default 8. */
  readonly inFlight?: number;
  /** A stream made earlier (so several runs share one). */
  readonly signal?: SyntheticSignal;
  /** Called as the stream advances, with the fraction done (0..1). */
  readonly onProgress?: (fraction: number) => void;
}

/** What the anomaly scenario measured. */
export interface AnomalyScenarioResult {
  /** The backend the kernel ran on. */
  readonly backend: string;
  readonly points: number;
  readonly batchSize: number;
  readonly injected: number;
  readonly detected: number;
  readonly precision: number;
  readonly recall: number;
  readonly pointsPerSecond: number;
  readonly elapsedMs: number;
  /** Request messages per device batch, on average. */
  readonly meanDeviceBatch: number;
}

/**
 * The Python port's real-time anomaly scenario on a device-resident detector: sine signal plus
 * noise with 1% injected anomalies, streamed in micro-batches; reports quality and points/s.
 *
 * @example
 * ```ts
 * const result = await runAnomalyScenario({ backend: 'cpu', batchSize: 1000 });
 * console.log(result.pointsPerSecond, result.precision, result.recall);
 * ```
 */
export async function runAnomalyScenario(
  options: AnomalyScenarioOptions = {},
): Promise<AnomalyScenarioResult> {
  const batchSize = options.batchSize ?? 1000;
  const signal = options.signal ?? syntheticSignal({ points: options.points ?? 1_000_000 });
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('anomaly', anomalyDetector({ batchSize, backend: options.backend ?? 'cpu' }));
    await runtime.activate('anomaly');
    const result = await streamAnomalies(runtime, 'anomaly', signal.values, {
      batchSize,
      inFlight: options.inFlight ?? 8,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const quality = detectionQuality(result.detected, signal.labels);
    const device = runtime.getTelemetry('anomaly').device;
    return {
      backend: device?.backend ?? 'unknown',
      points: signal.values.length,
      batchSize,
      injected: signal.anomalyCount,
      detected: result.anomalies,
      precision: quality.precision,
      recall: quality.recall,
      pointsPerSecond: result.pointsPerSecond,
      elapsedMs: result.elapsedMs,
      meanDeviceBatch: device?.meanBatchSize ?? 0,
    };
  } finally {
    await runtime.terminateAll();
  }
}

/** Options of {@link runPageRankScenario}. */
export interface PageRankScenarioOptions {
  readonly backend?: KernelBackendOption;
  /** Default 1,000,000. */
  readonly nodes?: number;
  /** Default 5,000,000. */
  readonly edges?: number;
  /** A graph made earlier. */
  readonly graph?: RandomGraph;
  /** Default 1e-10. Use 0 with `maxIterations` for a fixed amount of work. */
  readonly tolerance?: number;
  /** Default 200. */
  readonly maxIterations?: number;
  /** Highest-ranked nodes to report. Default 5. */
  readonly top?: number;
  /** Called as the scenario advances, with the fraction done (0..1) and what it is doing. */
  readonly onProgress?: (fraction: number, label: string) => void;
}

/** What the PageRank scenario measured. */
export interface PageRankScenarioResult {
  readonly backend: string;
  readonly nodes: number;
  readonly edges: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly residual: number;
  /** Loading the graph: CSR build and upload. */
  readonly loadMs: number;
  /** The first query: the solve on the device plus reading the top ranks. */
  readonly solveMs: number;
  /** Load plus solve, end to end through the runtime. */
  readonly totalMs: number;
  /** Edges processed per second over all iterations (edges × iterations / solveMs). */
  readonly edgesPerSecond: number;
  readonly top: readonly { readonly node: number; readonly rank: number }[];
}

/**
 * Loads a random graph into a PageRank kernel and asks for the top ranks; reports the timing.
 *
 * @example
 * ```ts
 * const result = await runPageRankScenario({ nodes: 1_000_000, edges: 5_000_000 });
 * ```
 */
export async function runPageRankScenario(
  options: PageRankScenarioOptions = {},
): Promise<PageRankScenarioResult> {
  const graph =
    options.graph ?? randomGraph({ nodes: options.nodes ?? 1_000_000, edges: options.edges ?? 5_000_000 });
  const top = options.top ?? 5;
  if (!Number.isSafeInteger(top) || top < 1)
    throw new InvalidArgumentError(`top must be a positive integer, got ${describeValue(top)}`);
  const runtime = new RingKernelRuntime();
  const timeout = { timeout: 600_000 };
  try {
    await runtime.launch(
      'pagerank',
      pageRankKernel({
        backend: options.backend ?? 'cpu',
        ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance }),
        ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
      }),
    );
    await runtime.activate('pagerank');
    options.onProgress?.(0, 'loading graph');
    const started = performance.now();
    const info = await runtime.request<PageRankGraphInfo>(
      'pagerank',
      PageRankGraph.create({ nodeCount: graph.nodeCount, sources: graph.sources, targets: graph.targets }),
      timeout,
    );
    if (info.error !== '') throw new InvalidArgumentError(info.error);
    const loaded = performance.now();
    options.onProgress?.(0.3, 'solving');
    const reply = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({ top }), timeout);
    if (reply.error !== '') throw new InvalidArgumentError(reply.error);
    const finished = performance.now();
    options.onProgress?.(1, 'done');
    const solveMs = finished - loaded;
    return {
      backend: runtime.getTelemetry('pagerank').device?.backend ?? 'unknown',
      nodes: graph.nodeCount,
      edges: graph.sources.length,
      iterations: reply.iterations,
      converged: reply.converged,
      residual: reply.residual,
      loadMs: loaded - started,
      solveMs,
      totalMs: finished - started,
      edgesPerSecond: (graph.sources.length * reply.iterations * 1000) / solveMs,
      top: [...reply.nodes].map((node, index) => ({ node, rank: reply.ranks[index]! })),
    };
  } finally {
    await runtime.terminateAll();
  }
}
