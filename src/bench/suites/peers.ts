import {
  comedyAvailable,
  comedyEcho,
  comedyEchoReference,
  messagePortBatchEcho,
  messagePortBatchEchoReference,
  messagePortEcho,
  messagePortEchoReference,
  promiseCorrEcho,
  promiseCorrEchoReference,
  ringkernelEcho,
  ringkernelEchoReference,
} from '../echo-adapters.js';
import {
  ECHO_METHOD,
  measureFanoutInChild,
  measureRequestsInChild,
  measureRoundTrips,
  withOneActor,
  type EchoAdapter,
  type EchoAdapterReference,
} from '../echo-method.js';
import { repeat, type RepeatResult } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * ringkernel and its peers under one echo method (src/bench/echo-method.ts), in the same run and
 * interleaved: every timed run measures each target once, in turn, so drift on a shared machine
 * hits them alike. The targets are the adapters of src/bench/echo-adapters.ts:
 *
 * - ringkernel, an event-loop echo kernel: `runtime.request.msgs_per_s`;
 *   `runtime.fanout_10k.request_us`, `runtime.launch_us`, `runtime.kernel_heap_bytes`. Its RTT
 *   is the runtime suite's `runtime.rtt.*` (the same 10,000 sequential, individually timed
 *   requests, through the guide's template loop).
 * - comedy 2.1.7, in-memory actors: `peers.comedy.request.msgs_per_s`, `peers.comedy.rtt.*`;
 *   `peers.comedy.fanout_10k.request_us`, `peers.comedy.launch_us`,
 *   `peers.comedy.actor_heap_bytes`.
 * - promise + in/out queues + correlation map (the baseline suite's `QueuedEcho`):
 *   `peers.promise_corr.request.msgs_per_s`, `peers.promise_corr.rtt.*`.
 * - worker_threads postMessage echo: `baseline.messageport.throughput.msgs_per_s` (one message
 *   per postMessage), `baseline.messageport.batch_throughput.msgs_per_s` (the 1,000 requests of a
 *   macrotask in one postMessage), `baseline.messageport.rtt.*`.
 *
 * Request throughput: 3 fresh child processes per target (in turn), each reporting the median of 7
 * runs after 2 warm-up runs; the figure is the median over the processes (an in-process figure
 * depends on what ran before in that process: measured interleaved in one process, comedy's varied
 * by 2x between runs). RTT: medians of 7 runs after 2 warm-up runs, each run opening a fresh system
 * per target, in this process. Many actors: medians of 5 runs, each a fresh child process per target that
 * warms up on 1,000 actors before the measured 10,000 (no warm-up runs: a fresh process starts
 * cold whatever ran before). comedy is a dev dependency: where it cannot be loaded (ringkernel
 * installed from npm) its figures are left out, with a log line.
 */

const SIZES = {
  full: {
    requests: ECHO_METHOD.requests,
    roundTrips: ECHO_METHOD.roundTrips,
    fanout: ECHO_METHOD.fanout,
    fanoutWarmupActors: 1_000,
    warmupRuns: 2,
    runs: 7,
    requestProcesses: 3,
    fanoutRuns: 5,
  },
  quick: {
    requests: 3_000,
    roundTrips: 300,
    fanout: { actors: 300, window: 100, queueSize: 16 },
    fanoutWarmupActors: 50,
    warmupRuns: 1,
    runs: 2,
    requestProcesses: 1,
    fanoutRuns: 1,
  },
} as const;

/** One target and the names of the figures taken from it. */
interface PeerTarget {
  readonly adapter: EchoAdapter;
  /** Where a child process finds the adapter (request throughput is measured in fresh processes). */
  readonly reference: EchoAdapterReference;
  /** Needs comedy installed. */
  readonly comedy?: boolean;
  /** Result name of the request throughput (msgs/s). */
  readonly request?: string;
  /** Result-name prefix of the RTT figures (`<prefix>.p50_us`, `<prefix>.p99_us`). */
  readonly rtt?: string;
  /** Many actors, measured in a child process that loads `adapter` from this reference. */
  readonly fanout?: {
    readonly adapter: EchoAdapterReference;
    readonly requestUs: string;
    readonly launchUs: string;
    readonly heapBytes: string;
  };
}

const TARGETS: readonly PeerTarget[] = [
  {
    adapter: ringkernelEcho,
    reference: ringkernelEchoReference,
    request: 'runtime.request.msgs_per_s',
    fanout: {
      adapter: ringkernelEchoReference,
      requestUs: 'runtime.fanout_10k.request_us',
      launchUs: 'runtime.launch_us',
      heapBytes: 'runtime.kernel_heap_bytes',
    },
  },
  {
    adapter: comedyEcho,
    reference: comedyEchoReference,
    comedy: true,
    request: 'peers.comedy.request.msgs_per_s',
    rtt: 'peers.comedy.rtt',
    fanout: {
      adapter: comedyEchoReference,
      requestUs: 'peers.comedy.fanout_10k.request_us',
      launchUs: 'peers.comedy.launch_us',
      heapBytes: 'peers.comedy.actor_heap_bytes',
    },
  },
  {
    adapter: promiseCorrEcho,
    reference: promiseCorrEchoReference,
    request: 'peers.promise_corr.request.msgs_per_s',
    rtt: 'peers.promise_corr.rtt',
  },
  {
    adapter: messagePortEcho,
    reference: messagePortEchoReference,
    request: 'baseline.messageport.throughput.msgs_per_s',
    rtt: 'baseline.messageport.rtt',
  },
  {
    adapter: messagePortBatchEcho,
    reference: messagePortBatchEchoReference,
    request: 'baseline.messageport.batch_throughput.msgs_per_s',
  },
];

/** The unit of a result, from its name. */
function unitOf(name: string): string {
  if (name.endsWith('_us')) return 'us';
  if (name.endsWith('_bytes')) return 'bytes';
  return 'msgs/s';
}

function logSpread(context: BenchContext, label: string, result: RepeatResult<string>): void {
  for (const name of Object.keys(result.medians)) {
    const values = result.runs.map((run) => run[name] as number).sort((a, b) => a - b);
    const digits = values[0]! >= 1000 ? 0 : 2;
    context.log(`${label} ${name} per run: ${values.map((value) => value.toFixed(digits)).join(' ')}`);
  }
}

async function runPeers(context: BenchContext): Promise<BenchResult[]> {
  const size = context.quick ? SIZES.quick : SIZES.full;
  const withComedy = await comedyAvailable();
  if (!withComedy) {
    context.log('comedy cannot be loaded (a dev dependency: npm install); peers.comedy.* left out');
  }
  const targets = TARGETS.filter((target) => withComedy || target.comedy !== true);

  const stages = 3;
  let stage = 0;
  const repeatOptions = (label: string, warmupRuns: number, runs: number) => ({
    warmupRuns,
    runs,
    onRun: (done: number, total: number) => context.progress((stage + done / total) / stages, label),
  });

  // Request throughput depends on what ran before in the process (heap size and shape, optimised
  // code): each figure is the median over fresh processes, one per target in turn, each process
  // reporting the median of its own runs after warm-up.
  const throughput = await repeat(
    async () => {
      const figures: Record<string, number> = {};
      for (const { reference, request } of targets) {
        if (request === undefined) continue;
        const { msgsPerSecond } = await measureRequestsInChild({
          adapter: reference,
          requests: size.requests,
          warmupRuns: size.warmupRuns,
          runs: size.runs,
        });
        figures[request] = msgsPerSecond;
      }
      return figures;
    },
    repeatOptions('request throughput (fresh processes)', 0, size.requestProcesses),
  );
  stage++;
  logSpread(context, 'request throughput', throughput);

  const rtt = await repeat(
    async () => {
      const figures: Record<string, number> = {};
      for (const { adapter, rtt: prefix } of targets) {
        if (prefix === undefined) continue;
        const { p50, p99 } = await withOneActor(adapter, size.roundTrips, (actor, target) =>
          measureRoundTrips(adapter.name, actor, target, size.roundTrips),
        );
        figures[`${prefix}.p50_us`] = p50;
        figures[`${prefix}.p99_us`] = p99;
      }
      return figures;
    },
    repeatOptions('RTT', size.warmupRuns, size.runs),
  );
  stage++;
  logSpread(context, 'RTT', rtt);

  const closeMs: Record<string, number[]> = {};
  const fanout = await repeat(
    async () => {
      const figures: Record<string, number> = {};
      for (const { adapter, fanout: names } of targets) {
        if (names === undefined) continue;
        const measured = await measureFanoutInChild({
          adapter: names.adapter,
          size: size.fanout,
          warmupActors: size.fanoutWarmupActors,
        });
        figures[names.requestUs] = measured.requestUs;
        figures[names.launchUs] = measured.launchUs;
        figures[names.heapBytes] = measured.heapBytesPerActor;
        (closeMs[adapter.name] ??= []).push(measured.closeMs);
      }
      return figures;
    },
    repeatOptions(`${size.fanout.actors} actors`, 0, size.fanoutRuns),
  );
  logSpread(context, `${size.fanout.actors} actors`, fanout);
  for (const [name, values] of Object.entries(closeMs)) {
    context.log(
      `${name}: closing ${size.fanout.actors} actors took ${values.map((value) => value.toFixed(0)).join(' ')} ms`,
    );
  }
  context.progress(1);

  const medians: Record<string, number> = { ...throughput.medians, ...rtt.medians, ...fanout.medians };
  const order = targets.flatMap(({ request, rtt: prefix, fanout: names }) => [
    ...(request === undefined ? [] : [request]),
    ...(prefix === undefined ? [] : [`${prefix}.p50_us`, `${prefix}.p99_us`]),
    ...(names === undefined ? [] : [names.requestUs, names.launchUs, names.heapBytes]),
  ]);
  return order.map((name) => ({ name, value: medians[name] as number, unit: unitOf(name) }));
}

/**
 * ringkernel next to comedy, a bare promise + queues + correlation-map echo and a worker_threads
 * postMessage echo, all measured with the echo method (request throughput, RTT, 10,000 actors).
 */
export const peersSuite: BenchSuite = {
  name: 'peers',
  description:
    'echo method on ringkernel, comedy, promise+queues+correlation map and postMessage: ' +
    'requests, RTT, 10,000 actors',
  resultPrefixes: [
    'runtime.request.',
    'runtime.fanout_10k.',
    'runtime.launch_us',
    'runtime.kernel_heap_bytes',
    'baseline.messageport.',
  ],
  run: runPeers,
};
