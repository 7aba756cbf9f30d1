import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, type Work } from '../messages.js';

/** Replies to every message (same `seq` and `text`), iterating with `for await` through deactivation. */
export default async function echo(ctx: KernelContext<Work, Outcome>): Promise<void> {
  for await (const work of ctx) {
    await ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq, text: work.text }));
  }
}

/** The handler shape: replies to every message. */
export const handlers: MessageHandlers<Work, Outcome> = {
  onMessage: (work, ctx) => ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq, text: work.text })),
};
