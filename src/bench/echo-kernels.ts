import { defineMessage, field, type MessageOf } from '../messages/index.js';
import { ringKernel, type KernelDefinition, type KernelOptions } from '../runtime/index.js';

/*
 * Every event-loop echo kernel the benchmarks launch, in one place. When the runtime gains another
 * kernel shape (a handler kernel answering with a return value, say), switching the request and
 * many-kernels figures to it is a change to `echoKernel` below; the suites only call these
 * factories.
 */

/** The request and reply of every event-loop echo benchmark. */
export const BenchEcho = defineMessage('BenchEcho', { value: field.f64() });
export type BenchEcho = MessageOf<typeof BenchEcho>;

/**
 * The echo kernel of the echo method (`runtime.request.*`, `runtime.fanout_10k.*`,
 * `runtime.launch_us`, `runtime.kernel_heap_bytes`, `runtime.rtt.*`): a handler kernel answering
 * each request with a real reply (`BenchEcho.reply`, which draws a fresh UUID).
 */
export function echoKernel(options: KernelOptions = {}): KernelDefinition<BenchEcho, BenchEcho> {
  return ringKernel<BenchEcho, BenchEcho>(options, {
    onMessage: (request, ctx) => ctx.send(BenchEcho.reply(request, { value: request.value })),
  });
}

/** The same echo as a loop kernel (`for await`): `runtime.loop.*` figures. */
export function loopEchoKernel(options: KernelOptions = {}): KernelDefinition<BenchEcho, BenchEcho> {
  return ringKernel<BenchEcho, BenchEcho>(options, async (ctx) => {
    for await (const request of ctx) await ctx.send(BenchEcho.reply(request, { value: request.value }));
  });
}

/**
 * The guide's template loop (`waitActive` / `tryReceive` with a timeout), answering with
 * `BenchEcho.reply`: `runtime.rtt.*` and `runtime.throughput.*`.
 */
export function templateEchoKernel(options: KernelOptions = {}): KernelDefinition<BenchEcho, BenchEcho> {
  return ringKernel<BenchEcho, BenchEcho>(options, async (ctx) => {
    while (!ctx.shouldTerminate) {
      if (!ctx.isActive) {
        await ctx.waitActive();
        continue;
      }
      const request = await ctx.tryReceive({ timeout: 100 });
      if (request === undefined) continue;
      await ctx.send(BenchEcho.reply(request, { value: request.value }));
    }
  });
}

/**
 * Hands each request back as its own reply: what the runtime costs without creating a message
 * (`runtime.throughput_forwarding.*`).
 */
export function forwardingKernel(options: KernelOptions = {}): KernelDefinition<BenchEcho, BenchEcho> {
  return ringKernel<BenchEcho, BenchEcho>(options, async (ctx) => {
    for await (const request of ctx) await ctx.send(request);
  });
}
