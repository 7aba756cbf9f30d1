/*
 * Two worker runtimes in their own processes share durable work over NATS JetStream; one is
 * killed -9 and the other finishes its work. Needs nats-server (apt-get install nats-server).
 * Run with `npm run example:cluster`.
 */
import { integerFlag, parseExampleArgs } from '../example-args.js';
import { runClusterExample } from './cluster.js';

const name = 'npm run example:cluster --';
const { jobs } = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--jobs N]

Starts a local nats-server and two worker runtimes in their own processes serving one durable
kernel, sends the jobs, kills one worker with kill -9 while it works, and shows the other one
finishing everything (nothing lost). Needs nats-server (apt-get install nats-server).

  --jobs <N>   jobs to send (default 20000)
  --help, -h   this text`,
  options: { jobs: { type: 'string', default: '20000' } },
});

await runClusterExample(integerFlag(name, 'jobs', jobs));
