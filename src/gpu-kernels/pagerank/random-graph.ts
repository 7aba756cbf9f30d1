import { InvalidArgumentError, describeValue } from '../../errors.js';
import { seededUniform } from '../anomaly/synthetic-signal.js';

/** Options of {@link randomGraph}. */
export interface RandomGraphOptions {
  readonly nodes: number;
  readonly edges: number;
  /** Default 42. */
  readonly seed?: number;
}

/** Edges `sources[i] → targets[i]`. */
export interface RandomGraph {
  readonly nodeCount: number;
  readonly sources: Uint32Array;
  readonly targets: Uint32Array;
}

/**
 * A uniform random directed graph with exactly `edges` edges and no self-loops (duplicates are
 * possible and count as separate links), deterministic for a seed.
 *
 * @example
 * ```ts
 * const graph = randomGraph({ nodes: 1_000_000, edges: 5_000_000 });
 * ```
 */
export function randomGraph(options: RandomGraphOptions): RandomGraph {
  const { nodes, edges } = options;
  if (!Number.isSafeInteger(nodes) || nodes < 2)
    throw new InvalidArgumentError(`nodes must be an integer >= 2, got ${describeValue(nodes)}`);
  if (!Number.isSafeInteger(edges) || edges < 0)
    throw new InvalidArgumentError(`edges must be a non-negative integer, got ${describeValue(edges)}`);
  const random = seededUniform(options.seed ?? 42);
  const sources = new Uint32Array(edges);
  const targets = new Uint32Array(edges);
  for (let edge = 0; edge < edges;) {
    const source = Math.floor(random() * nodes);
    const target = Math.floor(random() * nodes);
    if (source === target) continue;
    sources[edge] = source;
    targets[edge] = target;
    edge++;
  }
  return { nodeCount: nodes, sources, targets };
}
