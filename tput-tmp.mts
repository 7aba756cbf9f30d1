import { RingKernelRuntime, ringKernel } from './src/index.ts';
import { connectCluster, startNatsServer } from './src/cluster.ts';
import { ClusterBenchPing, clusterBenchRegistry } from './src/bench/cluster-node-child-node.ts';
const server = await startNatsServer();
const rtB = new RingKernelRuntime();
let sink = 0;
await rtB.launch('sink', ringKernel({ queueSize: 65536 }, { onBatch: (p: any[]) => void (sink += p.length) }));
await rtB.activate('sink');
const lb = await connectCluster(rtB, { servers: server.url, node: 'b', cluster: 'x', registry: clusterBenchRegistry() });
await lb.serve('sink');
const rtA = new RingKernelRuntime();
const la = await connectCluster(rtA, { servers: server.url, node: 'a', cluster: 'x', registry: clusterBenchRegistry() });
while (!la.members().some(m => m.node === 'b')) await new Promise(r => setTimeout(r, 10));
const pings = Array.from({ length: 4096 }, (_, n) => ClusterBenchPing.create({ n }));
for (let run = 0; run < 4; run++) {
  const N = 300000; const before = sink; const t = performance.now();
  for (let i = 0; i < N; i++) { rtA.post('sink@b', pings[i & 4095]); if ((i & 4095) === 4095) await new Promise(r => setImmediate(r)); }
  while (sink < before + N) await new Promise(r => setTimeout(r, 1));
  console.log('direct msgs/s', Math.round(N / (performance.now() - t) * 1000));
}
process.exit(0);
