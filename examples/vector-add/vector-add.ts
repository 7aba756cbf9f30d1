/**
 * The seed family's hello world, twice: as one message per pair of numbers through a device-resident
 * ring kernel (batched on the device), and as whole vectors in compute-layer buffers.
 */
import {
  createOrchestrator,
  vectorAdd,
  gpuRingKernel,
  defineMessage,
  field,
  type MessageOf,
  RingKernelRuntime,
} from 'ringkernel';

export const VectorAddRequest = defineMessage('VectorAddRequest', { a: field.f32(), b: field.f32() });
export const VectorAddResponse = defineMessage('VectorAddResponse', { result: field.f32() });
export type VectorAddResponse = MessageOf<typeof VectorAddResponse>;

/** One work item per message: the pairs of a batch are added in parallel by one dispatch. */
export function vectorAddKernel(backend: 'cpu' | 'webgpu') {
  return gpuRingKernel({
    kernelId: 'vector_add',
    input: VectorAddRequest,
    output: VectorAddResponse,
    backend,
    maxBatch: 1024,
    wgsl: 'output.result = input.a + input.b;',
    cpu: (request) => ({ result: request.a + request.b }),
  });
}

export interface VectorAddExampleResult {
  readonly pairs: readonly { readonly a: number; readonly b: number; readonly result: number }[];
  /** A burst of `burst` requests: how many device batches served it. */
  readonly burst: number;
  readonly burstBatches: number;
  readonly burstMessagesPerSecond: number;
  /** The buffer form: element count and whether every element matched a + b. */
  readonly vectorLength: number;
  readonly vectorCorrect: boolean;
}

export async function runVectorAddExample(
  backend: 'cpu' | 'webgpu',
  log: (line: string) => void = () => {},
  burst = 10_000,
): Promise<VectorAddExampleResult> {
  const runtime = new RingKernelRuntime();
  const pairs: { a: number; b: number; result: number }[] = [];
  let burstBatches: number;
  let burstMessagesPerSecond: number;
  try {
    await runtime.launch('vector_add', vectorAddKernel(backend));
    await runtime.activate('vector_add');
    log(`[vector_add] kernel active on ${backend}`);
    for (const [a, b] of [
      [1.0, 2.0],
      [10.5, 20.5],
      [-5.0, 5.0],
      [0.0, 0.0],
      [100.0, 200.0],
    ] as const) {
      const response = await runtime.request<VectorAddResponse>(
        'vector_add',
        VectorAddRequest.create({ a, b }),
        {
          timeout: 5000,
        },
      );
      pairs.push({ a, b, result: response.result });
      log(`  ${a} + ${b} = ${response.result}`);
    }
    const before = runtime.getTelemetry('vector_add').device?.batches ?? 0;
    const requests = Array.from({ length: burst }, (_, index) =>
      VectorAddRequest.create({ a: index, b: 0.5 }),
    );
    const started = performance.now();
    const replies = await Promise.all(
      requests.map((request) =>
        runtime.request<VectorAddResponse>('vector_add', request, { timeout: 30_000 }),
      ),
    );
    burstMessagesPerSecond = (burst / (performance.now() - started)) * 1000;
    replies.forEach((reply, index) => {
      if (reply.result !== index + 0.5) throw new Error(`pair ${index} came back as ${reply.result}`);
    });
    burstBatches = (runtime.getTelemetry('vector_add').device?.batches ?? 0) - before;
    log(
      `  burst of ${burst} requests: ${burstBatches} device batches, ${Math.round(burstMessagesPerSecond)} msg/s`,
    );
  } finally {
    await runtime.terminateAll();
  }

  const vectorLength = 1 << 16;
  await using compute = await createOrchestrator({ backend });
  const a = compute.buffer(
    [vectorLength],
    'float32',
    Float32Array.from({ length: vectorLength }, (_, i) => i),
  );
  const b = compute.buffer([vectorLength], 'float32', new Float32Array(vectorLength).fill(2));
  const out = compute.buffer([vectorLength], 'float32');
  await compute.run(vectorAdd, { a, b, out });
  const sums = await out.toArray();
  const vectorCorrect = sums.every((value, index) => value === index + 2);
  log(`  buffers: ${vectorLength} elements added in one launch, ${vectorCorrect ? 'all correct' : 'WRONG'}`);
  for (const buffer of [a, b, out]) buffer.dispose();
  return { pairs, burst, burstBatches, burstMessagesPerSecond, vectorLength, vectorCorrect };
}
