import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import {
  connectCluster,
  findNatsServer,
  startNatsServer,
  type ClusterLink,
  type NatsServerProcess,
} from '../../cluster/index.js';
import { RingKernelRuntime } from '../../runtime/index.js';
import {
  ClusterBenchCounts,
  ClusterBenchPing,
  clusterBenchRegistry,
  type ClusterChildConfig,
} from '../cluster-node-child-node.js';
import { median, percentileOfSorted } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * Runtimes across processes over NATS (loopback, a `nats-server -js` the suite starts), with the
 * bare NATS client figures measured in the same run as baselines:
 *
 * - `baseline.nats.request.p50_us`: `nc.request` round trips to a subscriber that responds, both
 *   in this process (the baseline). Round-trip figures are measured interleaved in every
 *   run (this, the remote baseline, ours) and reported as medians over the runs: on a shared
 *   machine, load drifts between runs.
 * - `baseline.nats.request_remote.p50_us`: the same to a bare responder in another process (the
 *   child below): what crossing processes costs NATS alone, for `cluster.direct.rtt.p50_us`.
 * - `baseline.jetstream.publish.msgs_per_s`: one acked `js.publish` per message, 5,000 in flight,
 *   into a file-backed work-queue stream.
 * - `cluster.direct.rtt.p50_us`: `runtime.request('echo@bench-b', ping)` to a handler kernel in
 *   another process (encode, NATS request, decode, local request there, reply back).
 * - `cluster.direct.msgs_per_s`: pipelined `runtime.post('sink@bench-b', ping)` until the remote
 *   kernel counted them all (asked with a request after the last).
 * - `cluster.durable.msgs_per_s`: `runtime.post('jobs@*', ping)` to a durable kernel in another
 *   process until it processed them all and the stream is empty (every batch acked).
 * - `cluster.failover.ms`: a node holding queued durable work (a slow kernel) is killed -9; time until
 *   the other node has processed all of it (ackWait 1000 ms: the server redelivers after that).
 */

const SIZES = {
  full: {
    roundTrips: 5_000,
    directMessages: 300_000,
    durableMessages: 300_000,
    baselinePublishes: 50_000,
    runs: 3,
  },
  quick: {
    roundTrips: 300,
    directMessages: 20_000,
    durableMessages: 20_000,
    baselinePublishes: 5_000,
    runs: 1,
  },
} as const;

const childScript = (() => {
  const url = new URL('../cluster-node-child-node.js', import.meta.url);
  const path = fileURLToPath(url);
  return import.meta.url.endsWith('.ts') ? path.replace(/\.js$/, '.ts') : path;
})();

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
}

