import { InvalidArgumentError, describeValue } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import type { KernelDefinition, KernelExecution, KernelPort } from '../runtime/kernel-port.js';
import { checkKernelOptions } from '../runtime/ring-kernel.js';
import { WorkerLoadError } from './errors.js';
import { registryFromModule, registryOf } from './message-types.js';
import type { WorkerStarter } from './worker-handle.js';
import { WorkerKernelExecution } from './worker-kernel-execution.js';
import { checkWorkerOptions, type WorkerKernelOptions, type WorkerPoolOptions } from './worker-options.js';

function urlOf(value: unknown, name: string): string {
  if (value instanceof URL) return value.href;
  if (typeof value === 'string') {
    try {
      return new URL(value).href;
    } catch {
      // fall through to the error: relative paths would resolve against an unknown directory
    }
  }
  throw new InvalidArgumentError(
    `${name} must be a URL or an absolute URL string, e.g. new URL('./kernel.js', import.meta.url); ` +
      `got ${describeValue(value)}`,
  );
}

/** The Node worker_threads starter, loaded only when a worker kernel launches (keeps the core `node:`-free). */
async function nodeStarter(): Promise<WorkerStarter> {
  const adapter = await import('./worker-thread-node.js');
  return adapter.startWorkerThread;
}

async function hostRegistry(
  kernelId: string,
  moduleUrl: string,
  messagesModuleUrl: string | undefined,
  options: WorkerKernelOptions,
): Promise<MessageRegistry> {
  if (options.messages !== undefined) return registryOf(options.messages);
  const source = messagesModuleUrl ?? moduleUrl;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(source)) as Record<string, unknown>;
  } catch (error) {
    throw new WorkerLoadError(
      kernelId,
      source,
      'the host could not import it to read its message types (pass the messages option instead)',
      { cause: error },
    );
  }
  return registryFromModule(namespace, source);
}

function defineWorkerKernel<In extends Message, Out extends Message>(
  moduleUrl: URL | string,
  options: WorkerPoolOptions,
  caller: string,
): KernelDefinition<In, Out> {
  const url = urlOf(moduleUrl, `${caller}'s moduleUrl`);
  const messagesModuleUrl =
    options.messagesModule === undefined ? undefined : urlOf(options.messagesModule, 'messagesModule');
  checkKernelOptions(options);
  checkWorkerOptions(options);
  const strategy = options.strategy ?? 'roundRobin';
  return {
    kernelId: options.kernelId,
    options,
    async start(port: KernelPort<In, Out>): Promise<KernelExecution> {
      const anyPort = port as unknown as KernelPort;
      const registry = await hostRegistry(port.kernelId, url, messagesModuleUrl, options);
      const execution = new WorkerKernelExecution(
        anyPort,
        registry,
        url,
        messagesModuleUrl,
        { ...options, strategy },
        await nodeStarter(),
      );
      await execution.waitReady();
      execution.run();
      return execution;
    },
  };
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
  return defineWorkerKernel(moduleUrl, { ...options, size: 1, strategy: 'roundRobin' }, 'workerKernel');
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
  return defineWorkerKernel(moduleUrl, options, 'workerPool');
}
