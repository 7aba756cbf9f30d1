import { defineMessage, field } from '../../messages/index.js';
import type { Message } from '../../messages/types.js';
import { RingKernelRuntime } from '../../runtime/runtime.js';
import { ringKernel } from '../../runtime/ring-kernel.js';
import { repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * Kernel-to-kernel routing, measured end to end in one process.
 * - k2k.hop_ns: messages pushed through a chain of forwarding kernels joined by routes; the cost of
 *   one hop is the time difference between a 9-kernel and a 1-kernel chain, over 8 hops per message.
 * - pipeline.throughput.msgs_per_s: the guide's normalize → score → classify pipeline (each stage
 *   creates a new message), sender and receiver concurrent.
 */

const Reading = defineMessage('BenchReading', { value: field.f64() });
const Normalized = defineMessage('BenchNormalized', { value: field.f64() });
const Scored = defineMessage('BenchScored', { score: field.f64() });
const Classified = defineMessage('BenchClassified', { level: field.enum(['low', 'medium', 'high']) });

const SIZES = {
  full: { messages: 100_000, warmupRuns: 2, runs: 7 },
  quick: { messages: 2_000, warmupRuns: 1, runs: 2 },
} as const;

const forwarder = (next: string | undefined) =>
  ringKernel<Message, Message>({ routes: next === undefined ? undefined : [next] }, async (ctx) => {
    for await (const message of ctx) await ctx.send(message);
  });

/** Milliseconds to push `messages` through a chain of `length` forwarding kernels. */
async function chain(length: number, messages: readonly Message[]): Promise<number> {
  const runtime = new RingKernelRuntime({ telemetry: false });
  try {
    const ids = Array.from({ length }, (_, index) => `hop${index}`);
    for (const [index, id] of ids.entries()) await runtime.launch(id, forwarder(ids[index + 1]));
    for (const id of ids) await runtime.activate(id);
    const last = ids[ids.length - 1]!;
    const start = performance.now();
    const sender = (async () => {
      for (const message of messages) await runtime.send('hop0', message);
    })();
    for (let index = 0; index < messages.length; index++) await runtime.receive(last);
    await sender;
    return performance.now() - start;
  } finally {
    await runtime.terminateAll();
  }
}

async function pipelineThroughput(readings: readonly Message[]): Promise<number> {
  const runtime = new RingKernelRuntime({ telemetry: false });
  try {
    const pipeline = await runtime
      .pipeline('bench')
      .stage('normalize', (reading: ReturnType<typeof Reading.create>) =>
        Normalized.create({ value: Math.min(1, Math.max(0, reading.value / 100)) }),
      )
      .stage('score', (normalized: ReturnType<typeof Normalized.create>) =>
        Scored.create({ score: normalized.value ** 2 }),
      )
      .stage('classify', (scored: ReturnType<typeof Scored.create>) =>
        Classified.create({ level: scored.score < 0.3 ? 'low' : scored.score < 0.7 ? 'medium' : 'high' }),
      )
      .start();
    const start = performance.now();
    const sender = (async () => {
      for (const reading of readings) await pipeline.send(reading);
    })();
    for (let index = 0; index < readings.length; index++) await pipeline.receive();
    await sender;
    return readings.length / ((performance.now() - start) / 1000);
  } finally {
    await runtime.terminateAll();
  }
}

export const coordinationSuite: BenchSuite = {
  name: 'coordination',
  description: 'kernel-to-kernel route hop cost and 3-stage pipeline throughput',
  resultPrefixes: ['k2k.', 'pipeline.'],
  async run(context: BenchContext): Promise<BenchResult[]> {
    const size = context.quick ? SIZES.quick : SIZES.full;
    const options = { warmupRuns: size.warmupRuns, runs: size.runs };
    const total = 2 * (size.warmupRuns + size.runs);
    let done = 0;
    const onRun = () => context.progress(++done / total);
    const messages = Array.from({ length: size.messages }, (_, value) =>
      Reading.create({ value: value % 120 }),
    );
    const hops = await repeat(
      async () => {
        const one = await chain(1, messages);
        const nine = await chain(9, messages);
        return { hopNs: ((nine - one) * 1e6) / (8 * messages.length) };
      },
      { ...options, onRun },
    );
    const pipeline = await repeat(async () => ({ msgsPerSecond: await pipelineThroughput(messages) }), {
      ...options,
      onRun,
    });
    return [
      { name: 'k2k.hop_ns', value: hops.medians.hopNs, unit: 'ns' },
      { name: 'pipeline.throughput.msgs_per_s', value: pipeline.medians.msgsPerSecond, unit: 'msgs/s' },
    ];
  },
};
