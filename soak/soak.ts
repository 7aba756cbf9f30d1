/**
 * The soak: many kernels of every shape under random traffic for a while, then every message
 * accounted for, and the heap watched for growth. See {@link runSoak}; `soak/run.ts` is the CLI.
 */
import { performance } from 'node:perf_hooks';
import {
  QueueFullError,
  RingKernelRuntime,
  TimeoutError,
  ringKernel,
  workerKernel,
  type BackpressureStrategy,
  type HandlerContext,
  type KernelDefinition,
  type KernelOptions,
  type Message,
  type TerminationReport,
} from '../src/node.js';
import { Reply, Work, messages as soakMessages } from './messages.js';

export interface SoakOptions {
  /** How long the traffic runs, in ms. */
  readonly durationMs: number;
  /** Event-loop kernels (loop and handler shapes, half each). Default 32. */
  readonly kernels?: number;
  /** Worker-thread kernels (`workerKernel`). Default 2. */
  readonly workerKernels?: number;
  /** Seed of the topology and of the traffic choices. Default 1. */
  readonly seed?: number;
  /** Heap and RSS sample period, ms. Default: 500, or a twentieth of runs shorter than a minute. */
  readonly sampleEveryMs?: number;
  /**
   * Also put three supervised kernels in a `restForOne` supervisor group. Default false: group
   * restarts lose messages today (test/reliability/restarts.test.ts), so the soak would fail.
   */
  readonly groups?: boolean;
  /** Largest heap growth accepted, bytes per minute (judged on runs of a minute or more). Default 1 MiB. */
  readonly maxHeapSlopeBytesPerMin?: number;
  /** Progress lines (one per sample); default none. */
  readonly log?: (line: string) => void;
}

/** One kernel's ledger: every message sent to it, and where each one ended. */
export interface KernelAccount {
  readonly kernelId: string;
  readonly shape: Shape;
  readonly backpressure: BackpressureStrategy;
  readonly supervised: boolean;
  /** Messages sent to it: by the driver (send, post, request), along routes, by sendTo, by topics. */
  readonly sent: number;
  readonly processed: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly deadLettered: number;
  readonly unprocessed: number;
  readonly interrupted: number;
  /** Never taken: a `post` answered false, a blocked send refused, a forward refused or aborted. */
  readonly returned: number;
  /** sent - (processed + dropped + rejected + dead-lettered + unprocessed + interrupted + returned). */
  readonly lost: number;
  readonly restarts: number;
  readonly graceful: boolean;
}

export interface HeapSample {
  /** ms since the traffic started. */
  readonly tMs: number;
  readonly heapUsed: number;
  readonly rss: number;
  /** Memory of C++ objects bound to JS objects (ArrayBuffers included), for diagnosis. */
  readonly external: number;
}

export interface SoakResult {
  readonly minutes: number;
  readonly seconds: number;
  readonly seed: number;
  readonly kernels: number;
  readonly workerKernels: number;
  /** Kernels also in a supervisor group (`--groups`). */
  readonly groupedKernels: number;
  /** Messages sent to kernels (driver, routes, sendTo, topic deliveries). */
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly processed: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly deadLettered: number;
  readonly unprocessed: number;
  readonly interrupted: number;
  readonly returned: number;
  readonly lost: number;
  readonly restarts: number;
  readonly escalated: number;
  readonly forcedTerminations: number;
  readonly deactivations: number;
  readonly publishes: number;
  readonly topicDeliveries: number;
  readonly forwards: number;
  readonly sendTos: number;
  readonly requests: { readonly answered: number; readonly timedOut: number; readonly failed: number };
  /** Replies that arrived after their request gave up, drained from output queues. */
  readonly lateReplies: number;
  /** Telemetry counters that disagreed with the events just before termination (should be empty). */
  readonly telemetryMismatches: readonly string[];
  /** Other broken expectations: a publish that missed a subscriber, operations that never settled. */
  readonly anomalies: readonly string[];
  readonly gcBeforeSample: boolean;
  readonly heapSlopeBytesPerMin: number;
  /** Standard error of that slope: the part sampling noise could explain. */
  readonly heapSlopeStandardErrorBytesPerMin: number;
  readonly rssSlopeBytesPerMin: number;
  /** Whether the heap slope was judged (runs of a minute or more; shorter ones are mostly warm-up). */
  readonly heapSlopeJudged: boolean;
  readonly maxHeapSlopeBytesPerMin: number;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly samples: readonly HeapSample[];
  readonly perKernel: readonly KernelAccount[];
}

