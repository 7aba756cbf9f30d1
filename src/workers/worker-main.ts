/*
 * The body of a worker kernel's thread, shared by the thread adapters (Node's worker_threads in
 * `worker-entry-node.ts`, a browser's Web Worker in `worker-entry-web.ts`): loads the kernel
 * module, reports ready (or why it could not load), then runs the kernel function under a
 * LocalKernelContext over the rings.
 */
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import { LocalKernelContext } from '../runtime/local-kernel-context.js';
import type { KernelFunction } from '../runtime/ring-kernel.js';
import { HandlerLife, checkHandlers, type MessageHandlers } from '../runtime/handler-kernel.js';
import { registryFromModule } from './message-types.js';
import type { WorkerBootData, WorkerReport } from './protocol.js';
import { serializeError } from './serialized-error.js';
import { WorkerSidePort } from './worker-side-port.js';

type LoadedKernel = KernelFunction<Message, Message> | MessageHandlers<Message, Message, unknown>;

/** Sends a report to the host (postMessage on whichever thread API runs the kernel). */
export type ReportToHost = (message: WorkerReport) => void;

async function load(
  boot: WorkerBootData,
  report: ReportToHost,
): Promise<{ kernel: LoadedKernel; registry: MessageRegistry } | undefined> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(boot.moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    report({ type: 'loadError', error: serializeError(error), reason: 'its module failed to load' });
    return undefined;
  }
  const name = boot.exportName;
  const kernel = namespace[name];
  const shape = kernelShape(kernel);
  if (shape !== undefined) {
    report({
      type: 'loadError',
      error: serializeError(
        new TypeError(`the ${name === 'default' ? 'default export' : `export '${name}'`} ${shape}`),
      ),
      reason:
        'the module must export the kernel function (export default async (ctx) => { ... }) ' +
        'or a handlers object ({ onMessage(message, ctx) { ... } }) under that name',
    });
    return undefined;
  }
  try {
    const messagesNamespace =
      boot.messagesModuleUrl === undefined
        ? namespace
        : ((await import(boot.messagesModuleUrl)) as Record<string, unknown>);
    const registry = registryFromModule(messagesNamespace, boot.messagesModuleUrl ?? boot.moduleUrl);
    return { kernel: kernel as LoadedKernel, registry };
  } catch (error) {
    report({
      type: 'loadError',
      error: serializeError(error),
      reason: 'its message types could not be loaded',
    });
    return undefined;
  }
}

/** Why `value` cannot be a kernel, or undefined when it is a function or a valid handlers object. */
function kernelShape(value: unknown): string | undefined {
  if (typeof value === 'function') return undefined;
  if (typeof value !== 'object' || value === null)
    return `is ${value === null ? 'null' : typeof value}, not a function or a handlers object`;
  try {
    checkHandlers(value);
    return undefined;
  } catch (error) {
    return `is not a valid handlers object: ${(error as Error).message}`;
  }
}

/** Runs the kernel described by `boot` on this thread until it returns or throws. */
export async function runWorkerKernel(boot: WorkerBootData, report: ReportToHost): Promise<void> {
  const loaded = await load(boot, report);
  if (loaded === undefined) return;
  const port = new WorkerSidePort(boot, loaded.registry, (error) =>
    report({ type: 'reportedError', error: serializeError(error) }),
  );
  const kernel = loaded.kernel;
  let context: LocalKernelContext<Message, Message> | undefined;
  let life: HandlerLife<Message, Message, unknown> | undefined;
  if (typeof kernel === 'function') {
    context = new LocalKernelContext<Message, Message>(port);
  } else {
    life = new HandlerLife(port, kernel);
    port.onStopRequested = () => life!.stop();
  }
  port.countTakenMessages();
  port.start();
  // Pending Atomics.waitAsync calls do not keep a Node thread alive: without this, a kernel waiting
  // for input would see its thread end under it.
  const keepAlive = setInterval(() => {}, 1 << 30);
  report({ type: 'ready', messageTypes: loaded.registry.names });
  try {
    if (life !== undefined) {
      await life.start();
      await life.finished;
    } else {
      await (kernel as KernelFunction<Message, Message>)(context!);
    }
  } catch (error) {
    clearInterval(keepAlive);
    // Not finished: the messages the kernel died on are reported as in flight, not as processed.
    const inFlight = port.inFlight;
    port.stop();
    report({ type: 'threw', error: serializeError(error), inFlight });
    return;
  }
  clearInterval(keepAlive);
  context?.finish();
  port.stop();
  report({ type: 'returned' });
}
