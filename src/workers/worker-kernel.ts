import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import type { KernelDefinition } from '../runtime/kernel-port.js';
import { defineWorkerKernel } from './define-worker-kernel.js';
import type { WorkerStarter } from './worker-handle.js';
import type { WorkerKernelOptions, WorkerPoolOptions } from './worker-options.js';

const NODE_TRANSPORT = {
  kind: 'sharedMemory',
  detail: 'SharedArrayBuffer rings between worker_threads',
} as const;

/** The Node worker_threads starter, loaded only when a worker kernel launches (keeps the core `node:`-free). */
async function nodeStarter(): Promise<WorkerStarter> {
  const adapter = await import('./worker-thread-node.js');
  return adapter.startWorkerThread;
}

/**
 * Defines a ring kernel that runs in its own worker thread. The module's default export is the
 * kernel function, with the same signature as for {@link ringKernel} (so one file can serve both);
 * the runtime's send, receive, request, lifecycle, backpressure and telemetry behave the same.
 * Messages cross as compact frames in SharedArrayBuffer rings (msgpack for values outside the compact
 * set); both threads need their types: the module's `messages` export (or its exported definitions,
 * or those of `messagesModule`). `ctx.sendTo`, `ctx.request`, `ctx.publish` and `ctx.subscribe` work
 * inside the worker as on the event loop: the call crosses to the host, which runs it through the
 * runtime (routing, backpressure, topics) and sends the result back; a `sendTo` resolves once the
 * target accepted the message, and a timeout or abort withdraws the call on the host too. Errors the
 * runtime raises arrive as their own classes (`KernelNotFoundError`, `TimeoutError`, ...), others as
 * `RemoteError`.
 *
 * `launch` waits until the worker has loaded the module, and rejects with `WorkerLoadError` (the
 * original error, with its stack, as `cause`) when it could not. Works from `.ts` sources under tsx
 * and from built `.js`.
 *
 * @example
 * ```ts
 * // echo-kernel.ts
 * export const messages = [Ping, Pong];
 * export default async function echo(ctx: KernelContext<Ping, Pong>) {
 *   for await (const ping of ctx) await ctx.send(Pong.reply(ping, { text: ping.text }));
 * }
 *
 * // main.ts
 * await runtime.launch('echo', workerKernel(new URL('./echo-kernel.js', import.meta.url), { messages: [Ping, Pong] }));
 * await runtime.activate('echo');
 * const pong = await runtime.request('echo', Ping.create({ text: 'hi' }), { timeout: 1000 });
 * ```
 */
export function workerKernel<In extends Message = Message, Out extends Message = Message>(
  moduleUrl: URL | string,
  options: WorkerKernelOptions = {},
): KernelDefinition<In, Out> {
  return defineWorkerKernel(
    moduleUrl,
    { ...options, size: 1, strategy: 'roundRobin' },
    'workerKernel',
    nodeStarter,
    NODE_TRANSPORT,
  );
}

/**
 * Like {@link workerKernel}, with `size` worker threads behind one kernel id: input is spread over
 * them (`roundRobin` or `leastLoaded`), their outputs are merged into the kernel's output queue, and
 * `request` still pairs replies by correlationId. Lifecycle applies to all of them; if one crashes,
 * the others are stopped and the kernel is `failed`. Messages are processed concurrently, so order is
 * kept per worker only.
 *
 * @example
 * ```ts
 * await runtime.launch('hash', workerPool(new URL('./hash-kernel.js', import.meta.url), { size: 2, strategy: 'leastLoaded' }));
 * ```
 */
export function workerPool<In extends Message = Message, Out extends Message = Message>(
  moduleUrl: URL | string,
  options: WorkerPoolOptions,
): KernelDefinition<In, Out> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`workerPool needs options with a size; got ${describeValue(options)}`);
  }
  return defineWorkerKernel(moduleUrl, options, 'workerPool', nodeStarter, NODE_TRANSPORT);
}
