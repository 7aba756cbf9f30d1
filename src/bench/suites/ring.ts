import { once } from 'node:events';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { RING_EMPTY, RingChannel, SpscByteRing } from '../../ring/index.js';
import { percentileOfSorted, repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * The raw SPSC byte ring between two threads.
 *
 * - `ring.frames_per_s`: one producer worker, one consumer worker, 16-byte frames; the producer
 *   stages frames and publishes the tail once per 64, the consumer drains in place and releases the
 *   head once per drain (batch read/write). Timed on the consumer from the first frame to the last.
 *   `ring.unbatched.frames_per_s` is the same with one `tryWrite` (one publish) and one `tryRead`
 *   (one release) per frame.
 * - `ring.rtt.*`: one 16-byte frame from the main thread to a worker and back through a
 *   RingChannel, one at a time, both sides spinning (the floor a worker kernel's RTT sits on);
 *   `ring.rtt_sleeping.*` with both sides sleeping in `Atomics.wait` between frames (no CPU burnt
 *   while idle), `ring.rtt_wait_async.*` with the host awaiting `Atomics.waitAsync` instead.
 *
 * The postMessage echo these replace (`baseline.messageport.*`) is measured by the peers suite,
 * with the echo method every peer gets (src/bench/echo-method.ts).
 *
 * Both threads of a measurement are workers or the main thread plus one worker; this machine has
 * 2 vCPUs, and where the host places them makes cross-thread figures bimodal: the per-run spread
 * is logged so both clusters show.
 */

const FRAME_BYTES = 16;
const FRAMES_PER_PUBLISH = 64;
const RING_CAPACITY = 1 << 16;
/** Readiness checks a spinning echo makes before it sleeps (effectively: it spins). */
const SPIN_CHECKS = 100_000;
/**
 * Readiness checks a stream side makes before it sleeps. Short on purpose: with 2 vCPUs shared
 * with other processes, a long spin burns the time slice the other side needs (measured under
 * load: 2,000 checks gave 5-20 M frames/s where 100,000 gave 1-3 M).
 */
const STREAM_SPIN_CHECKS = 2_000;

const SIZES = {
  full: {
    frames: 10_000_000,
    unbatchedFrames: 3_000_000,
    roundTrips: 20_000,
    sleepingRoundTrips: 3_000,
    warmupRuns: 2,
    runs: 7,
  },
  quick: {
    frames: 200_000,
    unbatchedFrames: 100_000,
    roundTrips: 500,
    sleepingRoundTrips: 200,
    warmupRuns: 1,
    runs: 2,
  },
} as const;

type Role = 'producer' | 'consumer' | 'ring-echo';

interface RoleData {
  readonly ringBenchRole: Role;
  readonly buffer?: SharedArrayBuffer | ArrayBuffer;
}

/** A run request posted to a producer or consumer worker. */
interface StreamCommand {
  readonly frames: number;
  readonly batched: boolean;
}

/** What a consumer worker reports after each run. */
interface StreamReport {
  readonly elapsedMs: number;
  readonly outOfOrder: number;
}

// ------------------------------------------------------------------------------ worker side

function runProducer(ring: SpscByteRing, port: NonNullable<typeof parentPort>): void {
  const frame = new Uint8Array(FRAME_BYTES);
  let sequence = 0;
  port.on('message', ({ frames, batched }: StreamCommand) => {
    for (let sent = 0; sent < frames;) {
      frame[0] = sequence;
      frame[1] = sequence >>> 8;
      frame[2] = sequence >>> 16;
      frame[3] = sequence >>> 24;
      if (batched ? ring.tryStage(frame) : ring.tryWrite(frame)) {
        sent++;
        sequence++;
        if (batched && sent % FRAMES_PER_PUBLISH === 0) ring.publish();
      } else {
        ring.waitWritable(FRAME_BYTES, { spin: STREAM_SPIN_CHECKS });
      }
    }
    ring.publish();
  });
}

function runConsumer(ring: SpscByteRing, port: NonNullable<typeof parentPort>): void {
  let expected = 0;
  let outOfOrder = 0;
  const check = (bytes: Uint8Array, offset: number): void => {
    const sequence =
      (bytes[offset]! |
        (bytes[offset + 1]! << 8) |
        (bytes[offset + 2]! << 16) |
        (bytes[offset + 3]! << 24)) >>>
      0;
    if (sequence !== expected >>> 0) outOfOrder++;
    expected++;
  };
  const target = new Uint8Array(FRAME_BYTES);
  port.on('message', ({ frames, batched }: StreamCommand) => {
    let received = 0;
    let start = 0;
    while (received < frames) {
      let count: number;
      if (batched) {
        count = ring.drain(check, frames - received);
      } else {
        count = ring.tryRead(target) === FRAME_BYTES ? 1 : 0;
        if (count === 1) check(target, 0);
      }
      if (count === 0) ring.waitReadable({ spin: STREAM_SPIN_CHECKS });
      else if (received === 0) start = performance.now();
      received += count;
    }
    // The first frame's arrival starts the clock, so the figure covers frames - 1 intervals.
    const report: StreamReport = { elapsedMs: performance.now() - start, outOfOrder };
    port.postMessage(report);
  });
}

/** Control word of the echo channel: readiness checks the echo worker spins through before sleeping. */
const ECHO_SPIN_WORD = 0;

function runRingEcho(channel: RingChannel): void {
  const target = new Uint8Array(channel.incoming.maxFrameSize);
  for (;;) {
    const length = channel.incoming.tryRead(target);
    if (length === RING_EMPTY) {
      channel.incoming.waitReadable({ spin: channel.control.load(ECHO_SPIN_WORD) });
      continue;
    }
    if (length === 0) return;
    channel.outgoing.tryWrite(target.subarray(0, length));
  }
}

function runWorkerRole(data: RoleData, port: NonNullable<typeof parentPort>): void {
  // Before the role starts: the ring echo never returns to the event loop.
  port.postMessage('ready');
  switch (data.ringBenchRole) {
    case 'producer':
      runProducer(SpscByteRing.attach(data.buffer!), port);
      break;
    case 'consumer':
      runConsumer(SpscByteRing.attach(data.buffer!), port);
      break;
    case 'ring-echo':
      runRingEcho(RingChannel.attach(data.buffer!, 'worker'));
      break;
  }
}

if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as Partial<RoleData> | null)?.ringBenchRole !== undefined
) {
  runWorkerRole(workerData as RoleData, parentPort);
}

