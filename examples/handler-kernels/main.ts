/*
 * Handler kernels and the synchronous tell: a counter kernel fed 100,000 messages with
 * `runtime.post` (falling back to `send` when the queue is full), then asked for its total.
 * Run with `npm run example:handler-kernels`.
 */
import { RingKernelRuntime, defineMessage, field, ringKernel } from 'ringkernel';
import { parseExampleArgs } from '../example-args.js';

const name = 'npm run example:handler-kernels --';
parseExampleArgs({
  name,
  usage: `Usage: ${name}

Feeds a handler kernel 100,000 messages with runtime.post (falling back to send when its queue is
full), then asks it for its total. No flags besides this one.

  --help, -h   this text`,
  options: {},
});

const Add = defineMessage('Add', { amount: field.f64() });
const Total = defineMessage('Total', { total: field.f64() });
type Add = ReturnType<typeof Add.create>;
type Total = ReturnType<typeof Total.create>;

// Handler kernel: the runtime drains the queue and calls onMessage for each message, with no
// promise per message (return a promise only when the handler has to wait for something).
const counter = ringKernel<Add, Total, { total: number }>(
  { kernelId: 'counter' },
  {
    init: () => ({ total: 0 }), // the state of this life: at launch and at each supervised restart
    onMessage(add, ctx, state) {
      state.total += add.amount;
      if (add.amount === 0) return ctx.send(Total.reply(add, { total: state.total })); // a query
      return undefined;
    },
    onStop: (_ctx, state) => console.log(`counter stopped at ${state.total}`),
  },
);

const runtime = new RingKernelRuntime();
try {
  await runtime.launch('counter', counter);
  await runtime.activate('counter');
  const start = performance.now();
  for (let index = 1; index <= 100_000; index++) {
    const add = Add.create({ amount: 1 });
    if (!runtime.post('counter', add)) await runtime.send('counter', add); // full: wait for room
  }
  const answer = await runtime.request<Total>('counter', Add.create({ amount: 0 }), { timeout: 5000 });
  const elapsedMs = performance.now() - start;
  console.log(`total ${answer.total} after 100,000 posts in ${elapsedMs.toFixed(1)} ms`);
} finally {
  await runtime.terminateAll();
}
