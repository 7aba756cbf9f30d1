import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cpuBackend, type ComputeBackend } from '../../src/compute/index.js';
import type { PageRankGraphInfo, PageRankRanks } from '../../src/gpu-kernels/pagerank/index.js';
import {
  PageRankEdgeUpdate,
  PageRankGraph,
  PageRankQuery,
  pageRankKernel,
  randomGraph,
} from '../../src/gpu-kernels/pagerank/index.js';
import { seededUniform } from '../../src/gpu-kernels/anomaly/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { createWebgpu, maxAbsDifference, PATIENCE_MS, probeWebgpu } from './helpers.js';

/**
 * The straightforward definition, written independently of the kernel: dense edge-list power
 * iteration in float64 with dangling rank spread over all nodes, iterated to 1e-14.
 */
function referencePageRank(
  nodeCount: number,
  sources: ArrayLike<number>,
  targets: ArrayLike<number>,
  damping = 0.85,
) {
  const outDegree = new Array<number>(nodeCount).fill(0);
  for (let edge = 0; edge < sources.length; edge++) outDegree[sources[edge]!]!++;
  let rank = new Array<number>(nodeCount).fill(1 / nodeCount);
  for (let iteration = 0; iteration < 10_000; iteration++) {
    let dangling = 0;
    for (let node = 0; node < nodeCount; node++) if (outDegree[node] === 0) dangling += rank[node]!;
    const next = new Array<number>(nodeCount).fill(
      (1 - damping) / nodeCount + (damping * dangling) / nodeCount,
    );
    for (let edge = 0; edge < sources.length; edge++) {
      const source = sources[edge]!;
      next[targets[edge]!]! += (damping * rank[source]!) / outDegree[source]!;
    }
    const change = Math.max(...next.map((value, node) => Math.abs(value - rank[node]!)));
    rank = next;
    if (change < 1e-14) break;
  }
  return rank;
}

/** The Python example's random graph: seed, 100 nodes, 300 draws, self-loops discarded. */
function exampleRandomGraph() {
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
  return { nodeCount: 100, sources, targets };
}

/**
 * A power-law graph: out-degrees Pareto(α = 1.5) capped at 100, 35% of the links into four hubs
 * (3,000–5,500 in-links each), the rest to other nodes, skewed towards low ids. Most nodes have no
 * in-links, so many hub contributions are equal: the case where float32 row sums drift the most.
 */
function powerLawGraph(nodeCount: number, seed: number) {
  const random = seededUniform(seed);
  const hubShares = [0.32, 0.27, 0.22, 0.19];
  const sources: number[] = [];
  const targets: number[] = [];
  for (let source = hubShares.length; source < nodeCount; source++) {
    const degree = Math.min(100, Math.floor((1 - random()) ** (-1 / 1.5)));
    for (let link = 0; link < degree; link++) {
      let target: number;
      if (random() < 0.35) {
        let pick = random();
        target = 0;
        while (target < hubShares.length - 1 && pick > hubShares[target]!) pick -= hubShares[target++]!;
      } else target = hubShares.length + Math.floor((nodeCount - hubShares.length) * random() ** 3);
      if (target === source) continue;
      sources.push(source);
      targets.push(target);
    }
  }
  return { nodeCount, sources, targets };
}

const THREE_NODES = { nodeCount: 3, sources: [0, 1, 2, 2, 0], targets: [1, 2, 0, 1, 2] };

const ask = <T>(runtime: RingKernelRuntime, message: Parameters<RingKernelRuntime['request']>[1]) =>
  runtime.request('pagerank', message, { timeout: PATIENCE_MS }) as Promise<T>;

const webgpu = await probeWebgpu();