type Shape = 'loop' | 'handler' | 'worker';

interface KernelSpec {
  readonly id: string;
  readonly shape: Shape;
  readonly backpressure: BackpressureStrategy;
  readonly queueSize: number;
  readonly supervised: boolean;
  readonly ttlMs: number | undefined;
  /** A route from this kernel (outputs of forwarded work go there). */
  route: string | undefined;
  /** Kernel-to-kernel sends (every 7th forwarded message). */
  sendTo: string | undefined;
  /** Topic group this kernel subscribes to (drop strategies only: publishing never waits). */
  topicGroup: number | undefined;
}

/** Counters of one kernel, filled by the driver, the kernels' code and the runtime's events. */
class Tally {
  /**
   * Kernel sends that waited for room here and gave up with a TimeoutError (a sender's life stopped:
   * its signal aborts with KernelTerminatingError): telemetry counts them as rejected, no event does.
   */
  gaveUpWhileBlocked = 0;
  sent = 0;
  processed = 0;
  dropped = 0;
  rejected = 0;
  deadLettered = 0;
  returned = 0;
  restarts = 0;
}

const TOPIC_GROUPS = 4;
const CRASH_RATE = 0.01;
const BURST = 64;
const MAX_PENDING_SENDS = 256;
const MAX_PENDING_REQUESTS = 256;
const REQUEST_TIMEOUT_MS = 500;
const TERMINATE_TIMEOUT_MS = 250;
const MINUTE_MS = 60_000;
/** The driver pauses this long before each memory sample, so queues drain and samples compare. */
const QUIET_MS = 20;
/** Supervised kernels also in a `restForOne` supervisor group. */
const GROUP_SIZE = 3;

type KernelTelemetrySnapshot = ReturnType<RingKernelRuntime['getTelemetry']>;

/** Deterministic 32-bit PRNG (mulberry32). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Least-squares slope of `y` over `x` (0 with fewer than two distinct x). */
export function leastSquaresSlope(points: readonly { x: number; y: number }[]): number {
  return leastSquaresFit(points).slope;
}

