import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RingKernelRuntime, ringKernel, type Message } from '../../src/index.js';
import { connectCluster, startNatsServer } from '../../src/cluster.js';
import { Job, registry, type DoneMessage } from './messages.js';

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url));

interface Worker {
  readonly node: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

async function startWorker(servers: string, node: string): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, servers, node], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${node} exited (${code}) on start`)));
  });
  return { node, child, exited };
}

/** What {@link runClusterExample} saw. */
export interface ClusterExampleResult {
  readonly jobs: number;
  /** Distinct jobs reported done. */
  readonly done: number;
  /** Reports of a job already reported (redelivered after the kill). */
  readonly repeats: number;
  /** Jobs done per worker, before and after the kill. */
  readonly byNode: Readonly<Record<string, number>>;
  /** Jobs the surviving worker did after the kill. */
  readonly afterKill: number;
}

/**
 * The two-node example: a local `nats-server -js`, two worker runtimes in child processes serving
 * `jobs` durably, and a producer runtime here that sends `jobs` jobs to `jobs@*` and tallies the
 * `Done` reports. A third of the way through, worker-a is killed (-9): the jobs it held are
 * redelivered to worker-b after the ack wait, and every job is still done.
 */
export async function runClusterExample(
  jobs = 20_000,
  log: (line: string) => void = console.log,
): Promise<ClusterExampleResult> {
  const server = await startNatsServer();
  const runtime = new RingKernelRuntime();
  const seen = new Uint8Array(jobs);
  const byNode: Record<string, number> = {};
  let done = 0;
  let repeats = 0;
  let killedAt: number | undefined;
  let afterKill = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  await runtime.launch(
    'tally',
    ringKernel<DoneMessage, Message>(
      {},
      {
        onMessage(report) {
          byNode[report.node] = (byNode[report.node] ?? 0) + 1;
          if (killedAt !== undefined) afterKill++;
          if (seen[report.seq] === 1) repeats++;
          else {
            seen[report.seq] = 1;
            if (++done === jobs) allDone();
          }
        },
      },
    ),
  );
  await runtime.activate('tally');
  const link = await connectCluster(runtime, {
    servers: server.url,
    node: 'producer',
    cluster: 'example',
    registry: registry(),
  });
  const workers: Worker[] = [];
  try {
    await link.serve('tally', { mode: 'durable' });
    link.on('join', ({ member }) => log(`+ ${member.node} joined`));
    link.on('update', ({ member }) =>
      log(
        `  ${member.node} serves ${Object.entries(member.kernels)
          .map(([id, mode]) => `${id} (${mode})`)
          .join(', ')}`,
      ),
    );
    link.on('leave', ({ member, reason }) => log(`- ${member.node} left (${reason})`));
    workers.push(await startWorker(server.url, 'worker-a'), await startWorker(server.url, 'worker-b'));
    log(`sending ${jobs} jobs to jobs@* (a JetStream work queue both workers pull from)`);
    for (let seq = 0; seq < jobs; seq++) {
      const job = Job.create({ seq });
      if (!runtime.post('jobs@*', job)) await runtime.send('jobs@*', job);
    }
    await link.flush();
    const progress = setInterval(
      () =>
        log(
          `  done ${done}/${jobs}  ${Object.entries(byNode)
            .map(([node, count]) => `${node}: ${count}`)
            .join('  ')}`,
        ),
      250,
    );
    while (done < jobs / 3) await new Promise((resolve) => setTimeout(resolve, 10));
    log(`kill -9 worker-a at ${done} jobs done: what it held moves to worker-b after the ack wait (1 s)`);
    killedAt = done;
    workers[0]!.child.kill('SIGKILL');
    await workers[0]!.exited;
    await finished;
    clearInterval(progress);
    log(
      `all ${jobs} jobs done: ${JSON.stringify(byNode)}; ${repeats} repeated (held by worker-a when it died)`,
    );
    return { jobs, done, repeats, byNode: { ...byNode }, afterKill };
  } finally {
    for (const worker of workers) {
      worker.child.stdin!.end();
      await worker.exited;
    }
    await link.close();
    await runtime.terminateAll();
    await server.stop();
  }
}
