// A strict TypeScript consumer of the Node entry (with @types/node, as any Node project has).
import { RingKernelRuntime, isLoopbackHost, serveMetrics, workerKernel } from 'ringkernel/node';

export async function metricsOnLoopback(): Promise<boolean> {
  await using runtime = new RingKernelRuntime();
  const endpoint = await serveMetrics(runtime, { port: 0 });
  await endpoint.close();
  return isLoopbackHost('127.0.0.1') && typeof workerKernel === 'function';
}
