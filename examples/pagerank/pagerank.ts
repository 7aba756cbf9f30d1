import {
  PageRankEdgeUpdate,
  PageRankGraph,
  pageRankKernel,
  PageRankQuery,
  runPageRankScenario,
  seededUniform,
  type PageRankGraphInfo,
  type PageRankRanks,
  type PageRankScenarioResult,
  RingKernelRuntime,
} from 'ringkernel';

export interface PageRankExampleResult {
  readonly threeNodes: readonly number[];
  readonly randomTop: readonly { readonly node: number; readonly rank: number }[];
  readonly afterUpdate: readonly number[];
  readonly large: PageRankScenarioResult | undefined;
}

/**
 * The Python example's two graphs (3 nodes; 100 random nodes), an incremental edit, then optionally
 * a large random graph. Dangling nodes spread their rank over all nodes (ranks sum to 1).
 */
export async function runPageRankExample(
  backend: 'cpu' | 'webgpu',
  log: (line: string) => void,
  large: { nodes: number; edges: number } | undefined,
): Promise<PageRankExampleResult> {
  const runtime = new RingKernelRuntime();
  const timeout = { timeout: 60_000 };
  let result: Omit<PageRankExampleResult, 'large'>;
  try {
    await runtime.launch('pagerank', pageRankKernel({ backend }));
    await runtime.activate('pagerank');
    log(`[pagerank] kernel active on ${backend}`);

    await runtime.request(
      'pagerank',
      PageRankGraph.create({ nodeCount: 3, sources: [0, 1, 2, 2, 0], targets: [1, 2, 0, 1, 2] }),
      timeout,
    );
    const three = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({}), timeout);
    log(
      `3-node graph: converged ${three.converged} in ${three.iterations} iterations (last change ${three.residual.toExponential(2)})`,
    );
    three.ranks.forEach((rank, node) => log(`  node ${node}: ${rank.toFixed(6)}`));

    const random = seededUniform(42);
    const sources: number[] = [];
    const targets: number[] = [];
    for (let draw = 0; draw < 300; draw++) {
      const source = Math.floor(random() * 100);
      const target = Math.floor(random() * 100);
      if (source !== target) {
        sources.push(source);
        targets.push(target);
      }
    }
    const info = await runtime.request<PageRankGraphInfo>(
      'pagerank',
      PageRankGraph.create({ nodeCount: 100, sources, targets }),
      timeout,
    );
    const top = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({ top: 5 }), timeout);
    log(
      `random graph: ${info.nodeCount} nodes, ${info.edgeCount} edges, converged ${top.converged} in ${top.iterations} iterations`,
    );
    const randomTop = [...top.nodes].map((node, index) => ({ node, rank: top.ranks[index]! }));
    for (const { node, rank } of randomTop) log(`  node ${node}: ${rank.toFixed(6)}`);

    await runtime.request(
      'pagerank',
      PageRankEdgeUpdate.create({ addSources: [randomTop[4]!.node], addTargets: [randomTop[0]!.node] }),
      timeout,
    );
    const edited = await runtime.request<PageRankRanks>(
      'pagerank',
      PageRankQuery.create({ nodes: randomTop.map((entry) => entry.node) }),
      timeout,
    );
    log(
      `after adding edge ${randomTop[4]!.node} → ${randomTop[0]!.node}: re-solved in ${edited.iterations} iterations from the resident ranks`,
    );
    result = { threeNodes: [...three.ranks], randomTop, afterUpdate: [...edited.ranks] };
  } finally {
    await runtime.terminateAll();
  }
  let largeResult: PageRankScenarioResult | undefined;
  if (large !== undefined) {
    largeResult = await runPageRankScenario({ backend, nodes: large.nodes, edges: large.edges });
    log(
      `large graph: ${large.nodes} nodes, ${large.edges} edges: load ${largeResult.loadMs.toFixed(0)} ms, ` +
        `solve ${largeResult.iterations} iterations in ${largeResult.solveMs.toFixed(0)} ms ` +
        `(${(largeResult.edgesPerSecond / 1e6).toFixed(1)} M edges/s), total ${largeResult.totalMs.toFixed(0)} ms`,
    );
  }
  return { ...result, large: largeResult };
}
