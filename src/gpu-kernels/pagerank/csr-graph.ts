import { GpuKernelInputError } from '../errors.js';

/**
 * A directed graph in compressed sparse rows by TARGET: the sources of the edges into node `v`
 * are `sources[rowOffsets[v] .. rowOffsets[v + 1]]`. PageRank pulls along these rows, so each node's
 * new rank is written once by one worker (no atomics on a GPU). Duplicate edges count twice.
 */
export interface CsrGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly rowOffsets: Uint32Array;
  readonly sources: Uint32Array;
  readonly outDegree: Uint32Array;
}

/**
 * Builds the CSR of `nodeCount` nodes and the edges `sources[i] → targets[i]` in O(nodes + edges)
 * (counting sort by target).
 *
 * @throws GpuKernelInputError when the arrays differ in length or name a node ≥ `nodeCount`.
 */
export function buildCsrGraph(
  kernelId: string,
  nodeCount: number,
  edgeSources: ArrayLike<number>,
  edgeTargets: ArrayLike<number>,
): CsrGraph {
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 1 || nodeCount > 0xffffffff)
    throw new GpuKernelInputError(kernelId, `nodeCount must be a positive 32-bit integer, got ${nodeCount}`);
  const edgeCount = edgeSources.length;
  if (edgeTargets.length !== edgeCount)
    throw new GpuKernelInputError(
      kernelId,
      `${edgeCount} edge sources but ${edgeTargets.length} targets; give one target per source`,
    );
  const rowOffsets = new Uint32Array(nodeCount + 1);
  const outDegree = new Uint32Array(nodeCount);
  for (let edge = 0; edge < edgeCount; edge++) {
    const source = edgeSources[edge]!;
    const target = edgeTargets[edge]!;
    if (!(source < nodeCount && target < nodeCount && source >= 0 && target >= 0))
      throw new GpuKernelInputError(
        kernelId,
        `edge ${edge} (${source} → ${target}) names a node outside 0..${nodeCount - 1}`,
      );
    outDegree[source]!++;
    rowOffsets[target + 1]!++;
  }
  for (let node = 0; node < nodeCount; node++) rowOffsets[node + 1]! += rowOffsets[node]!;
  const cursor = rowOffsets.slice(0, nodeCount);
  const sources = new Uint32Array(edgeCount);
  for (let edge = 0; edge < edgeCount; edge++) sources[cursor[edgeTargets[edge]!]!++] = edgeSources[edge]!;
  return { nodeCount, edgeCount, rowOffsets, sources, outDegree };
}
