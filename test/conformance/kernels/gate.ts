import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, type Work } from '../messages.js';

/**
 * Takes one message, answers it with `ready`, then stops taking input until terminate aborts its
 * signal: the input queue fills up deterministically while the kernel is active. On shutdown it
 * sends `cleanup`.
 */
export default async function gate(ctx: KernelContext<Work, Outcome>): Promise<void> {
  const first = await ctx.receive();
  await ctx.send(Outcome.reply(first, { kind: 'ready', seq: first.seq }));
  if (!ctx.signal.aborted) {
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  await ctx.send(Outcome.create({ kind: 'cleanup', seq: first.seq }));
}

/** The handler shape: answers the first message with `ready`, then holds it until terminate, then sends `cleanup`. */
export const handlers: MessageHandlers<Work, Outcome> = {
  async onMessage(first, ctx) {
    await ctx.send(Outcome.reply(first, { kind: 'ready', seq: first.seq }));
    if (!ctx.signal.aborted) {
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    await ctx.send(Outcome.create({ kind: 'cleanup', seq: first.seq }));
  },
};