// ------------------------------------------------------------------------------ main side

/**
 * Starts this very module in a worker with `data`. Under tsx the module is TypeScript, and a `.ts`
 * worker entry needs tsx registered inside the worker first (Node 20 rejects it otherwise).
 */
async function spawnRole(data: RoleData): Promise<Worker> {
  const url = import.meta.url;
  const worker = url.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}); })`,
        { eval: true, workerData: data },
      )
    : new Worker(new URL(url), { workerData: data });
  const [first] = (await once(worker, 'message')) as [unknown];
  if (first !== 'ready') throw new Error(`unexpected worker greeting ${String(first)}`);
  return worker;
}

async function measureStream(
  producer: Worker,
  consumer: Worker,
  frames: number,
  batched: boolean,
): Promise<{ framesPerSecond: number }> {
  const command: StreamCommand = { frames, batched };
  const reported = once(consumer, 'message') as Promise<[StreamReport]>;
  consumer.postMessage(command);
  producer.postMessage(command);
  const [report] = await reported;
  if (report.outOfOrder !== 0) throw new Error(`ring benchmark saw ${report.outOfOrder} frames out of order`);
  return { framesPerSecond: (frames - 1) / (report.elapsedMs / 1000) };
}

/**
 * How the host waits for each echo: `spin` (both sides busy-poll: the floor of a spinning worker
 * kernel), `sleep` (both sides sleep in `Atomics.wait` between messages: the low-CPU mode), or
 * `wait-async` (the host awaits `Atomics.waitAsync`, as an event-loop runtime would).
 */
type EchoWait = 'spin' | 'sleep' | 'wait-async';

async function measureRingRoundTrips(
  channel: RingChannel,
  roundTrips: number,
  wait: EchoWait,
): Promise<{ p50: number; p99: number }> {
  channel.control.store(ECHO_SPIN_WORD, wait === 'spin' ? SPIN_CHECKS : 0);
  const frame = new Uint8Array(FRAME_BYTES);
  const target = new Uint8Array(FRAME_BYTES);
  const samples = new Float64Array(roundTrips);
  for (let trip = 0; trip < roundTrips; trip++) {
    frame[0] = trip;
    const start = performance.now();
    channel.outgoing.tryWrite(frame);
    while (channel.incoming.tryRead(target) === RING_EMPTY) {
      if (wait === 'sleep') channel.incoming.waitReadable();
      else if (wait === 'wait-async') await channel.incoming.waitReadableAsync();
    }
    samples[trip] = (performance.now() - start) * 1000;
  }
  samples.sort();
  return { p50: percentileOfSorted(samples, 50), p99: percentileOfSorted(samples, 99) };
}

function spread(values: readonly number[], scale: number, digits: number): string {
  return values
    .map((value) => (value / scale).toFixed(digits))
    .sort((a, b) => Number(a) - Number(b))
    .join(' ');
}

async function runRingSuite(context: BenchContext): Promise<BenchResult[]> {
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repeatOptions = { warmupRuns: size.warmupRuns, runs: size.runs };
  const stages = 3;
  let stage = 0;
  const onRun = (label: string) => (done: number, total: number) =>
    context.progress((stage + done / total) / stages, label);
  const results: BenchResult[] = [];

  const streamRing = SpscByteRing.allocate(RING_CAPACITY);
  const producer = await spawnRole({ ringBenchRole: 'producer', buffer: streamRing.buffer });
  const consumer = await spawnRole({ ringBenchRole: 'consumer', buffer: streamRing.buffer });
  try {
    const batched = await repeat(() => measureStream(producer, consumer, size.frames, true), {
      ...repeatOptions,
      onRun: onRun('ring frames (batched)'),
    });
    stage++;
    const unbatched = await repeat(() => measureStream(producer, consumer, size.unbatchedFrames, false), {
      ...repeatOptions,
      onRun: onRun('ring frames (one publish per frame)'),
    });
    stage++;
    context.log(
      `ring frames/s per run (M): batched ${spread(
        batched.runs.map((run) => run.framesPerSecond),
        1e6,
        1,
      )}; ` +
        `unbatched ${spread(
          unbatched.runs.map((run) => run.framesPerSecond),
          1e6,
          1,
        )}`,
    );
    results.push(
      {
        name: 'ring.frames_per_s',
        value: batched.medians.framesPerSecond,
        unit: 'frames/s',
        target: '>= 20000000',
      },
      { name: 'ring.unbatched.frames_per_s', value: unbatched.medians.framesPerSecond, unit: 'frames/s' },
    );
  } finally {
    await Promise.all([producer.terminate(), consumer.terminate()]);
  }

  const channel = RingChannel.allocate({ toWorkerCapacity: 4096, toHostCapacity: 4096 });
  const echo = await spawnRole({ ringBenchRole: 'ring-echo', buffer: channel.buffer });
  try {
    const modes = [
      { wait: 'spin', prefix: 'ring.rtt', roundTrips: size.roundTrips },
      { wait: 'sleep', prefix: 'ring.rtt_sleeping', roundTrips: size.sleepingRoundTrips },
      { wait: 'wait-async', prefix: 'ring.rtt_wait_async', roundTrips: size.sleepingRoundTrips },
    ] as const;
    for (const mode of modes) {
      const rtt = await repeat(() => measureRingRoundTrips(channel, mode.roundTrips, mode.wait), {
        ...repeatOptions,
        onRun: onRun(`ring echo rtt (${mode.wait})`),
      });
      context.log(
        `ring echo rtt (${mode.wait}) p50 per run (us): ${spread(
          rtt.runs.map((run) => run.p50),
          1,
          3,
        )}`,
      );
      results.push(
        { name: `${mode.prefix}.p50_us`, value: rtt.medians.p50, unit: 'us' },
        { name: `${mode.prefix}.p99_us`, value: rtt.medians.p99, unit: 'us' },
      );
    }
    stage++;
  } finally {
    channel.outgoing.tryWrite(new Uint8Array(0));
    await echo.terminate();
  }

  context.progress(1);
  return results;
}

/** The raw SPSC byte ring between two threads (batched and unbatched frames/s, echo RTT). */
export const ringSuite: BenchSuite = {
  name: 'ring',
  description: 'SharedArrayBuffer SPSC ring between threads (frames/s, echo RTT)',
  run: runRingSuite,
};
