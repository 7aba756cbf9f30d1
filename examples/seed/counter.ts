/** The guide's stateful counter: private state that lives as long as the kernel. */
import { TimeoutError, defineMessage, field, type MessageOf, ringKernel } from 'ringkernel';

export const CounterRequest = defineMessage('CounterRequest', {
  action: field.enum(['increment', 'decrement', 'reset']),
});
export type CounterRequest = MessageOf<typeof CounterRequest>;

export const CounterResponse = defineMessage('CounterResponse', {
  count: field.i32(),
  /** How many requests the counter has handled, its history length. */
  handled: field.u32(),
});
export type CounterResponse = MessageOf<typeof CounterResponse>;

export const counter = ringKernel<CounterRequest, CounterResponse>({ kernelId: 'counter' }, async (ctx) => {
  // Private state: each launch gets its own.
  let count = 0;
  const history: number[] = [];
  while (!ctx.shouldTerminate) {
    if (!ctx.isActive) {
      await ctx.waitActive();
      continue;
    }
    try {
      const request = await ctx.receive({ timeout: 100 });
      if (request.action === 'increment') count += 1;
      else if (request.action === 'decrement') count -= 1;
      else count = 0;
      history.push(count);
      await ctx.send(CounterResponse.reply(request, { count, handled: history.length }));
    } catch (error) {
      if (error instanceof TimeoutError) continue;
      throw error;
    }
  }
});
