import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingKernelRuntime, ringKernel, type Message } from '../../src/index.js';
import {
  connectCluster,
  startNatsServer,
  type ClusterLink,
  type NatsServerProcess,
} from '../../src/cluster.js';
import type { NodeConfig } from './fixtures/cluster-node.js';
import { Job, testRegistry, type JobMessage } from './fixtures/messages.js';
import { spawnNode, type NodeProcess } from './fixtures/spawn-node.js';
import { natsSkipReason } from './nats-available.js';

/** Every seq the nodes logged as processed (with repeats). */
function processedSeqs(logs: readonly string[]): Int32Array[] {
  return logs
    .filter((log) => existsSync(`${log}.seqs`))
    .map((log) => {
      const bytes = readFileSync(`${log}.seqs`);
      return new Int32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
    });
}

/** Counts per seq in 0..total-1. */
function tally(logs: readonly string[], total: number): { missing: number; duplicates: number } {
  const seen = new Uint16Array(total);
  for (const seqs of processedSeqs(logs)) for (const seq of seqs) seen[seq]!++;
  let missing = 0;
  let duplicates = 0;
  for (const count of seen) {
    if (count === 0) missing++;
    else duplicates += count - 1;
  }
  return { missing, duplicates };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe(
  'cluster link, durable mode (JetStream work queue, kill -9 faults)',
  { skip: natsSkipReason() },
  () => {
    let server: NatsServerProcess;
    let dir: string;
    let runtime: RingKernelRuntime;
    let link: ClusterLink;
    const nodes: NodeProcess[] = [];

    before(async () => {
      server = await startNatsServer();
      dir = mkdtempSync(join(tmpdir(), 'ringkernel-durable-'));
      runtime = new RingKernelRuntime();
      link = await connectCluster(runtime, {
        servers: server.url,
        node: 'producer',
        cluster: 'durable',
        registry: testRegistry(),
        heartbeatMs: 200,
      });
    });

    after(async () => {
      for (const node of nodes) await node.kill();
      await link?.close();
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const config = (node: string, log: string): NodeConfig => ({
      servers: server.url,
      node,
      cluster: 'durable',
      log,
      serve: [{ kernel: 'jobs', mode: 'durable', ackWaitMs: 500, maxDeliver: 3 }],
    });

    test('100,000 jobs on two nodes, one killed -9 mid-stream and restarted: every job processed, none lost', async () => {
      const logs = [join(dir, 'a1'), join(dir, 'b'), join(dir, 'a2')];
      nodes.push(await spawnNode(config('node-a', logs[0]!)), await spawnNode(config('node-b', logs[1]!)));
      await until(
        () => link.members().filter((m) => m.kernels.jobs === 'durable').length === 2,
        5000,
        'two members',
      );
      const total = 100_000;
      // Killed at a random point while it works: after it processed between 5 % and 30 % of the jobs.
      const killAt = Math.floor(total * (0.05 + 0.25 * Math.random()));
      const processedBy = (log: string) => processedSeqs([log]).reduce((sum, seqs) => sum + seqs.length, 0);
      const killed = (async () => {
        await until(() => processedBy(logs[0]!) >= killAt, 60_000, 'the kill point');
        await nodes[0]!.kill();
        nodes.push(await spawnNode(config('node-a', logs[2]!)));
      })();
      for (let seq = 0; seq < total; seq++) {
        const job = Job.create({ seq, poison: false });
        if (!runtime.post('jobs@*', job)) await runtime.send('jobs@*', job);
        if ((seq & 1023) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await link.flush();
      await killed;
      await until(() => tally(logs, total).missing === 0, 30_000, 'every job processed');
      const { duplicates } = tally(logs, total);
      // Repeats come only from batches in the hands of the killed node: at most maxInFlight (8) × 256.
      assert.ok(duplicates <= 8 * 256, `duplicates ${duplicates}`);
      // What the killed node had not finished was done by the others.
      assert.ok(processedBy(logs[1]!) + processedBy(logs[2]!) >= total - processedBy(logs[0]!));
      const stream = (await link.streams()).find((s) => s.kernelId === 'jobs');
      assert.equal(stream?.messages, 0, 'the work queue is empty: every batch acked');
      console.log(
        `# killed node-a after it processed ${processedBy(logs[0]!)} jobs; ${duplicates} jobs processed twice (redelivered batches)`,
      );
    });

    test('nats-server killed and restarted mid-stream: the links reconnect and nothing is lost', async () => {
      const logs = [join(dir, 's-a'), join(dir, 's-b')];
      for (const node of nodes.splice(0)) await node.kill();
      nodes.push(await spawnNode(config('node-c', logs[0]!)), await spawnNode(config('node-d', logs[1]!)));
      const total = 20_000;
      let sent = 0;
      const sending = (async () => {
        for (let seq = 0; seq < total; seq++) {
          const job = Job.create({ seq, poison: false });
          if (!runtime.post('jobs@*', job)) await runtime.send('jobs@*', job);
          sent++;
          if ((seq & 255) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      await until(() => sent >= total / 3, 30_000, 'a third sent');
      await link.flush();
      await server.stop({ hard: true, keepStore: true });
      server = await startNatsServer({ port: server.port, storeDir: server.storeDir });
      await sending;
      await link.flush();
      await until(() => tally(logs, total).missing === 0, 90_000, 'every job processed after the restart');
    });

    test('a served kernel terminated with work in hand: that work goes back to the stream and another runtime does it', async () => {
      const seen = new Set<number>();
      const worker = async (delayMs: number) => {
        const workerRuntime = new RingKernelRuntime();
        await workerRuntime.launch(
          'slowjobs',
          ringKernel<JobMessage, Message>(
            {},
            {
              onBatch: async (jobs) => {
                await new Promise((resolve) => setTimeout(resolve, delayMs));
                for (const job of jobs) seen.add(job.seq);
              },
            },
          ),
        );
        await workerRuntime.activate('slowjobs');
        const workerLink = await connectCluster(workerRuntime, {
          servers: server.url,
          node: `slow-${delayMs}`,
          cluster: 'durable',
          registry: testRegistry(),
          heartbeatMs: 200,
        });
        await workerLink.serve('slowjobs', { mode: 'durable', ackWaitMs: 1000 });
        return { runtime: workerRuntime, link: workerLink };
      };
      const first = await worker(50);
      await until(() => link.members().some((m) => m.kernels.slowjobs === 'durable'), 5000, 'the worker');
      for (let seq = 0; seq < 2000; seq++) runtime.post('slowjobs@*', Job.create({ seq, poison: false }));
      await link.flush();
      await until(() => seen.size > 0, 10_000, 'the first batch');
      const report = await first.runtime.terminate('slowjobs');
      assert.ok(report.unprocessedInputs.length > 0, 'it had work queued');
      const second = await worker(0);
      // Handed back (nak) rather than acked; a batch the server had already sent to the stopped pull
      // comes back after the ack wait (1 s).
      await until(() => seen.size === 2000, 4000, 'every job, done by the second runtime');
      await Promise.all([first.link.close(), second.link.close()]);
      await second.runtime.terminateAll();
    });

    test('a poison job goes to the dead letters after maxDeliver deliveries', async () => {
      const logs = [join(dir, 's-a'), join(dir, 's-b')];
      await runtime.send('jobs@*', Job.create({ seq: 424242, poison: true }));
      await link.flush();
      const dead = () =>
        logs
          .filter((log) => existsSync(`${log}.dead`))
          .flatMap((log) => readFileSync(`${log}.dead`, 'utf8').trim().split('\n'))
          .map((line) => JSON.parse(line) as { seq: number; reason: string });
      await until(
        () => dead().some((d) => d.seq === 424242 && d.reason === 'maxDeliveries'),
        60_000,
        'the dead letter',
      );
      assert.equal(
        dead().filter((d) => d.seq === 424242 && d.reason === 'crash').length,
        3,
        'one crash per delivery',
      );
    });
  },
);
