/**
 * The demo's kernels for the Web Worker tier: the same anomaly detector and PageRank kernel as on
 * the event loop (CPU backend), each hosted by a small runtime inside the worker. The page's
 * runtime talks to them through `webWorkerKernel` (SharedArrayBuffer rings when the page is
 * cross-origin isolated, postMessage otherwise).
 */
import {
  PageRankEdgeUpdate,
  PageRankGraph,
  PageRankGraphInfo,
  PageRankQuery,
  PageRankRanks,
  RingKernelRuntime,
  anomalyDetector,
  anomalyMessages,
  pageRankKernel,
  type KernelContext,
  type Message,
} from '../../src/browser/index.js';

export const BATCH_SIZE = 1000;
const { Batch, Report } = anomalyMessages(BATCH_SIZE);

/** Every message type crossing to the worker (both kernels). */
export const messages = [
  Batch,
  Report,
  PageRankGraph,
  PageRankEdgeUpdate,
  PageRankQuery,
  PageRankGraphInfo,
  PageRankRanks,
];

/** Forwards each input to the kernel `launch` starts as `inner` (in a runtime local to this worker) and sends its answer back as the reply. */
async function host(
  ctx: KernelContext<Message, Message>,
  launch: (runtime: RingKernelRuntime) => Promise<void>,
): Promise<void> {
  const runtime = new RingKernelRuntime();
  try {
    await launch(runtime);
    await runtime.activate('inner');
    for await (const message of ctx) {
      const answer = await runtime.request('inner', message, { timeout: 60_000 });
      // Same correlation: the page's request is answered by the inner kernel's reply.
      await ctx.send(answer);
    }
  } finally {
    await runtime.terminateAll();
  }
}

/** The streaming anomaly detector (CPU batch executor) in this worker. */
export default function anomaly(ctx: KernelContext<Message, Message>): Promise<void> {
  return host(ctx, (runtime) =>
    runtime.launch('inner', anomalyDetector({ batchSize: BATCH_SIZE, backend: 'cpu' })),
  );
}

/** The PageRank kernel (CPU solver) in this worker. */
export function pagerank(ctx: KernelContext<Message, Message>): Promise<void> {
  return host(ctx, (runtime) => runtime.launch('inner', pageRankKernel({ backend: 'cpu' })));
}
