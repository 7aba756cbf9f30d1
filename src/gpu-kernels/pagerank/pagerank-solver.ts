import type { CsrGraph } from './csr-graph.js';

/** Power-iteration settings. */
export interface PageRankSettings {
  /** Probability of following a link. Default 0.85. */
  readonly damping: number;
  /** Stop when no rank moved more than this in one iteration (L∞). */
  readonly tolerance: number;
  readonly maxIterations: number;
}

/** How a solve ended. */
export interface PageRankSolveOutcome {
  readonly iterations: number;
  readonly converged: boolean;
  /** L∞ change of the last iteration. */
  readonly residual: number;
  /** Time spent iterating on the device. */
  readonly deviceMs: number;
  readonly bytesToDevice: number;
  readonly bytesFromDevice: number;
}

/**
 * Keeps one graph and its ranks on a device across requests.
 *
 * The iteration, for N nodes and damping d: `rank'[v] = (1 − d)/N + d·(Σ_{u→v} rank[u]/outDegree[u]
 * + D/N)`, where D is the total rank of the dangling nodes (no out-edges). Dangling rank is spread
 * evenly over all nodes, as if they linked to every node, so the ranks always sum to 1.
 */
export interface PageRankSolver {
  readonly backendKind: string;
  /** Puts `graph` on the device. Ranks restart from 1/N unless the node count is unchanged. */
  load(graph: CsrGraph): Promise<{ bytesToDevice: number }>;
  /** Iterates from the current ranks until converged or `maxIterations`. */
  solve(settings: PageRankSettings): Promise<PageRankSolveOutcome>;
  /** The current ranks (a host copy, in float64). */
  ranks(): Promise<Float64Array>;
  /** Frees the graph and rank buffers. */
  dispose(): void;
}
