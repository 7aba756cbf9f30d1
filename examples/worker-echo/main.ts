/**
 * A worker-thread ring kernel: npm run example:worker-echo. The kernel is echo-kernel.ts; messages
 * cross between the threads in SharedArrayBuffer rings.
 */
import { threadId } from 'node:worker_threads';
import { RingKernelRuntime, workerKernel, workerPool } from 'ringkernel/node';
import { parseExampleArgs } from '../example-args.js';
import { Ping, Pong } from './messages.js';

const name = 'npm run example:worker-echo --';
parseExampleArgs({
  name,
  usage: `Usage: ${name}

Launches echo-kernel.ts in a worker thread and in a pool of two, sends each a ping and prints
the replies with the thread that produced them. No flags besides this one.

  --help, -h   this text`,
  options: {},
});

const runtime = new RingKernelRuntime();
try {
  // './echo-kernel.ts' when run through tsx; './echo-kernel.js' once compiled.
  const url = new URL('./echo-kernel.ts', import.meta.url);
  await runtime.launch('echo', workerKernel(url, { messages: [Ping, Pong] }));
  await runtime.launch('pool', workerPool(url, { size: 2, messages: [Ping, Pong] }));
  await runtime.activate('echo');
  await runtime.activate('pool');
  const pong = await runtime.request<Pong>('echo', Ping.create({ text: 'hello' }), { timeout: 5000 });
  console.log(`'${pong.text}' echoed by thread ${pong.thread} (main thread is ${threadId})`);
  const pooled = await runtime.request<Pong>('pool', Ping.create({ text: 'pool' }), { timeout: 5000 });
  console.log(`'${pooled.text}' echoed by pool thread ${pooled.thread}`);
} finally {
  await runtime.terminateAll();
}
