/*
 * The main module of a worker kernel's thread: loads the kernel module, reports ready (or why it
 * could not load), then runs the kernel function under a LocalKernelContext over the rings.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import { LocalKernelContext } from '../runtime/local-kernel-context.js';
import type { KernelFunction } from '../runtime/ring-kernel.js';
import { registryFromModule } from './message-types.js';
import type { WorkerBootData, WorkerReport } from './protocol.js';
import { serializeError } from './serialized-error.js';
import { WorkerSidePort } from './worker-side-port.js';

const boot = workerData as WorkerBootData;

function report(message: WorkerReport): void {
  parentPort?.postMessage(message);
}

async function load(): Promise<
  { kernel: KernelFunction<Message, Message>; registry: MessageRegistry } | undefined
> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(boot.moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    report({ type: 'loadError', error: serializeError(error), reason: 'its module failed to load' });
    return undefined;
  }
  const kernel = namespace['default'];
  if (typeof kernel !== 'function') {
    report({
      type: 'loadError',
      error: serializeError(new TypeError(`the default export is ${typeof kernel}, not a function`)),
      reason: 'the module must default-export the kernel function: export default async (ctx) => { ... }',
    });
    return undefined;
  }
  try {
    const messagesNamespace =
      boot.messagesModuleUrl === undefined
        ? namespace
        : ((await import(boot.messagesModuleUrl)) as Record<string, unknown>);
    const registry = registryFromModule(messagesNamespace, boot.messagesModuleUrl ?? boot.moduleUrl);
    return { kernel: kernel as KernelFunction<Message, Message>, registry };
  } catch (error) {
    report({
      type: 'loadError',
      error: serializeError(error),
      reason: 'its message types could not be loaded',
    });
    return undefined;
  }
}

async function run(): Promise<void> {
  const loaded = await load();
  if (loaded === undefined) return;
  const port = new WorkerSidePort(boot, loaded.registry, (error) =>
    report({ type: 'reportedError', error: serializeError(error) }),
  );
  const context = new LocalKernelContext<Message, Message>(port);
  port.countTakenMessages();
  port.start();
  // Pending Atomics.waitAsync calls do not keep a thread alive: without this, a kernel waiting for
  // input would see its thread end under it.
  const keepAlive = setInterval(() => {}, 1 << 30);
  report({ type: 'ready', messageTypes: loaded.registry.names });
  try {
    await loaded.kernel(context);
  } catch (error) {
    clearInterval(keepAlive);
    // Not finished: the messages the kernel died on are reported as in flight, not as processed.
    const inFlight = port.inFlight;
    port.stop();
    report({ type: 'threw', error: serializeError(error), inFlight });
    return;
  }
  clearInterval(keepAlive);
  context.finish();
  port.stop();
  report({ type: 'returned' });
}

void run();