/** Least-squares line through the points: its slope and the slope's standard error. */
function leastSquaresFit(points: readonly { x: number; y: number }[]): {
  slope: number;
  standardError: number;
} {
  const n = points.length;
  if (n < 2) return { slope: 0, standardError: 0 };
  let sumX = 0;
  let sumY = 0;
  for (const { x, y } of points) {
    sumX += x;
    sumY += y;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let covariance = 0;
  let variance = 0;
  for (const { x, y } of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  if (variance === 0) return { slope: 0, standardError: 0 };
  const slope = covariance / variance;
  if (n < 3) return { slope, standardError: 0 };
  let residuals = 0;
  for (const { x, y } of points) residuals += (y - meanY - slope * (x - meanX)) ** 2;
  return { slope, standardError: Math.sqrt(residuals / (n - 2) / variance) };
}

/**
 * Slopes per minute of heap and RSS over the samples after the first 20% of the run (warm-up),
 * with the standard error of the heap slope (how much of it the sampling noise could explain).
 */
export function memorySlopes(
  samples: readonly HeapSample[],
  durationMs: number,
): { heapSlopeBytesPerMin: number; heapSlopeStandardErrorBytesPerMin: number; rssSlopeBytesPerMin: number } {
  const settled = samples.filter((sample) => sample.tMs >= 0.2 * durationMs);
  const heap = leastSquaresFit(settled.map((s) => ({ x: s.tMs, y: s.heapUsed })));
  return {
    heapSlopeBytesPerMin: heap.slope * MINUTE_MS,
    heapSlopeStandardErrorBytesPerMin: heap.standardError * MINUTE_MS,
    rssSlopeBytesPerMin: leastSquaresSlope(settled.map((s) => ({ x: s.tMs, y: s.rss }))) * MINUTE_MS,
  };
}

/** Why a soak failed (empty: it passed). The heap slope is judged only on runs of a minute or more. */
export function soakFailures(result: {
  lost: number;
  perKernel: readonly { kernelId: string; lost: number }[];
  telemetryMismatches: readonly string[];
  anomalies: readonly string[];
  heapSlopeBytesPerMin: number;
  maxHeapSlopeBytesPerMin: number;
  durationMs: number;
}): string[] {
  const failures: string[] = [];
  if (result.lost !== 0) {
    const kernels = result.perKernel.filter((kernel) => kernel.lost !== 0);
    failures.push(
      `${result.lost} message(s) unaccounted for (${kernels.map((k) => `${k.kernelId}: ${k.lost}`).join(', ')})`,
    );
  }
  for (const mismatch of result.telemetryMismatches) failures.push(`telemetry: ${mismatch}`);
  failures.push(...result.anomalies);
  if (result.durationMs >= MINUTE_MS && result.heapSlopeBytesPerMin > result.maxHeapSlopeBytesPerMin) {
    failures.push(
      `the heap grew ${(result.heapSlopeBytesPerMin / 2 ** 20).toFixed(2)} MiB/min after warm-up ` +
        `(limit ${(result.maxHeapSlopeBytesPerMin / 2 ** 20).toFixed(2)} MiB/min)`,
    );
  }
  return failures;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits `ms` or until `signal` aborts, whichever is first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs the soak: builds the kernels, drives random traffic for `durationMs` (send / post / request,
 * topics, routes, kernel-to-kernel sends, crashes of supervised kernels, deactivations), then
 * terminates everything (some kernels hang on purpose, so termination is forced for them) and
 * accounts for every message per kernel.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const durationMs = options.durationMs;
  const kernelCount = options.kernels ?? 32;
  const workerCount = options.workerKernels ?? 2;
  const seed = options.seed ?? 1;
  const sampleEveryMs =
    options.sampleEveryMs ?? (durationMs >= MINUTE_MS ? 500 : Math.max(100, durationMs / 20));
  const maxHeapSlope = options.maxHeapSlopeBytesPerMin ?? 2 ** 20;
  const log = options.log ?? (() => undefined);
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const gc = (globalThis as { gc?: () => void }).gc;

  // ------------------------------------------------------------------ topology
  const strategies: readonly BackpressureStrategy[] = ['block', 'reject', 'dropOldest', 'dropNewest'];
  const specs: KernelSpec[] = [];
  for (let index = 0; index < kernelCount; index++) {
    // Pairs of kernels (one loop, one handler) per strategy, so every strategy has both shapes.
    const backpressure = strategies[Math.floor(index / 2) % strategies.length]!;
    specs.push({
      id: `k${String(index).padStart(2, '0')}-${index % 2 === 0 ? 'loop' : 'handler'}-${backpressure}`,
      shape: index % 2 === 0 ? 'loop' : 'handler',
      backpressure,
      queueSize: pick([16, 64, 256]),
      supervised: index % 3 === 0,
      ttlMs: index % 11 === 5 ? 100 : undefined,
      route: undefined,
      sendTo: undefined,
      topicGroup: undefined,
    });
  }
  for (let index = 0; index < workerCount; index++) {
    const backpressure = index % 2 === 0 ? 'dropOldest' : 'reject';
    specs.push({
      id: `w${index}-worker-${backpressure}`,
      shape: 'worker',
      backpressure,
      queueSize: 256,
      supervised: false,
      ttlMs: undefined,
      route: undefined,
      sendTo: undefined,
      topicGroup: undefined,
    });
  }
  // Routes and sendTo only point to later kernels: no cycles, so no deadlock of full queues.
  for (let index = 0; index < kernelCount - 1; index++) {
    const spec = specs[index]!;
    if (random() < 0.5) spec.route = specs[index + 1 + Math.floor(random() * (specs.length - index - 1))]!.id;
    if (random() < 0.3)
      spec.sendTo = specs[index + 1 + Math.floor(random() * (specs.length - index - 1))]!.id;
  }
  for (const [index, spec] of specs.entries()) {
    if (spec.backpressure === 'dropOldest' || spec.backpressure === 'dropNewest')
      spec.topicGroup = index % TOPIC_GROUPS;
  }
  const byId = new Map(specs.map((spec) => [spec.id, spec]));
  const tallies = new Map(specs.map((spec) => [spec.id, new Tally()]));
  const tally = (id: string): Tally => tallies.get(id)!;
  const subscribersOf = Array.from({ length: TOPIC_GROUPS }, (_, group) =>
    specs.filter((spec) => spec.topicGroup === group).map((spec) => spec.id),
  );

  // ------------------------------------------------------------------ runtime and its events
  const runtime = new RingKernelRuntime();
  let escalated = 0;
  runtime.on('dropped', (event) => {
    if (event.queue === 'input') tally(event.kernelId).dropped++;
  });
  runtime.on('rejected', (event) => {
    if (event.queue === 'input') tally(event.kernelId).rejected++;
  });
  runtime.on('deadLetter', (letter) => tally(letter.kernelId).deadLettered++);
  runtime.on('kernelRestart', (event) => tally(event.kernelId).restarts++);
  runtime.on('escalated', () => escalated++);
  runtime.inspect(
    (event) => {
      if (event.type === 'processed') tally(event.kernelId).processed += event.count;
    },
    { types: ['processed'] },
  );

  // ------------------------------------------------------------------ the kernels' code
  let pendingKernelSends = 0;
  let forwards = 0;
  let sendTos = 0;
  const hanging = new Set<string>();
  let onHang: (() => void) | undefined;

  /** A kernel passes a message on: counted for the target, and returned to it if refused. */
  async function passOn(target: string, send: () => Promise<void>): Promise<void> {
    const counts = tally(target);
    counts.sent++;
    pendingKernelSends++;
    try {
      await send();
    } catch (error) {
      // Refused under 'reject': the target's `rejected` event counted it. Anything else (aborted by
      // termination, target failed or gone): the message never got in.
      if (!(error instanceof QueueFullError)) counts.returned++;
      if (error instanceof TimeoutError) counts.gaveUpWhileBlocked++;
    } finally {
      pendingKernelSends--;
    }
  }

  function forwardCopy(work: Work, target: string): Work {
    return Work.create({
      seq: work.seq,
      hop: 1,
      priority: work.priority,
      crash: byId.get(target)!.supervised && random() < CRASH_RATE,
    });
  }

  async function handleSlowly(work: Work, ctx: HandlerContext<Message>, spec: KernelSpec): Promise<void> {
    if (work.hang) {
      hanging.add(spec.id);
      onHang?.();
      await new Promise<never>(() => {}); // ignores termination: terminate must force-stop
    }
    if (work.pauseMs > 0) await pause(work.pauseMs, ctx.signal);
    if (work.reply) {
      // A reply nobody waits for any more (the request timed out) lands in the output queue.
      await ctx.send(Reply.reply(work, { seq: work.seq }), { signal: ctx.signal }).catch(() => undefined);
    }
    if (work.hop === 0 && spec.route !== undefined) {
      forwards++;
      const target = spec.route;
      await passOn(target, () => ctx.send(forwardCopy(work, target), { signal: ctx.signal }));
    }
    if (work.hop === 0 && spec.sendTo !== undefined && work.seq % 7 === 0) {
      sendTos++;
      const target = spec.sendTo;
      await passOn(target, () => ctx.sendTo(target, forwardCopy(work, target), { signal: ctx.signal }));
    }
  }

  /** One message: synchronous unless it has to wait (no promise per message on the common path). */
  function handle(work: Work, ctx: HandlerContext<Message>, spec: KernelSpec): void | Promise<void> {
    if (work.crash) throw new Error(`soak: crash on purpose (message ${work.seq})`);
    if (
      work.hang ||
      work.pauseMs > 0 ||
      (work.hop === 0 && (spec.route !== undefined || spec.sendTo !== undefined))
    ) {
      return handleSlowly(work, ctx, spec);
    }
    if (work.reply) return ctx.send(Reply.reply(work, { seq: work.seq }));
  }

  const supervision = {
    restart: 'permanent',
    maxRestarts: 100_000,
    withinMs: 1000,
    backoff: { type: 'fixed', initialMs: 0, jitter: 0 },
  } as const;

  function definitionOf(spec: KernelSpec): KernelDefinition {
    const kernelOptions: KernelOptions = {
      inputQueueSize: spec.queueSize,
      outputQueueSize: 4096, // late replies wait there for the periodic drain
      backpressure: spec.backpressure,
      terminateTimeout: TERMINATE_TIMEOUT_MS,
      ...(spec.supervised ? { supervision } : {}),
      ...(spec.ttlMs === undefined ? {} : { messageTtl: spec.ttlMs }),
    };
    switch (spec.shape) {
      case 'loop':
        return ringKernel<Message, Message>(kernelOptions, async (ctx) => {
          for await (const work of ctx) await handle(work as Work, ctx, spec);
        });
      case 'handler':
        return ringKernel<Message, Message>(kernelOptions, {
          onMessage: (work, ctx) => handle(work as Work, ctx, spec),
        });
      case 'worker':
        return workerKernel(new URL('./worker-kernel.ts', import.meta.url), {
          ...kernelOptions,
          messages: soakMessages,
        });
    }
  }

  for (const spec of specs) {
    await runtime.launch(spec.id, definitionOf(spec));
    await runtime.activate(spec.id);
  }
  // A few supervised kernels also form a group: a crash of one restarts it and those after it.
  const grouped = options.groups === true ? specs.filter((spec) => spec.supervised).slice(0, GROUP_SIZE) : [];
  if (grouped.length > 1) {
    runtime.supervise({
      name: 'soak-group',
      strategy: 'restForOne',
      kernels: grouped.map((spec) => spec.id),
      maxRestarts: supervision.maxRestarts,
      withinMs: supervision.withinMs,
      backoff: supervision.backoff,
    });
  }
  for (const spec of specs) {
    if (spec.route !== undefined)
      runtime.connect(spec.id, spec.route, { filter: (message) => Work.is(message) });
    if (spec.topicGroup !== undefined) runtime.subscribe(`soak.g${spec.topicGroup}.#`, spec.id);
  }

  // ------------------------------------------------------------------ memory samples
  const started = performance.now();
  const samples: HeapSample[] = [];
  const sample = () => {
    gc?.();
    const usage = process.memoryUsage();
    samples.push({
      tMs: performance.now() - started,
      heapUsed: usage.heapUsed,
      rss: usage.rss,
      external: usage.external,
    });
  };

  // ------------------------------------------------------------------ the driver
  let seq = 0;
  let pendingSends = 0;
  let pendingRequests = 0;
  let publishes = 0;
  let topicDeliveries = 0;
  let answered = 0;
  let timedOut = 0;
  let requestFailures = 0;
  let lateReplies = 0;
  let deactivations = 0;
  const paused = new Set<string>();
  const anomalies: string[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const eventLoopKernels = specs.filter((spec) => spec.shape !== 'worker');

  const driveOne = () => {
    const spec = pick(specs);
    if (runtime.getState(spec.id) === 'failed') return; // escalated: it takes nothing any more
    const counts = tally(spec.id);
    const roll = random();
    const canRequest = spec.backpressure !== 'block' && pendingRequests < MAX_PENDING_REQUESTS;
    const op = roll < 0.5 ? 'post' : roll < 0.8 || !canRequest ? 'send' : 'request';
    const work = Work.create({
      seq: seq++,
      priority: pick([0, 64, 128, 128, 128, 200, 255]),
      reply: op === 'request',
      crash: spec.supervised && random() < CRASH_RATE,
      pauseMs: spec.shape !== 'worker' && random() < 0.001 ? 1 + Math.floor(random() * 20) : 0,
    });
    if (op === 'send' && spec.backpressure === 'block' && pendingSends >= MAX_PENDING_SENDS) return;
    counts.sent++;
    if (op === 'post') {
      try {
        if (!runtime.post(spec.id, work)) counts.returned++;
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
      }
    } else if (op === 'send') {
      pendingSends++;
      runtime.send(spec.id, work).then(
        () => pendingSends--,
        (error: unknown) => {
          pendingSends--;
          if (!(error instanceof QueueFullError)) counts.returned++;
        },
      );
    } else {
      pendingRequests++;
      runtime.request(spec.id, work, { timeout: REQUEST_TIMEOUT_MS }).then(
        () => {
          pendingRequests--;
          answered++;
        },
        (error: unknown) => {
          pendingRequests--;
          // The message got in (dropped, queued, processed late, or listed at termination): only
          // a QueueFullError means it did not, and the rejected event counted that.
          if (error instanceof QueueFullError) return;
          if (error instanceof Error && error.name === 'TimeoutError') timedOut++;
          else requestFailures++;
        },
      );
    }
  };

  const publishOne = () => {
    const group = Math.floor(random() * TOPIC_GROUPS);
    const subscribers = subscribersOf[group]!;
    for (const id of subscribers) tally(id).sent++;
    publishes++;
    topicDeliveries += subscribers.length;
    const work = Work.create({ seq: seq++, priority: 128 });
    runtime.publish(`soak.g${group}.reading`, work).then(
      (reached) => {
        if (reached !== subscribers.length)
          anomalies.push(`a publish reached ${reached} of ${subscribers.length} subscribers`);
      },
      (error: unknown) => anomalies.push(`a publish to drop-strategy subscribers failed: ${String(error)}`),
    );
  };

  const toggleOne = () => {
    if (paused.size >= 3) return;
    const spec = pick(eventLoopKernels);
    if (paused.has(spec.id) || runtime.getState(spec.id) !== 'active') return;
    paused.add(spec.id);
    deactivations++;
    runtime.deactivate(spec.id).catch(() => undefined);
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        paused.delete(spec.id);
        if (runtime.getState(spec.id) === 'deactivated') runtime.reactivate(spec.id).catch(() => undefined);
      },
      20 + Math.floor(random() * 280),
    );
    timers.add(timer);
  };

  const drainOutputs = () => {
    for (const spec of specs) lateReplies += runtime.receiveAvailable(spec.id).length;
    runtime.deadLetters.clear(); // counted through the events; kept from piling up
  };

  sample();
  const logEvery = Math.max(1, Math.round(5000 / sampleEveryMs));
  let nextSample = started + sampleEveryMs;
  let lastToggle = started;
  const deadline = started + durationMs;
  while (performance.now() < deadline) {
    for (let index = 0; index < BURST; index++) driveOne();
    if (random() < 0.25) publishOne();
    const now = performance.now();
    if (now - lastToggle >= 50) {
      lastToggle = now;
      toggleOne();
    }
    if (now >= nextSample) {
      nextSample += sampleEveryMs;
      await sleep(QUIET_MS);
      drainOutputs();
      sample();
      const last = samples[samples.length - 1]!;
      let sent = 0;
      for (const counts of tallies.values()) sent += counts.sent;
      if ((samples.length - 1) % logEvery === 0)
        log(
          `${(last.tMs / 1000).toFixed(1).padStart(6)} s  messages ${sent.toLocaleString('en-US')}  ` +
            `heap ${(last.heapUsed / 2 ** 20).toFixed(1)} MiB  rss ${(last.rss / 2 ** 20).toFixed(1)} MiB`,
        );
    }
    await turn();
  }
  const trafficMs = performance.now() - started;
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  for (const id of paused)
    if (runtime.getState(id) === 'deactivated') runtime.reactivate(id).catch(() => undefined);
  paused.clear();
  drainOutputs();
  sample();

  // ------------------------------------------------------------------ forced terminations
  // A few kernels get a message they never finish: terminate has to force-stop them.
  // Only dropOldest ones, where a message of priority 255 always gets in, and no supervised ones: a
  // group restart that has to force-stop a hung member loses the message it holds (see
  // test/reliability/restarts.test.ts), which would fail every soak that happens to hit it.
  const hangTargets = eventLoopKernels
    .filter(
      (spec) =>
        !spec.supervised && spec.backpressure === 'dropOldest' && runtime.getState(spec.id) === 'active',
    )
    .slice(0, 3);
  if (hangTargets.length !== 0) {
    const hung = new Promise<void>((resolve) => {
      onHang = () => {
        if (hanging.size === hangTargets.length) resolve();
      };
    });
    for (const spec of hangTargets) {
      tally(spec.id).sent++;
      try {
        if (!runtime.post(spec.id, Work.create({ seq: seq++, priority: 255, hang: true })))
          tally(spec.id).returned++;
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
      }
    }
    // Best effort: a hang message that was dropped, or sits behind a slow queue, just does not hang.
    await Promise.race([hung, sleep(2000)]);
  }

  // ------------------------------------------------------------------ terminate and account
  const snapshots = new Map<string, KernelTelemetrySnapshot>();
  const processedAtSnapshot = new Map<string, number>();
  for (const spec of specs) {
    snapshots.set(spec.id, runtime.getTelemetry(spec.id));
    processedAtSnapshot.set(spec.id, tally(spec.id).processed);
  }
  const telemetryMismatches: string[] = [];
  for (const spec of specs) {
    const snapshot = snapshots.get(spec.id)!;
    const counts = tally(spec.id);
    const check = (what: string, telemetry: number, events: number) => {
      if (telemetry !== events)
        telemetryMismatches.push(`${spec.id}: ${what} ${telemetry} in telemetry, ${events} by events`);
    };
    check('processed', snapshot.messagesProcessed, processedAtSnapshot.get(spec.id)!);
    check('dropped', snapshot.messagesDropped, counts.dropped);
    check('rejected', snapshot.messagesRejected, counts.rejected + counts.gaveUpWhileBlocked);
    check('restarts', snapshot.restarts, counts.restarts);
  }
  const reports = new Map<string, TerminationReport>();
  for (const report of await runtime.terminateAll()) reports.set(report.kernelId, report);
  // What is still in flight settles now: blocked sends refused, forwards aborted, requests rejected.
  const settleDeadline = performance.now() + 10_000;
  while (pendingSends + pendingRequests + pendingKernelSends !== 0 && performance.now() < settleDeadline)
    await sleep(5);
  const unsettled = pendingSends + pendingRequests + pendingKernelSends;
  if (unsettled !== 0) anomalies.push(`${unsettled} send(s), request(s) or forward(s) never settled`);
  sample();

  const perKernel: KernelAccount[] = specs.map((spec) => {
    const counts = tally(spec.id);
    const report = reports.get(spec.id);
    const unprocessed = report?.unprocessedInputs.length ?? 0;
    const interrupted = report?.interruptedInputs.length ?? 0;
    const accounted =
      counts.processed +
      counts.dropped +
      counts.rejected +
      counts.deadLettered +
      unprocessed +
      interrupted +
      counts.returned;
    return {
      kernelId: spec.id,
      shape: spec.shape,
      backpressure: spec.backpressure,
      supervised: spec.supervised,
      sent: counts.sent,
      processed: counts.processed,
      dropped: counts.dropped,
      rejected: counts.rejected,
      deadLettered: counts.deadLettered,
      unprocessed,
      interrupted,
      returned: counts.returned,
      lost: counts.sent - accounted,
      restarts: counts.restarts,
      graceful: report?.graceful ?? false,
    };
  });
  const sum = (field: keyof KernelAccount) =>
    perKernel.reduce((total, kernel) => total + (kernel[field] as number), 0);
  const { heapSlopeBytesPerMin, heapSlopeStandardErrorBytesPerMin, rssSlopeBytesPerMin } = memorySlopes(
    samples.filter((s) => s.tMs <= trafficMs + 1),
    trafficMs,
  );
  const lost = perKernel.reduce((total, kernel) => total + Math.abs(kernel.lost), 0);
  const failures = soakFailures({
    lost,
    perKernel,
    telemetryMismatches,
    anomalies,
    heapSlopeBytesPerMin,
    maxHeapSlopeBytesPerMin: maxHeapSlope,
    durationMs,
  });
  const messages = sum('sent');
  return {
    minutes: durationMs / MINUTE_MS,
    seconds: durationMs / 1000,
    seed,
    kernels: kernelCount,
    workerKernels: workerCount,
    groupedKernels: grouped.length,
    messages,
    messagesPerSecond: Math.round(messages / (trafficMs / 1000)),
    processed: sum('processed'),
    dropped: sum('dropped'),
    rejected: sum('rejected'),
    deadLettered: sum('deadLettered'),
    unprocessed: sum('unprocessed'),
    interrupted: sum('interrupted'),
    returned: sum('returned'),
    lost,
    restarts: sum('restarts'),
    escalated,
    forcedTerminations: perKernel.filter((kernel) => !kernel.graceful).length,
    deactivations,
    publishes,
    topicDeliveries,
    forwards,
    sendTos,
    requests: { answered, timedOut, failed: requestFailures },
    lateReplies,
    telemetryMismatches,
    anomalies,
    gcBeforeSample: gc !== undefined,
    heapSlopeBytesPerMin: Math.round(heapSlopeBytesPerMin),
    heapSlopeStandardErrorBytesPerMin: Math.round(heapSlopeStandardErrorBytesPerMin),
    rssSlopeBytesPerMin: Math.round(rssSlopeBytesPerMin),
    heapSlopeJudged: durationMs >= MINUTE_MS,
    maxHeapSlopeBytesPerMin: maxHeapSlope,
    ok: failures.length === 0,
    failures,
    samples,
    perKernel,
  };
}
