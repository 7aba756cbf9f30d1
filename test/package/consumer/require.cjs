// A CommonJS consumer: require() of the ESM package (Node >= 20.19 loads ESM synchronously).
const { RingKernelRuntime, defineMessage, field, ringKernel } = require('ringkernel');
const { workerKernel } = require('ringkernel/node');
const { version } = require('ringkernel/package.json');

const Ping = defineMessage('Ping', { n: field.u32() });
const echo = ringKernel(
  { kernelId: 'echo' },
  {
    onMessage: (message, ctx) => ctx.send(Ping.reply(message, { n: message.n + 1 })),
  },
);

async function main() {
  const runtime = new RingKernelRuntime();
  await runtime.launch('echo', echo);
  await runtime.activate('echo');
  const reply = await runtime.request('echo', Ping.create({ n: 41 }));
  await runtime.terminateAll();
  console.log(`cjs ${reply.n} ${typeof workerKernel} ${version}`);
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
