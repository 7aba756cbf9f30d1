/**
 * PageRank as a ring kernel with the graph resident on the device:
 * npm run example:pagerank [-- --backend webgpu --nodes 1000000 --edges 5000000]  (--nodes 0 skips the large graph)
 */
import { getAccelerator } from 'ringkernel';
import { integerFlag, oneOf, parseExampleArgs } from '../example-args.js';
import { runPageRankExample } from './pagerank.js';

const name = 'npm run example:pagerank --';
const values = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--backend cpu|webgpu] [--nodes N] [--edges N]

Ranks a small graph with a PageRank ring kernel whose graph stays on the device, applies edge
updates as messages, then times a large random graph.

  --backend <name>   cpu (default) or webgpu
  --nodes <N>        nodes of the large graph (default 1000000; 100000 on a software GPU; 0 skips it)
  --edges <N>        edges of the large graph (default 5 per node)
  --help, -h         this text`,
  options: {
    backend: { type: 'string', default: 'cpu' },
    nodes: { type: 'string' },
    edges: { type: 'string' },
  },
});
const backend = oneOf(name, 'backend', values.backend, ['cpu', 'webgpu']);
let nodes = values.nodes === undefined ? 1_000_000 : integerFlag(name, 'nodes', values.nodes, 0);
let edges = values.edges === undefined ? nodes * 5 : integerFlag(name, 'edges', values.edges);
if (values.nodes === undefined && backend === 'webgpu' && (await getAccelerator({ backend })).software) {
  nodes = 100_000;
  edges = 500_000;
  console.log(`(software GPU: large graph reduced to ${nodes} nodes, ${edges} edges)`);
}
await runPageRankExample(backend, (line) => console.log(line), nodes > 0 ? { nodes, edges } : undefined);
