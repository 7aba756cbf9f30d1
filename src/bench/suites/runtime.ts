import type { Message } from '../../messages/types.js';
import { Mailbox } from '../../queues/mailbox.js';
import { RingKernelRuntime } from '../../runtime/runtime.js';
import { BenchEcho as Echo, forwardingKernel, templateEchoKernel } from '../echo-kernels.js';
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
  full: { roundTrips: 10_000, messages: 100_000, mailboxOps: 2_000_000, warmupRuns: 2, runs: 7 },
  quick: { roundTrips: 300, messages: 3_000, mailboxOps: 20_000, warmupRuns: 1, runs: 2 },
} as const;

const echoKernel = templateEchoKernel({ kernelId: 'echo' });
/** The same echo handing the request itself back: what the runtime costs without creating a reply. */
const forwardingEcho = forwardingKernel({ kernelId: 'echo' });

async function withEcho<T>(
  work: (runtime: RingKernelRuntime) => Promise<T>,
  kernel = echoKernel,
): Promise<T> {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('echo', kernel);
    await runtime.activate('echo');
    return await work(runtime);
  } finally {
    await runtime.terminateAll();
  }
}

async function measureRoundTrips(roundTrips: number): Promise<{ p50: number; p99: number }> {
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
  });
}

async function measureThroughput(messages: number, kernel = echoKernel): Promise<{ msgsPerSecond: number }> {
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
  description: 'event-loop ring kernel: request RTT, echo throughput, mailbox offer+poll',
  resultPrefixes: ['mailbox.'],
  async run(context: BenchContext): Promise<BenchResult[]> {
    const size = context.quick ? SIZES.quick : SIZES.full;
    const options = { warmupRuns: size.warmupRuns, runs: size.runs };
    const total = 4 * (size.warmupRuns + size.runs);
    let done = 0;
    const onRun = () => context.progress(++done / total);
    const rtt = await repeat(() => measureRoundTrips(size.roundTrips), { ...options, onRun });
    const throughput = await repeat(() => measureThroughput(size.messages), { ...options, onRun });
    const forwarding = await repeat(() => measureThroughput(size.messages, forwardingEcho), {
      ...options,
      onRun,
    });
    const mailbox = await repeat(() => measureMailbox(size.mailboxOps), { ...options, onRun });
    return [
      { name: 'runtime.rtt.p50_us', value: rtt.medians.p50, unit: 'us' },
      { name: 'runtime.rtt.p99_us', value: rtt.medians.p99, unit: 'us' },
      { name: 'runtime.throughput.msgs_per_s', value: throughput.medians.msgsPerSecond, unit: 'msgs/s' },
      {
        name: 'runtime.throughput_forwarding.msgs_per_s',
        value: forwarding.medians.msgsPerSecond,
        unit: 'msgs/s',
      },
      { name: 'mailbox.offer_poll.ns', value: mailbox.medians.ns, unit: 'ns' },
    ];
  },
};
