// A plain-JavaScript ESM consumer: one request through a handler kernel, then the Node entry.
import { RingKernelRuntime, defineMessage, field, ringKernel } from 'ringkernel';
import { workerKernel } from 'ringkernel/node';

const Ping = defineMessage('Ping', { n: field.u32() });
const echo = ringKernel(
  { kernelId: 'echo' },
  {
    onMessage: (message, ctx) => ctx.send(Ping.reply(message, { n: message.n + 1 })),
  },
);
const runtime = new RingKernelRuntime();
await runtime.launch('echo', echo);
await runtime.activate('echo');
const reply = await runtime.request('echo', Ping.create({ n: 41 }));
await runtime.terminateAll();
console.log(`esm ${reply.n} ${typeof workerKernel}`);
