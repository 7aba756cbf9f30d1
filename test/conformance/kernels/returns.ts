import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, type Work } from '../messages.js';

/** Answers one message and returns on its own, without being terminated. */
export default async function returns(ctx: KernelContext<Work, Outcome>): Promise<void> {
  const work = await ctx.receive();
  await ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq }));
}

/** The handler shape: answers one message and exits on its own. */
export const handlers: MessageHandlers<Work, Outcome> = {
  onMessage(work, ctx) {
    ctx.exit();
    return ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq }));
  },
};
