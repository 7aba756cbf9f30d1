/**
 * PageRank as a ring kernel with the graph resident on the device:
 * npm run example:pagerank [-- --backend webgpu --nodes 1000000 --edges 5000000]  (--nodes 0 skips the large graph)
 */
import { parseArgs } from 'node:util';
import { getAccelerator } from '../../src/compute/index.js';
import { runPageRankExample } from './pagerank.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu' },
    nodes: { type: 'string' },
    edges: { type: 'string' },
  },
});
const backend = values.backend === 'webgpu' ? 'webgpu' : 'cpu';
let nodes = Number(values.nodes ?? 1_000_000);
let edges = Number(values.edges ?? nodes * 5);
if (values.nodes === undefined && backend === 'webgpu' && (await getAccelerator({ backend })).software) {
  nodes = 100_000;
  edges = 500_000;
  console.log(`(software GPU: large graph reduced to ${nodes} nodes, ${edges} edges)`);
}
await runPageRankExample(backend, (line) => console.log(line), nodes > 0 ? { nodes, edges } : undefined);
