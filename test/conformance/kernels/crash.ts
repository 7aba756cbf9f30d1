import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, type Work } from '../messages.js';

/** Replies like `echo`, but throws (never catching) when a message asks for `action: 'crash'`. */
export default async function crash(ctx: KernelContext<Work, Outcome>): Promise<void> {
  for await (const work of ctx) {
    if (work.action === 'crash') throw new Error(`crash requested: ${work.text}`);
    await ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq, text: work.text }));
  }
}

/** The handler shape: replies, but throws when a message asks for `action: 'crash'`. */
export const handlers: MessageHandlers<Work, Outcome> = {
  onMessage(work, ctx) {
    if (work.action === 'crash') throw new Error(`crash requested: ${work.text}`);
    return ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq, text: work.text }));
  },
};
