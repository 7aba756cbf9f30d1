/*
 * A worker runtime of the cluster example: `node --import tsx worker.ts <servers> <node>`.
 * Serves `jobs` durably (a JetStream work queue shared with the other workers); for each job it
 * processed it sends `Done` to `tally@producer` (also durable), and only then is the job acked.
 */
import { RingKernelRuntime, ringKernel, type Message } from '../../src/index.js';
import { connectCluster } from '../../src/cluster.js';
import { Done, registry, type JobMessage } from './messages.js';

const [servers, node] = process.argv.slice(2) as [string, string];
const runtime = new RingKernelRuntime();
await runtime.launch(
  'jobs',
  ringKernel<JobMessage, Message>(
    {},
    {
      maxBatch: 64,
      async onBatch(jobs, ctx) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // the "work"
        // Resolves once the tally's stream stored the reports: the jobs are acked after that.
        await Promise.all(
          jobs.map((job) => ctx.sendTo('tally@producer', Done.create({ seq: job.seq, node }))),
        );
      },
    },
  ),
);
await runtime.activate('jobs');
const link = await connectCluster(runtime, { servers, node, cluster: 'example', registry: registry() });
await link.serve('jobs', { mode: 'durable', ackWaitMs: 1000 });
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => void link.close().then(() => process.exit(0)));
