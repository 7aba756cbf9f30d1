import { InvalidArgumentError, describeValue } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import type { KernelDefinition, KernelExecution, KernelPort } from '../runtime/kernel-port.js';
import { checkKernelOptions } from '../runtime/ring-kernel.js';
import { WorkerLoadError } from './errors.js';
import { registryFromModule, registryOf } from './message-types.js';
import type { TransportTelemetry } from '../telemetry/kernel-telemetry.js';
import type { WorkerStarter } from './worker-handle.js';
import { WorkerKernelExecution } from './worker-kernel-execution.js';
import { checkWorkerOptions, type WorkerKernelOptions, type WorkerPoolOptions } from './worker-options.js';

export function urlOf(value: unknown, name: string): string {
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

/**
 * A worker kernel definition for any thread adapter: `starter` supplies the function that starts
 * one thread (Node's worker_threads, a browser's Web Worker), loaded when the kernel launches.
 */
export function defineWorkerKernel<In extends Message, Out extends Message>(
  moduleUrl: URL | string,
  options: WorkerPoolOptions,
  caller: string,
  starter: () => Promise<WorkerStarter> | WorkerStarter,
  transport: TransportTelemetry,
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
      anyPort.telemetry.transport = transport;
      const registry = await hostRegistry(port.kernelId, url, messagesModuleUrl, options);
      const execution = new WorkerKernelExecution(
        anyPort,
        registry,
        url,
        messagesModuleUrl,
        { ...options, strategy, mirrored: transport.kind === 'postMessage' },
        await starter(),
      );
      await execution.waitReady();
      execution.run();
      return execution;
    },
  };
}
