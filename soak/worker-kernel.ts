import type { KernelContext } from '../src/runtime/index.js';
import { Reply, type Work } from './messages.js';

export { messages } from './messages.js';

/** The soak's worker-thread kernel: answers requests, consumes the rest. */
export default async function soakWorker(ctx: KernelContext<Work, Reply>): Promise<void> {
  for await (const work of ctx) {
    if (work.reply) await ctx.send(Reply.reply(work, { seq: work.seq }));
  }
}
