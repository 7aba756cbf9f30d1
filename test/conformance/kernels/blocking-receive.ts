import { TimeoutError } from '../../../src/errors.js';
import type { KernelContext, MessageHandlers } from '../../../src/runtime/index.js';
import { Outcome, type Work } from '../messages.js';

/**
 * Waits in `receive()` without a timeout, so only terminate can wake it; then runs its shutdown code,
 * which sends a `cleanup` message (the report's undelivered outputs prove the cleanup ran).
 */
export default async function blockingReceive(ctx: KernelContext<Work, Outcome>): Promise<void> {
  let handled = 0;
  while (!ctx.shouldTerminate) {
    try {
      const work = await ctx.receive();
      handled++;
      await ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq }));
    } catch (error) {
      if (error instanceof TimeoutError) continue;
      throw error;
    }
  }
  await ctx.send(Outcome.create({ kind: 'cleanup', seq: handled }));
}

/** The handler shape: replies to every message; its shutdown code (`onStop`) sends `cleanup`. */
export const handlers: MessageHandlers<Work, Outcome, { handled: number }> = {
  init: () => ({ handled: 0 }),
  onMessage(work, ctx, state) {
    state.handled++;
    return ctx.send(Outcome.reply(work, { kind: 'reply', seq: work.seq }));
  },
  onStop: (ctx, state) => ctx.send(Outcome.create({ kind: 'cleanup', seq: state.handled })),
};