async function spawnChild(config: ClusterChildConfig): Promise<Child> {
  const execArgv = import.meta.url.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, [...execArgv, childScript, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench node ${config.node} exited (${code})`)));
  });
  return { process: child, exited };
}

async function closeChild(child: Child): Promise<void> {
  child.process.stdin!.end();
  await child.exited;
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`cluster bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Bare `nc.request` round trips to a plain responder in another process (the bench child). */
async function remoteBaselineRequest(nc: NatsConnection, node: string, roundTrips: number): Promise<number> {
  const subject = `bench.baseline.remote.${node}`;
  const payload = new Uint8Array(48);
  for (let i = 0; i < 2000; i++) await nc.request(subject, payload, { timeout: 5000 });
  const samples = new Float64Array(roundTrips);
  for (let i = 0; i < roundTrips; i++) {
    const start = performance.now();
    await nc.request(subject, payload, { timeout: 5000 });
    samples[i] = (performance.now() - start) * 1000;
  }
  return percentileOfSorted(samples.sort(), 50);
}

async function baselineRequest(nc: NatsConnection, roundTrips: number): Promise<number> {
  const subscription = nc.subscribe('bench.baseline.echo', {
    callback: (_error, msg) => {
      msg.respond(msg.data);
    },
  });
  const payload = new Uint8Array(48);
  for (let i = 0; i < 2000; i++) await nc.request('bench.baseline.echo', payload, { timeout: 5000 });
  const samples = new Float64Array(roundTrips);
  for (let i = 0; i < roundTrips; i++) {
    const start = performance.now();
    await nc.request('bench.baseline.echo', payload, { timeout: 5000 });
    samples[i] = (performance.now() - start) * 1000;
  }
  subscription.unsubscribe();
  return percentileOfSorted(samples.sort(), 50);
}

async function baselinePublish(nc: NatsConnection, publishes: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'RK_BENCH_BASELINE',
    subjects: ['bench.baseline.stream'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
  const js = jetstream(nc);
  const payload = new Uint8Array(48);
  const inFlight = 5_000;
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < publishes) {
      next++;
      await js.publish('bench.baseline.stream', payload);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const rate = publishes / ((performance.now() - start) / 1000);
  await jsm.streams.delete('RK_BENCH_BASELINE');
  return rate;
}

async function counts(runtime: RingKernelRuntime, node: string): Promise<{ sink: number; jobs: number }> {
  const reply = await runtime.request(`stats@${node}`, ClusterBenchPing.create({ n: 0 }), {
    timeout: 10_000,
  });
  if (!ClusterBenchCounts.is(reply)) throw new Error('cluster bench: unexpected stats reply');
  return { sink: reply.sink, jobs: reply.jobs };
}

async function directRtt(runtime: RingKernelRuntime, roundTrips: number): Promise<number> {
  const pings = Array.from({ length: roundTrips + 2000 }, (_, n) => ClusterBenchPing.create({ n }));
  for (let i = 0; i < 2000; i++) await runtime.request('echo@bench-b', pings[i]!, { timeout: 5000 });
  const samples = new Float64Array(roundTrips);
  for (let i = 0; i < roundTrips; i++) {
    const start = performance.now();
    await runtime.request('echo@bench-b', pings[2000 + i]!, { timeout: 5000 });
    samples[i] = (performance.now() - start) * 1000;
  }
  return percentileOfSorted(samples.sort(), 50);
}

/** Posts `count` messages to `address`, yielding to the event loop every 4,096 (so batches go out). */
async function pump(runtime: RingKernelRuntime, address: string, count: number): Promise<void> {
  const pings = Array.from({ length: 4096 }, (_, n) => ClusterBenchPing.create({ n }));
  for (let i = 0; i < count; i++) {
    const ping = pings[i & 4095]!;
    if (!runtime.post(address, ping)) await runtime.send(address, ping);
    if ((i & 4095) === 4095) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function directThroughput(
  runtime: RingKernelRuntime,
  link: ClusterLink,
  messages: number,
): Promise<number> {
  const before = (await counts(runtime, 'bench-b')).sink;
  const start = performance.now();
  await pump(runtime, 'sink@bench-b', messages);
  await link.flush();
  await waitFor(
    async () => (await counts(runtime, 'bench-b')).sink >= before + messages,
    60_000,
    'direct tells',
  );
  return messages / ((performance.now() - start) / 1000);
}

async function durableThroughput(
  runtime: RingKernelRuntime,
  link: ClusterLink,
  messages: number,
  lost: { value: number },
): Promise<number> {
  const before = (await counts(runtime, 'bench-b')).jobs;
  const start = performance.now();
  await pump(runtime, 'jobs@*', messages);
  await link.flush();
  await waitFor(
    async () => (await counts(runtime, 'bench-b')).jobs >= before + messages,
    120_000,
    'durable jobs',
  );
  await waitFor(
    async () => (await link.streams()).every((stream) => stream.messages === 0 && stream.ackPending === 0),
    30_000,
    'acks',
  );
  const elapsed = performance.now() - start;
  lost.value += before + messages - (await counts(runtime, 'bench-b')).jobs > 0 ? 1 : 0;
  return messages / (elapsed / 1000);
}

async function failover(
  runtime: RingKernelRuntime,
  link: ClusterLink,
  server: NatsServerProcess,
): Promise<number> {
  // A slow node takes the queued work (all of it fits its bounded pull), then dies.
  const slow = await spawnChild({
    servers: server.url,
    node: 'bench-slow',
    cluster: 'bench',
    jobDelayMs: 200,
    ackWaitMs: 1000,
  });
  const jobs = 8 * 256;
  await pump(runtime, 'jobs@bench-slow', jobs);
  await link.flush();
  await waitFor(async () => (await counts(runtime, 'bench-slow')).jobs > 0, 10_000, 'the slow node to start');
  const fast = await spawnChild({
    servers: server.url,
    node: 'bench-fast',
    cluster: 'bench',
    jobDelayMs: 0,
    ackWaitMs: 1000,
  });
  const done = (await counts(runtime, 'bench-slow')).jobs;
  const start = performance.now();
  slow.process.kill('SIGKILL');
  await slow.exited;
  await waitFor(async () => (await counts(runtime, 'bench-fast')).jobs >= jobs - done, 20_000, 'failover');
  const elapsed = performance.now() - start;
  await closeChild(fast);
  return elapsed;
}

export const clusterSuite: BenchSuite = {
  name: 'cluster',
  description: 'runtimes across processes over NATS / JetStream (loopback), with bare-client baselines',
  resultPrefixes: ['baseline.nats.', 'baseline.jetstream.'],
  async run(context: BenchContext): Promise<BenchResult[]> {
    if (findNatsServer() === undefined) {
      context.log('cluster: skipped, nats-server is not installed (apt-get install nats-server)');
      return [];
    }
    const size = context.quick ? SIZES.quick : SIZES.full;
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const runtime = new RingKernelRuntime();
    let link: ClusterLink | undefined;
    let remote: Child | undefined;
    try {
      context.progress(0, 'baselines');
      const baselinePublishRate = await baselinePublish(nc, size.baselinePublishes);
      context.progress(0.15, 'remote node');
      remote = await spawnChild({
        servers: server.url,
        node: 'bench-b',
        cluster: 'bench',
        jobDelayMs: 0,
        ackWaitMs: 1000,
      });
      link = await connectCluster(runtime, {
        servers: server.url,
        node: 'bench-a',
        cluster: 'bench',
        registry: clusterBenchRegistry(),
      });
      await waitFor(() => link!.members().some((m) => m.node === 'bench-b'), 5000, 'bench-b to join');
      const rtts: number[] = [];
      const remoteBaselines: number[] = [];
      const localBaselines: number[] = [];
      const direct: number[] = [];
      const durable: number[] = [];
      const lost = { value: 0 };
      for (let run = 0; run < size.runs + 1; run++) {
        context.progress(0.2 + (0.6 * run) / (size.runs + 1), `run ${run + 1}`);
        // The three round trips interleaved, run by run: on a shared machine load drifts.
        const localBaseline = await baselineRequest(nc, size.roundTrips);
        const remoteBaseline = await remoteBaselineRequest(nc, 'bench-b', size.roundTrips);
        const rtt = await directRtt(runtime, size.roundTrips);
        const directRate = await directThroughput(runtime, link, size.directMessages);
        const durableRate = await durableThroughput(runtime, link, size.durableMessages, lost);
        context.log(
          `cluster run ${run}: bare request p50 ${localBaseline.toFixed(0)} us, bare remote request p50 ${remoteBaseline.toFixed(0)} us, rtt p50 ${rtt.toFixed(0)} us, direct ${directRate.toFixed(0)} msgs/s, durable ${durableRate.toFixed(0)} msgs/s`,
        );
        if (run === 0) continue; // warm-up
        rtts.push(rtt);
        remoteBaselines.push(remoteBaseline);
        localBaselines.push(localBaseline);
        direct.push(directRate);
        durable.push(durableRate);
      }
      await closeChild(remote);
      remote = undefined;
      context.progress(0.85, 'failover');
      const failoverMs = await failover(runtime, link, server);
      context.progress(1);
      const baselineRttRounded = Math.round(median(localBaselines));
      const baselinePublishRounded = Math.round(baselinePublishRate);
      return [
        { name: 'baseline.nats.request.p50_us', value: baselineRttRounded, unit: 'us' },
        {
          name: 'baseline.nats.request_remote.p50_us',
          value: Math.round(median(remoteBaselines)),
          unit: 'us',
        },
        { name: 'baseline.jetstream.publish.msgs_per_s', value: baselinePublishRounded, unit: 'msgs/s' },
        {
          name: 'cluster.direct.rtt.p50_us',
          value: Math.round(median(rtts)),
          unit: 'us',
          target: `<= ${Math.round(1.3 * baselineRttRounded)} us (1.3 x baseline)`,
        },
        {
          name: 'cluster.direct.msgs_per_s',
          value: Math.round(median(direct)),
          unit: 'msgs/s',
          target: '>= 200000',
        },
        {
          name: 'cluster.durable.msgs_per_s',
          value: Math.round(median(durable)),
          unit: 'msgs/s',
          target: `>= ${Math.max(100_000, 4 * baselinePublishRounded)} (100k and 4 x baseline)`,
        },
        { name: 'cluster.failover.ms', value: Math.round(failoverMs), unit: 'ms', target: '<= 2000' },
      ];
    } finally {
      if (remote !== undefined) await closeChild(remote).catch(() => undefined);
      await link?.close();
      await runtime.terminateAll();
      await nc.close();
      await server.stop();
    }
  },
};
