import {
  BackendUnavailableError,
  getAccelerator,
  type BackendChoice,
  type BackendKind,
} from '../compute/index.js';
import { RingKernelRuntime } from '../runtime/index.js';
import { syntheticSignal } from './anomaly/index.js';
import {
  PageRankEdgeUpdate,
  PageRankGraph,
  pageRankKernel,
  PageRankQuery,
  randomGraph,
  type PageRankGraphInfo,
  type PageRankRanks,
} from './pagerank/index.js';
import { progressLine } from './progress-line.js';
import { runAnomalyScenario, type AnomalyScenarioResult } from './scenarios.js';

/** Options of {@link runFlagshipDemo}. */
export interface FlagshipDemoOptions {
  /** Default `'auto'`: WebGPU on a hardware GPU, else the CPU backend. */
  readonly backend?: BackendChoice;
  /** Writes raw text (lines end with `\n`). Default: `console.log` per line. */
  readonly write?: (text: string) => void;
  /** Redraws one progress bar in place with `\r` (for a terminal). Default false. */
  readonly interactive?: boolean;
  /**
   * Receives progress (0..1 over the whole demo) instead of the built-in bar, e.g. to drive the
   * CLI's own progress bar.
   */
  readonly onProgress?: (fraction: number, label: string) => void;
  /** Points streamed through the anomaly detector. Default 2,000,000. */
  readonly points?: number;
  /** PageRank graph size. Default 1,000,000 nodes and 5,000,000 edges. */
  readonly nodes?: number;
  readonly edges?: number;
}

/** What the demo measured. */
export interface FlagshipDemoResult {
  readonly backend: string;
  readonly anomaly: AnomalyScenarioResult;
  readonly pagerank: {
    readonly nodes: number;
    readonly edges: number;
    readonly iterations: number;
    readonly edgesPerSecond: number;
    readonly solveMs: number;
    /** Iterations after an edit of 1,000 edges, warm-started from the resident ranks. */
    readonly updateIterations: number;
    readonly updateMs: number;
    readonly top: readonly { readonly node: number; readonly rank: number }[];
  };
  readonly elapsedMs: number;
}

const millions = (value: number): string => `${(value / 1e6).toFixed(1)} M`;

/**
 * The flagship demo: launches the streaming anomaly detector and the PageRank kernel as
 * device-resident ring kernels on the best available backend, streams data through them with a
 * progress bar, and prints results and throughput. About 5–15 s on a 2-core CPU.
 *
 * @example
 * ```ts
 * await runFlagshipDemo({ write: (text) => process.stdout.write(text), interactive: process.stdout.isTTY });
 * ```
 */
