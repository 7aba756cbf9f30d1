// A strict TypeScript consumer of the browser-safe entry: compiled without @types/node.
import {
  RingKernelRuntime,
  type WebgpuBackend,
  defineMessage,
  field,
  ringKernel,
  type MessageOf,
  type TerminationReport,
} from 'ringkernel';

export const Ping = defineMessage('Ping', { n: field.u32() });
export type Ping = MessageOf<typeof Ping>;

export const echo = ringKernel<Ping, Ping>(
  { kernelId: 'echo' },
  {
    onMessage: (message, ctx) => ctx.send(Ping.reply(message, { n: message.n + 1 })),
  },
);

export async function roundTrip(): Promise<number> {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('echo', echo);
  await runtime.activate('echo');
  const reply = await runtime.request<Ping>('echo', Ping.create({ n: 41 }));
  return reply.n;
}

export function deviceOf(backend: WebgpuBackend): GPUDevice {
  return backend.device;
}

export type Report = TerminationReport;
