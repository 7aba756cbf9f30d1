export { pageRankKernel, type PageRankKernelOptions } from './pagerank-kernel.js';
export {
  PageRankEdgeUpdate,
  PageRankGraph,
  PageRankGraphInfo,
  PageRankQuery,
  PageRankRanks,
} from './pagerank-messages.js';
export { buildCsrGraph, type CsrGraph } from './csr-graph.js';
export type { PageRankSettings, PageRankSolveOutcome, PageRankSolver } from './pagerank-solver.js';
export { randomGraph, type RandomGraph, type RandomGraphOptions } from './random-graph.js';
