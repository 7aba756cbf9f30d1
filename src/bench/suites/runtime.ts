import type { Message } from '../../messages/types.js';
import { Mailbox } from '../../queues/mailbox.js';
import { RingKernelRuntime } from '../../runtime/runtime.js';
import {
  BenchEcho as Echo,
  type BenchEcho as EchoMessage,
  echoKernel,
  forwardingKernel,
  templateEchoKernel,
} from '../echo-kernels.js';
import { ringKernel } from '../../runtime/ring-kernel.js';
import { percentileOfSorted, repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * The runtime measured the way the baseline suite measures bare promises: RTT = sequential
 * `request()` round trips through one echo kernel, each timed with performance.now();
 * throughput = a sender awaiting `send()` for every message while a receiver awaits `receive()`
 * for every reply, concurrently. The echo kernel is the guide's template loop and answers with a
 * real message (`Echo.reply`, a fresh UUID each), so the figures include creating replies.
 * Requests are created before timing starts. `runtime.throughput_forwarding` runs the same
 * measurement with a kernel that hands each request back as its own reply: the runtime's cost
 * without creating messages.
 */

const SIZES = {
  full: {
    roundTrips: 10_000,
    messages: 100_000,
    mailboxOps: 2_000_000,
    posts: 1_000_000,
    blockedSenders: 100_000,
    warmupRuns: 2,
    runs: 7,
  },
  quick: {
    roundTrips: 300,
    messages: 3_000,
    mailboxOps: 20_000,
    posts: 20_000,
    // Kept at the full size in quick mode too: the figure names carry the count.
    blockedSenders: 100_000,
    warmupRuns: 1,
    runs: 2,
  },
} as const;

/** The guide's template loop (`runtime.loop.rtt.*`, `runtime.throughput.*`). */
const loopEcho = templateEchoKernel({ kernelId: 'echo' });
/** The handler-kernel echo of the echo method (`runtime.rtt.*`). */
const handlerEcho = echoKernel({ kernelId: 'echo' });
/** The same echo handing the request itself back: what the runtime costs without creating a reply. */
const forwardingEcho = forwardingKernel({ kernelId: 'echo' });

async function withEcho<T>(work: (runtime: RingKernelRuntime) => Promise<T>, kernel = loopEcho): Promise<T> {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('echo', kernel);
    await runtime.activate('echo');
    return await work(runtime);
  } finally {
    await runtime.terminateAll();
  }
}

async function measureRoundTrips(
  roundTrips: number,
  kernel = handlerEcho,
): Promise<{ p50: number; p99: number }> {
  const requests = Array.from({ length: roundTrips }, (_, value) => Echo.create({ value }));
  return withEcho(async (runtime) => {
    const samples = new Float64Array(roundTrips);
    for (let index = 0; index < roundTrips; index++) {
      const start = performance.now();
      const reply = await runtime.request<Message & { value: number }>('echo', requests[index]!);
      samples[index] = performance.now() - start;
      if (reply.value !== index) throw new Error(`echo answered ${reply.value} to request ${index}`);
    }
    samples.sort();
    return { p50: percentileOfSorted(samples, 50) * 1000, p99: percentileOfSorted(samples, 99) * 1000 };
  }, kernel);
}

/** A handler kernel that counts; a message with value < 0 asks for the count. */
const counterKernel = ringKernel<EchoMessage, EchoMessage, { count: number }>(
  { kernelId: 'counter', queueSize: 65_536 },
  {
    init: () => ({ count: 0 }),
    onMessage(message, ctx, state) {
      if (message.value < 0) return ctx.send(Echo.reply(message, { value: state.count }));
      state.count++;
      return undefined;
    },
  },
);

/**
 * `posts` messages posted (`runtime.post`; `send` when the queue is full) into a handler kernel that
 * counts them; a request at the end returns the count. Messages per second, first post to reply.
 */
async function measurePosts(posts: number): Promise<{ msgsPerSecond: number }> {
  const messages = Array.from({ length: posts }, (_, value) => Echo.create({ value }));
  return withEcho(async (runtime) => {
    const start = performance.now();
    for (const message of messages) {
      if (!runtime.post('echo', message)) await runtime.send('echo', message);
    }
    const counted = (await runtime.request<Message & { value: number }>('echo', Echo.create({ value: -1 })))
      .value;
    const elapsedMs = performance.now() - start;
    if (counted !== posts) throw new Error(`${posts} posts, the kernel counted ${counted}`);
    return { msgsPerSecond: posts / (elapsedMs / 1000) };
  }, counterKernel);
}

/**
 * `senders` sends blocked at once on a full queue (capacity 4,096, backpressure 'block'), then
 * a consumer takes every message: ms from the first send to the last one admitted. Linear time is
 * the point (waiters form an O(1) queue): compare 100k with 200k.
 */
