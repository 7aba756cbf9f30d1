/*
 * Two worker runtimes in their own processes share durable work over NATS JetStream; one is
 * killed -9 and the other finishes its work. Needs nats-server (apt-get install nats-server).
 * Run with `npm run example:cluster`.
 */
import { runClusterExample } from './cluster.js';

await runClusterExample(20_000);
