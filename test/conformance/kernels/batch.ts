import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, RECORD_PRIORITY, type Work } from '../messages.js';

/** The guide's "process multiple messages per iteration": one `batch` output per `receiveBatch(4)`. */
export default async function batch(ctx: KernelContext<Work, Outcome>): Promise<void> {
  while (!ctx.shouldTerminate) {
    const items = await ctx.receiveBatch(4).catch((error: unknown) => {
      if (ctx.shouldTerminate) return [];
      throw error;
    });
    if (items.length === 0) continue;
    await ctx.send(
      Outcome.create({ kind: 'batch', seqs: items.map((work) => work.seq), priority: RECORD_PRIORITY }),
    );
  }
}

/** The handler shape: `onBatch` with up to 4 messages, one `batch` output per call. */
export const handlers: MessageHandlers<Work, Outcome> = {
  maxBatch: 4,
  onBatch: (items, ctx) =>
    ctx.send(
      Outcome.create({ kind: 'batch', seqs: items.map((work) => work.seq), priority: RECORD_PRIORITY }),
    ),
};