async function measureBlockedSenders(senders: number): Promise<{ ms: number }> {
  const mailbox = new Mailbox<Message>({
    name: 'bench',
    capacity: 4096,
    backpressure: 'block',
    priorityOf: (message) => message.priority,
  });
  const message = Echo.create({ value: 0 });
  const start = performance.now();
  const sends: Promise<void>[] = new Array<Promise<void>>(senders);
  for (let index = 0; index < senders; index++) sends[index] = mailbox.offer(message);
  let taken = 0;
  while (taken < senders) {
    if (mailbox.takeNow() !== undefined) taken++;
  }
  await Promise.all(sends);
  return { ms: performance.now() - start };
}

async function measureThroughput(messages: number, kernel = loopEcho): Promise<{ msgsPerSecond: number }> {
  const requests = Array.from({ length: messages }, (_, value) => Echo.create({ value }));
  return withEcho(async (runtime) => {
    const start = performance.now();
    const sender = (async () => {
      for (const request of requests) await runtime.send('echo', request);
    })();
    let checksum = 0;
    for (let index = 0; index < messages; index++) {
      checksum += (await runtime.receive<Message & { value: number }>('echo')).value;
    }
    await sender;
    const elapsedMs = performance.now() - start;
    const expected = (messages * (messages - 1)) / 2;
    if (checksum !== expected) throw new Error(`echo replies sum to ${checksum}, expected ${expected}`);
    return { msgsPerSecond: messages / (elapsedMs / 1000) };
  }, kernel);
}

/** One offer plus one poll on a half-full mailbox with mixed priorities, in ns. */
function measureMailbox(operations: number): { ns: number } {
  const capacity = 1024;
  const mailbox = new Mailbox<Message>({
    name: 'bench',
    capacity,
    backpressure: 'reject',
    priorityOf: (message) => message.priority,
  });
  const messages = Array.from({ length: 256 }, (_, index) =>
    Echo.create({ value: index, priority: (index * 37) & 255 }),
  );
  for (let index = 0; index < capacity / 2; index++) mailbox.offerNow(messages[index & 255]!);
  const start = performance.now();
  for (let index = 0; index < operations; index++) {
    mailbox.offerNow(messages[index & 255]!);
    mailbox.takeNow();
  }
  return { ns: ((performance.now() - start) * 1e6) / operations };
}

export const runtimeSuite: BenchSuite = {
  name: 'runtime',
  description:
    'event-loop ring kernels: request RTT (handler and loop), post throughput, echo throughput, mailbox offer+poll and blocked senders',
  resultPrefixes: ['mailbox.'],
  async run(context: BenchContext): Promise<BenchResult[]> {
    const size = context.quick ? SIZES.quick : SIZES.full;
    const options = { warmupRuns: size.warmupRuns, runs: size.runs };
    const total = 8 * (size.warmupRuns + size.runs);
    let done = 0;
    const onRun = () => context.progress(++done / total);
    const rtt = await repeat(() => measureRoundTrips(size.roundTrips), { ...options, onRun });
    const loopRtt = await repeat(() => measureRoundTrips(size.roundTrips, loopEcho), { ...options, onRun });
    const posts = await repeat(() => measurePosts(size.posts), { ...options, onRun });
    const blocked = await repeat(() => measureBlockedSenders(size.blockedSenders), { ...options, onRun });
    const blockedTwice = await repeat(() => measureBlockedSenders(2 * size.blockedSenders), {
      ...options,
      onRun,
    });
    const throughput = await repeat(() => measureThroughput(size.messages), { ...options, onRun });
    const forwarding = await repeat(() => measureThroughput(size.messages, forwardingEcho), {
      ...options,
      onRun,
    });
    const mailbox = await repeat(() => measureMailbox(size.mailboxOps), { ...options, onRun });
    return [
      { name: 'runtime.rtt.p50_us', value: rtt.medians.p50, unit: 'us' },
      { name: 'runtime.rtt.p99_us', value: rtt.medians.p99, unit: 'us' },
      { name: 'runtime.loop.rtt.p50_us', value: loopRtt.medians.p50, unit: 'us' },
      { name: 'runtime.loop.rtt.p99_us', value: loopRtt.medians.p99, unit: 'us' },
      { name: 'runtime.post.msgs_per_s', value: posts.medians.msgsPerSecond, unit: 'msgs/s' },
      { name: 'runtime.throughput.msgs_per_s', value: throughput.medians.msgsPerSecond, unit: 'msgs/s' },
      {
        name: 'runtime.throughput_forwarding.msgs_per_s',
        value: forwarding.medians.msgsPerSecond,
        unit: 'msgs/s',
      },
      { name: 'mailbox.offer_poll.ns', value: mailbox.medians.ns, unit: 'ns' },
      {
        name: `mailbox.blocked_senders_${size.blockedSenders / 1000}k.ms`,
        value: blocked.medians.ms,
        unit: 'ms',
      },
      {
        name: `mailbox.blocked_senders_${(2 * size.blockedSenders) / 1000}k.ms`,
        value: blockedTwice.medians.ms,
        unit: 'ms',
      },
    ];
  },
};
