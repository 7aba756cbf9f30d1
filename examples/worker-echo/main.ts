/**
 * A worker-thread ring kernel: npm run example:worker-echo. The kernel is echo-kernel.ts; messages
 * cross between the threads in SharedArrayBuffer rings.
 */
import { threadId } from 'node:worker_threads';
import { RingKernelRuntime, workerKernel } from 'ringkernel/node';
import { parseExampleArgs } from '../example-args.js';
import { Ping, Pong } from './messages.js';

const name = 'npm run example:worker-echo --';
parseExampleArgs({
  name,
  usage: `Usage: ${name}

Launches echo-kernel.ts in a worker thread, sends it a ping and prints the reply with the thread
that produced it. No flags besides this one.

  --help, -h   this text`,
  options: {},
});

const runtime = new RingKernelRuntime();
try {
  await runtime.launch(
    'echo',
    workerKernel(new URL('./echo-kernel.ts', import.meta.url), { messages: [Ping, Pong] }),
  );
  await runtime.activate('echo');
  const pong = await runtime.request<Pong>('echo', Ping.create({ text: 'hello' }), { timeout: 5000 });
  console.log(`'${pong.text}' echoed by thread ${pong.thread} (main thread is ${threadId})`);
} finally {
  await runtime.terminateAll();
}
