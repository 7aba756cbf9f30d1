import { defineMessage, field } from '../../messages/index.js';
import type { KernelOptions } from '../../runtime/index.js';
import { cudaRingKernel, type CudaDeviceChoice } from './cuda-ring-kernel-node.js';

/** A 64-byte request: a sequence number and 15 payload words. */
export const CudaEchoRequest = defineMessage('CudaEchoRequest', {
  sequence: field.u32(),
  payload: field.array('u32', 15),
});
/** The echo: the same 64 bytes, the payload's words each plus one. */
export const CudaEchoReply = defineMessage('CudaEchoReply', {
  sequence: field.u32(),
  payload: field.array('u32', 15),
});

/** Options of {@link cudaEchoKernel}. */
export interface CudaEchoKernelOptions extends KernelOptions {
  readonly device?: CudaDeviceChoice;
  readonly ringCapacity?: number;
  readonly lanes?: number;
}

/**
 * The smallest persistent kernel: answers each 64-byte message with its sequence number and
 * payload + 1 (one thread per message of a burst). Used by `npm run example:cuda-echo` and the
 * `cuda` benchmarks (round trip, pipelined throughput).
 *
 * @example
 * ```ts
 * await runtime.launch('echo', cudaEchoKernel());
 * await runtime.activate('echo');
 * const reply = await runtime.request('echo', CudaEchoRequest.create({ sequence: 1, payload: new Uint32Array(15) }));
 * ```
 */
export function cudaEchoKernel(options: CudaEchoKernelOptions = {}) {
  return cudaRingKernel({
    ...options,
    kernelId: options.kernelId ?? 'cuda-echo',
    input: CudaEchoRequest,
    output: CudaEchoReply,
    ringCapacity: options.ringCapacity ?? 4096,
    lanes: options.lanes ?? 256,
    cuda: `
      output.sequence = input.sequence;
      for (int word = 0; word < 15; word++) output.payload[word] = input.payload[word] + 1u;`,
    emulate: (request) => {
      const payload = new Uint32Array(15);
      for (let word = 0; word < 15; word++) payload[word] = request.payload[word]! + 1;
      return { sequence: request.sequence, payload };
    },
  });
}