for (const kind of ['cpu', 'webgpu'] as const) {
  // float64 on the CPU; float32 on a GPU, where 1e-6 still holds for these sizes.
  describe(`PageRank kernel on ${kind}`, { skip: kind === 'webgpu' ? webgpu.skip : false }, () => {
    let backend: ComputeBackend;
    let runtime: RingKernelRuntime;
    let baseline: number;
    before(async () => {
      backend = kind === 'cpu' ? await cpuBackend().create() : await createWebgpu();
      baseline = backend.liveAllocations();
      runtime = new RingKernelRuntime();
      await runtime.launch('pagerank', pageRankKernel({ backend }));
      await runtime.activate('pagerank');
    });
    after(async () => {
      await runtime.terminateAll();
      backend.dispose();
    });

    test('the 3-node example graph matches the reference within 1e-6 (L∞)', async () => {
      const info = await ask<PageRankGraphInfo>(runtime, PageRankGraph.create(THREE_NODES));
      assert.equal(info.error, '');
      assert.deepEqual([info.nodeCount, info.edgeCount], [3, 5]);
      const reply = await ask<PageRankRanks>(runtime, PageRankQuery.create({}));
      assert.equal(reply.error, '');
      assert.ok(reply.converged);
      assert.ok(reply.iterations > 0);
      const expected = referencePageRank(3, THREE_NODES.sources, THREE_NODES.targets);
      assert.ok(
        maxAbsDifference(reply.ranks, expected) <= 1e-6,
        `${String(reply.ranks)} vs ${String(expected)}`,
      );
    });

    test('the random 100-node graph matches the reference within 1e-6, and top-k is ordered', async () => {
      const graph = exampleRandomGraph();
      await ask(runtime, PageRankGraph.create(graph));
      const reply = await ask<PageRankRanks>(runtime, PageRankQuery.create({}));
      const expected = referencePageRank(100, graph.sources, graph.targets);
      assert.ok(maxAbsDifference(reply.ranks, expected) <= 1e-6);
      const top = await ask<PageRankRanks>(runtime, PageRankQuery.create({ top: 5 }));
      assert.equal(top.iterations, 0, 'an unchanged graph is answered from the resident ranks');
      const order = expected.map((rank, node) => ({ rank, node })).sort((a, b) => b.rank - a.rank);
      assert.deepEqual(
        [...top.nodes],
        order.slice(0, 5).map((entry) => entry.node),
      );
    });

    test('dangling nodes redistribute their rank: ranks sum to 1 and match the reference', async () => {
      // 3 and 4 have no out-edges.
      const graph = { nodeCount: 5, sources: [0, 1, 2, 0, 1], targets: [1, 2, 3, 4, 3] };
      await ask(runtime, PageRankGraph.create(graph));
      const reply = await ask<PageRankRanks>(runtime, PageRankQuery.create({}));
      const sum = reply.ranks.reduce((total, rank) => total + rank, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `ranks sum to ${sum}`);
      assert.ok(maxAbsDifference(reply.ranks, referencePageRank(5, graph.sources, graph.targets)) <= 1e-6);
      // Without redistribution (the Python port) node 0 would only get the teleport share, 0.03.
      assert.ok(reply.ranks[0]! > 0.03 + 0.01);
    });

    test('incremental edge updates keep the graph resident and give the edited graph ranks', async () => {
      const graph = exampleRandomGraph();
      await ask(runtime, PageRankGraph.create(graph));
      const cold = await ask<PageRankRanks>(runtime, PageRankQuery.create({}));
      const info = await ask<PageRankGraphInfo>(
        runtime,
        PageRankEdgeUpdate.create({
          addSources: [5, 6, 100],
          addTargets: [7, 100, 5],
          removeSources: [graph.sources[0]!, 99],
          removeTargets: [graph.targets[0]!, 98],
          nodeCount: 101,
        }),
      );
      assert.equal(info.error, '');
      const sources = [...graph.sources];
      const targets = [...graph.targets];
      let removed = 0;
      for (const [source, target] of [
        [graph.sources[0]!, graph.targets[0]!],
        [99, 98],
      ] as const) {
        const edge = sources.findIndex((from, index) => from === source && targets[index] === target);
        if (edge < 0) continue;
        sources.splice(edge, 1);
        targets.splice(edge, 1);
        removed++;
      }
      sources.push(5, 6, 100);
      targets.push(7, 100, 5);
      assert.equal(info.removed, removed);
      assert.equal(info.nodeCount, 101);
      assert.equal(info.edgeCount, sources.length);
      const warm = await ask<PageRankRanks>(runtime, PageRankQuery.create({}));
      assert.equal(warm.ranks.length, 101);
      assert.ok(maxAbsDifference(warm.ranks, referencePageRank(101, sources, targets)) <= 1e-6);
      assert.ok(cold.iterations > 0 && warm.iterations > 0);
    });

    test('a malformed request is answered with an error, not dropped', async () => {
      const info = await ask<PageRankGraphInfo>(
        runtime,
        PageRankGraph.create({ nodeCount: 2, sources: [0, 1], targets: [1, 2] }),
      );
      assert.match(info.error, /outside 0\.\.1/);
      const reply = await ask<PageRankRanks>(runtime, PageRankQuery.create({ nodes: [1_000] }));
      assert.match(reply.error, /node 1000 is outside/);
      assert.ok(runtime.getTelemetry('pagerank').errors >= 2);
    });

    test('a power-law graph with hubs of thousands of in-links matches the reference within 1e-6 relative; ranks sum to 1', async () => {
      const graph = powerLawGraph(20_000, 9);
      const inLinks = new Uint32Array(graph.nodeCount);
      for (const target of graph.targets) inLinks[target]!++;
      assert.ok(
        inLinks.subarray(0, 4).every((count) => count >= 3_000 && count <= 5_500),
        `hub in-links ${String(inLinks.subarray(0, 4))}`,
      );
      await ask(runtime, PageRankGraph.create(graph));
      const reply = await ask<PageRankRanks>(runtime, PageRankQuery.create({}));
      const expected = referencePageRank(graph.nodeCount, graph.sources, graph.targets);
      // On a GPU ranks and contributions are float32: each step rounds them to 2^-24 ≈ 6e-8 relative,
      // and the fixed point the iteration settles on carries these roundings along in-links for about
      // 1/(1 − d) ≈ 7 steps: a few 1e-7 (6.4e-7 at worst here, as a float32 emulation of the iteration
      // with exact row sums also gives; the CPU, summing in float64, 1e-7). With plain float32 row
      // sums the hubs were off by 1.3e-5 and the ranks summed to 1 − 2.6e-6.
      let worst = 0;
      let worstNode = 0;
      for (let node = 0; node < graph.nodeCount; node++) {
        const error = Math.abs(reply.ranks[node]! - expected[node]!) / expected[node]!;
        if (error > worst) [worst, worstNode] = [error, node];
      }
      assert.ok(
        worst <= 1e-6,
        `node ${worstNode} (${inLinks[worstNode]} in-links) is off by ${worst} relative`,
      );
      const sum = reply.ranks.reduce((total, rank) => total + rank, 0);
      assert.ok(Math.abs(sum - 1) <= 1e-6, `ranks sum to ${sum}`);
    });

    test('device buffers are freed on terminate', async () => {
      const graph = randomGraph({ nodes: 500, edges: 2_000, seed: 3 });
      await ask(runtime, PageRankGraph.create(graph));
      await ask(runtime, PageRankQuery.create({ top: 3 }));
      assert.ok(backend.liveAllocations() > baseline, 'the graph is resident while the kernel lives');
      const device = runtime.getTelemetry('pagerank').device;
      assert.ok(device !== undefined && device.batches > 0);
      assert.equal(device.backend, kind);
      await runtime.terminate('pagerank');
      assert.equal(backend.liveAllocations(), baseline);
    });
  });
}