export async function runFlagshipDemo(options: FlagshipDemoOptions = {}): Promise<FlagshipDemoResult> {
  const write = options.write ?? ((text: string) => console.log(text.replace(/\n$/, '')));
  const line = (text = ''): void => write(`${text}\n`);
  const interactive = options.interactive ?? false;
  const started = performance.now();
  let lastDrawn = -1;
  const onProgress = options.onProgress;
  // The anomaly stream is the first half of the demo, PageRank the second.
  const bar = (label: string, fraction: number, overall: number): void => {
    if (onProgress !== undefined) {
      onProgress(overall, label);
      return;
    }
    if (interactive) {
      const percent = Math.floor(fraction * 100);
      if (percent === lastDrawn) return;
      lastDrawn = percent;
      write(`\r${progressLine(label, fraction)}`);
      if (fraction >= 1) {
        write('\n');
        lastDrawn = -1;
      }
    } else if (fraction >= 1) line(progressLine(label, 1));
  };

  const choice = options.backend ?? 'auto';
  const device = await getAccelerator({ backend: choice });
  if (!device.available) throw new BackendUnavailableError(choice, device.reason ?? 'no usable device');
  const kind = device.backend as BackendKind;
  line('ringkernel flagship demo: GPU-native actors with device-resident state');
  line(
    `backend: ${kind} (${device.name})${choice === 'auto' && kind === 'cpu' ? ' — no hardware GPU found' : ''}`,
  );
  line();

  const points = options.points ?? 2_000_000;
  line(
    `1. Streaming anomaly detection: ${millions(points)}points, 1% injected anomalies, window 10,000, |z| > 3`,
  );
  const signal = syntheticSignal({ points });
  const anomaly = await runAnomalyScenario({
    backend: kind,
    signal,
    batchSize: 1000,
    onProgress: (fraction) => bar('anomaly detector', fraction, fraction / 2),
  });
  line(
    `   ${millions(anomaly.pointsPerSecond)}points/s, micro-batches of 1000 (${anomaly.meanDeviceBatch.toFixed(1)} per device batch)`,
  );
  line(
    `   ${anomaly.detected} points flagged, ${anomaly.injected} anomalies injected: precision ${anomaly.precision.toFixed(4)} (flagged that were injected), recall ${anomaly.recall.toFixed(4)} (injected that were flagged)`,
  );
  line();

  const nodes = options.nodes ?? 1_000_000;
  const edges = options.edges ?? 5_000_000;
  line(`2. PageRank ring kernel: ${millions(nodes)}nodes, ${millions(edges)}edges, graph kept on the device`);
  bar('generating graph', 0, 0.5);
  const graph = randomGraph({ nodes, edges });
  const runtime = new RingKernelRuntime();
  const timeout = { timeout: 300_000 };
  let pagerank: FlagshipDemoResult['pagerank'];
  try {
    await runtime.launch('pagerank', pageRankKernel({ backend: kind }));
    await runtime.activate('pagerank');
    bar('pagerank: loading', 0.2, 0.6);
    await runtime.request<PageRankGraphInfo>(
      'pagerank',
      PageRankGraph.create({ nodeCount: nodes, sources: graph.sources, targets: graph.targets }),
      timeout,
    );
    bar('pagerank: solving', 0.4, 0.7);
    const solveStart = performance.now();
    const ranks = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({ top: 5 }), timeout);
    const solveMs = performance.now() - solveStart;
    bar('pagerank: editing', 0.8, 0.9);
    const added = randomGraph({ nodes, edges: 1000, seed: 99 });
    await runtime.request(
      'pagerank',
      PageRankEdgeUpdate.create({ addSources: added.sources, addTargets: added.targets }),
      timeout,
    );
    const updateStart = performance.now();
    const updated = await runtime.request<PageRankRanks>(
      'pagerank',
      PageRankQuery.create({ top: 5 }),
      timeout,
    );
    const updateMs = performance.now() - updateStart;
    bar('pagerank', 1, 1);
    pagerank = {
      nodes,
      edges,
      iterations: ranks.iterations,
      edgesPerSecond: (edges * ranks.iterations * 1000) / solveMs,
      solveMs,
      updateIterations: updated.iterations,
      updateMs,
      top: [...updated.nodes].map((node, index) => ({ node, rank: updated.ranks[index]! })),
    };
  } finally {
    await runtime.terminateAll();
  }
  line(
    `   solved in ${pagerank.iterations} iterations, ${pagerank.solveMs.toFixed(0)} ms: ${millions(pagerank.edgesPerSecond)}edges/s`,
  );
  line(
    `   +1,000 edges: re-solved from the resident ranks in ${pagerank.updateIterations} iterations, ${pagerank.updateMs.toFixed(0)} ms`,
  );
  line(
    `   top nodes: ${pagerank.top.map(({ node, rank }) => `${node} (${rank.toExponential(3)})`).join(', ')}`,
  );
  line();
  const elapsedMs = performance.now() - started;
  line(`done in ${(elapsedMs / 1000).toFixed(1)} s`);
  return { backend: kind, anomaly, pagerank, elapsedMs };
}
