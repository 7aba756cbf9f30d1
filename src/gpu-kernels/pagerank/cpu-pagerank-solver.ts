import type { ComputeBackend, DeviceAllocation } from '../../compute/index.js';
import type { CsrGraph } from './csr-graph.js';
import type { PageRankSettings, PageRankSolveOutcome, PageRankSolver } from './pagerank-solver.js';

/**
 * PageRank on the CPU backend in float64 typed-array loops: one pass over the nodes for the
 * contributions (rank / out-degree) and the dangling total, one pull pass over the CSR rows.
 * Rank vectors live in allocations of the backend, so they are counted and freed like device buffers.
 */
export class CpuPageRankSolver implements PageRankSolver {
  readonly backendKind: string;
  readonly #backend: ComputeBackend;
  #allocations: DeviceAllocation[] = [];
  #graph: CsrGraph | undefined;
  #rank: Float64Array = new Float64Array(0);
  /** Contributions (rank / out-degree) in float32: the random gather over them is the hot loop, and half the bytes stay in cache. */
  #next: Float32Array = new Float32Array(0);
  #contribution: Float32Array = new Float32Array(0);
  #inverseDegree: Float64Array = new Float64Array(0);

  constructor(backend: ComputeBackend) {
    this.backendKind = backend.kind;
    this.#backend = backend;
  }

  load(graph: CsrGraph): Promise<{ bytesToDevice: number }> {
    const nodeCount = graph.nodeCount;
    const keepRanks = this.#graph?.nodeCount === nodeCount;
    if (!keepRanks) {
      this.#free();
      this.#rank = this.#vector(nodeCount).fill(1 / nodeCount);
      this.#next = this.#vector32(nodeCount);
      this.#contribution = this.#vector32(nodeCount);
      this.#inverseDegree = this.#vector(nodeCount);
    }
    const inverse = this.#inverseDegree;
    const degree = graph.outDegree;
    for (let node = 0; node < nodeCount; node++) {
      const out = degree[node]!;
      inverse[node] = out === 0 ? 0 : 1 / out;
    }
    this.#graph = graph;
    return Promise.resolve({ bytesToDevice: 0 });
  }

  solve(settings: PageRankSettings): Promise<PageRankSolveOutcome> {
    const graph = this.#graph;
    if (graph === undefined)
      return Promise.resolve({
        iterations: 0,
        converged: true,
        residual: 0,
        deviceMs: 0,
        bytesToDevice: 0,
        bytesFromDevice: 0,
      });
    const started = performance.now();
    const { nodeCount, rowOffsets, sources } = graph;
    const { damping, maxIterations } = settings;
    // Contributions are float32 (half the memory traffic of the edge gather): rank changes below
    // their resolution are rounding noise, so the stopping tolerance never goes below it.
    const tolerance = Math.max(settings.tolerance, 1e-7 / graph.nodeCount);
    const inverse = this.#inverseDegree;
    const rank = this.#rank;
    const teleport = (1 - damping) / nodeCount;
    // Contributions (rank / out-degree) of the next iteration are written by the same pass that
    // computes the ranks, into the second buffer: one pass over the nodes per iteration.
    let current = this.#contribution;
    let upcoming = this.#next;
    let dangling = 0;
    for (let node = 0; node < nodeCount; node++) {
      const share = inverse[node]!;
      const value = rank[node]!;
      if (share === 0) dangling += value;
      current[node] = value * share;
    }
    let iterations = 0;
    let residual = Infinity;
    while (iterations < maxIterations) {
      const base = teleport + (damping * dangling) / nodeCount;
      let nextDangling = 0;
      let change = 0;
      let edge = rowOffsets[0]!;
      for (let node = 0; node < nodeCount; node++) {
        const end = rowOffsets[node + 1]!;
        let sum = 0;
        for (; edge < end; edge++) sum += current[sources[edge]!]!;
        const value = base + damping * sum;
        const delta = Math.abs(value - rank[node]!);
        if (delta > change) change = delta;
        rank[node] = value;
        const share = inverse[node]!;
        if (share === 0) nextDangling += value;
        upcoming[node] = value * share;
      }
      const swap = current;
      current = upcoming;
      upcoming = swap;
      dangling = nextDangling;
      iterations++;
      residual = change;
      if (change < tolerance) break;
    }
    this.#contribution = current;
    this.#next = upcoming;
    return Promise.resolve({
      iterations,
      converged: residual < tolerance,
      residual: iterations === 0 ? 0 : residual,
      deviceMs: performance.now() - started,
      bytesToDevice: 0,
      bytesFromDevice: 0,
    });
  }

  ranks(): Promise<Float64Array> {
    return Promise.resolve(this.#rank.slice());
  }

  dispose(): void {
    this.#free();
    this.#graph = undefined;
  }

  #vector(length: number): Float64Array {
    const allocation = this.#backend.allocate(length * 8);
    this.#allocations.push(allocation);
    const native = allocation.native;
    return native instanceof ArrayBuffer ? new Float64Array(native, 0, length) : new Float64Array(length);
  }

  #vector32(length: number): Float32Array {
    const allocation = this.#backend.allocate(length * 4);
    this.#allocations.push(allocation);
    const native = allocation.native;
    return native instanceof ArrayBuffer ? new Float32Array(native, 0, length) : new Float32Array(length);
  }

  #free(): void {
    for (const allocation of this.#allocations) this.#backend.free(allocation);
    this.#allocations = [];
  }
}
