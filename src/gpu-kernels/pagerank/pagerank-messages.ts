import { defineMessage, field, type MessageOf } from '../../messages/index.js';

/** Replaces the kernel's graph: `nodeCount` nodes and the edges `sources[i] → targets[i]`. */
export const PageRankGraph = defineMessage('PageRankGraph', {
  nodeCount: field.u32(),
  sources: field.array('u32'),
  targets: field.array('u32'),
});
export type PageRankGraph = MessageOf<typeof PageRankGraph>;

/**
 * Edits the graph in place: removes one edge per `remove*` pair (if present), then adds the `add*` edges.
 * `nodeCount` > the current count grows the graph (new nodes start with no edges); 0 keeps it.
 */
export const PageRankEdgeUpdate = defineMessage('PageRankEdgeUpdate', {
  addSources: field.array('u32', undefined, { default: [] }),
  addTargets: field.array('u32', undefined, { default: [] }),
  removeSources: field.array('u32', undefined, { default: [] }),
  removeTargets: field.array('u32', undefined, { default: [] }),
  nodeCount: field.u32({ default: 0 }),
});
export type PageRankEdgeUpdate = MessageOf<typeof PageRankEdgeUpdate>;

/** Asks for ranks: of `nodes` (all nodes when empty), or of the `top` highest-ranked nodes when `top` > 0. */
export const PageRankQuery = defineMessage('PageRankQuery', {
  nodes: field.array('u32', undefined, { default: [] }),
  top: field.u32({ default: 0 }),
});
export type PageRankQuery = MessageOf<typeof PageRankQuery>;

/** Reply to a graph load or edit. `error` is empty on success (the graph is then unchanged on failure). */
export const PageRankGraphInfo = defineMessage('PageRankGraphInfo', {
  nodeCount: field.u32(),
  edgeCount: field.u32(),
  /** Edges a `PageRankEdgeUpdate` removed (pairs not in the graph are ignored). */
  removed: field.u32({ default: 0 }),
  error: field.string({ default: '' }),
});
export type PageRankGraphInfo = MessageOf<typeof PageRankGraphInfo>;

/** Reply to a query: ranks of `nodes`, and how the solve that produced them ended. */
export const PageRankRanks = defineMessage('PageRankRanks', {
  nodes: field.array('u32'),
  ranks: field.array('f64'),
  /** Iterations of the solve that ran for this query (0 when the graph had not changed). */
  iterations: field.u32(),
  converged: field.bool(),
  /** L∞ change of the last iteration. */
  residual: field.f64(),
  error: field.string({ default: '' }),
});
export type PageRankRanks = MessageOf<typeof PageRankRanks>;
