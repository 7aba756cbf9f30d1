import { TimeoutError } from '../../../src/errors.js';
import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, RECORD_PRIORITY, type Work } from '../messages.js';

/**
 * The guide's template loop. For each message it sends an uncorrelated `processed` record at one fixed
 * priority, so the output queue hands the records out in the order the kernel processed the inputs.
 */
export default async function recorder(ctx: KernelContext<Work, Outcome>): Promise<void> {
  while (!ctx.shouldTerminate) {
    if (!ctx.isActive) {
      await ctx.waitActive();
      continue;
    }
    try {
      const work = await ctx.receive({ timeout: 100 });
      await ctx.send(
        Outcome.create({ kind: 'processed', seq: work.seq, text: work.text, priority: RECORD_PRIORITY }),
      );
    } catch (error) {
      if (error instanceof TimeoutError) continue;
      throw error;
    }
  }
}

/** The handler shape: one uncorrelated `processed` record per message, at one fixed priority. */
export const handlers: MessageHandlers<Work, Outcome> = {
  onMessage: (work, ctx) =>
    ctx.send(
      Outcome.create({ kind: 'processed', seq: work.seq, text: work.text, priority: RECORD_PRIORITY }),
    ),
};
