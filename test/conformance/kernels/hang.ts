import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, type Work } from '../messages.js';

/**
 * Takes one message, answers it with `ready`, then waits forever, ignoring termination: terminate has
 * to force-stop it after its timeout.
 */
export default async function hang(ctx: KernelContext<Work, Outcome>): Promise<void> {
  const first = await ctx.receive();
  await ctx.send(Outcome.reply(first, { kind: 'ready', seq: first.seq }));
  // A promise that never settles keeps no timer or handle alive, so a force-stopped event-loop kernel
  // does not hold the process open.
  await new Promise<never>(() => {});
}

/** The handler shape: answers the first message with `ready`, then never returns. */
export const handlers: MessageHandlers<Work, Outcome> = {
  async onMessage(first, ctx) {
    await ctx.send(Outcome.reply(first, { kind: 'ready', seq: first.seq }));
    await new Promise<never>(() => {});
  },
};
