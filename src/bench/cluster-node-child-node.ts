import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { connectCluster } from '../cluster/index.js';
import { MessageRegistry } from '../messages/registry.js';
import { defineMessage, field, type MessageOf } from '../messages/index.js';
import { RingKernelRuntime, ringKernel } from '../runtime/index.js';

/*
 * A remote runtime of the `cluster` bench suite, in its own process:
 * `node [--import tsx] cluster-node-child-node.(ts|js) '<ClusterChildConfig JSON>'`. It serves
 * `echo` (direct: replies to each ping), `sink` (direct: counts tells), `jobs` (durable: counts,
 * optionally sleeping `jobDelayMs` per batch) and `stats` (direct: replies with the counts).
 * Prints `ready` on stdout once served; closes its link when stdin ends.
 */

export const ClusterBenchPing = defineMessage('ClusterBenchPing', { n: field.i32() });
export const ClusterBenchCounts = defineMessage('ClusterBenchCounts', {
  sink: field.f64(),
  jobs: field.f64(),
});
type Ping = MessageOf<typeof ClusterBenchPing>;
type Counts = MessageOf<typeof ClusterBenchCounts>;

export function clusterBenchRegistry(): MessageRegistry {
  return new MessageRegistry([ClusterBenchPing, ClusterBenchCounts]);
}

export interface ClusterChildConfig {
  readonly servers: string;
  readonly node: string;
  readonly cluster: string;
  readonly jobDelayMs: number;
  readonly ackWaitMs: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as ClusterChildConfig;
  const runtime = new RingKernelRuntime();
  let sink = 0;
  let jobs = 0;
  await runtime.launch(
    'echo',
    ringKernel<Ping, Ping>(
      {},
      { onMessage: (ping, ctx) => ctx.send(ClusterBenchPing.reply(ping, { n: ping.n })) },
    ),
  );
  await runtime.launch(
    'sink',
    ringKernel<Ping, Ping>({ queueSize: 65_536 }, { onBatch: (pings) => void (sink += pings.length) }),
  );
  await runtime.launch(
    'jobs',
    ringKernel<Ping, Ping>(
      { queueSize: 65_536 },
      {
        onBatch: async (pings) => {
          if (config.jobDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.jobDelayMs));
          jobs += pings.length;
        },
      },
    ),
  );
  await runtime.launch(
    'stats',
    ringKernel<Ping, Counts>(
      {},
      { onMessage: (ping, ctx) => ctx.send(ClusterBenchCounts.reply(ping, { sink, jobs })) },
    ),
  );
  for (const id of runtime.kernelIds) await runtime.activate(id);
  const link = await connectCluster(runtime, {
    servers: config.servers,
    node: config.node,
    cluster: config.cluster,
    registry: clusterBenchRegistry(),
    heartbeatMs: 250,
  });
  await link.serve('echo');
  await link.serve('sink');
  await link.serve('stats');
  await link.serve('jobs', { mode: 'durable', ackWaitMs: config.ackWaitMs });
  // The bare-client baseline across processes: a plain responder, no runtime behind it.
  const bare = await connect({ servers: config.servers });
  bare.subscribe(`bench.baseline.remote.${config.node}`, {
    callback: (_error, msg) => {
      msg.respond(msg.data);
    },
  });
  await bare.flush();
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void link
      .close()
      .then(() => bare.close())
      .then(() => process.exit(0));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
