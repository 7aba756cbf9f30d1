import { WebgpuBackend } from '../compute/index.js';
import { gpuLayout, type FieldMap, type MessageDefinition, type MessageShape } from '../messages/index.js';
import {
  type KernelDefinition,
  type KernelExecution,
  type KernelOptions,
  type KernelPort,
  isStopping,
} from '../runtime/index.js';
import { checkKernelOptions } from '../runtime/ring-kernel.js';
import type { BatchExecutor } from './batch-executor.js';
import { resolveKernelBackend, type KernelBackendOption } from './backend-selection.js';
import { CpuBatchExecutor, type CpuMessageHandler } from './cpu-batch-executor.js';
import { GpuKernelDefinitionError, GpuKernelInputError } from './errors.js';
import { checkStateMap, type StateMap } from './state-buffers.js';
import { WebgpuBatchExecutor } from './webgpu-batch-executor.js';
import { PARALLEL_WORKGROUP_SIZE, wgslProgram, type BatchOrder } from './wgsl-program.js';

/** Default most messages one batch takes. */
export const DEFAULT_MAX_BATCH = 256;

/** Options of {@link gpuRingKernel}. */
export interface GpuRingKernelOptions<
  InF extends FieldMap,
  OutF extends FieldMap,
  S extends StateMap,
> extends KernelOptions {
  /** Request schema: numeric fields only (f32/i32/u32, fixed arrays, vectors). */
  readonly input: MessageDefinition<InF>;
  /** Reply schema, numeric like `input`; every reply carries its request's messageId as correlationId. */
  readonly output: MessageDefinition<OutF>;
  /** Device-resident state buffers, kept for the kernel's whole life (a restart starts from `init`). */
  readonly state?: S;
  /**
   * WGSL body run once per message. It sees `input` (pointer to the request struct), `output`
   * (pointer to the zeroed reply struct), `index` (position in the batch), `batch.count`,
   * `batch.first` (stream position of the batch's first message) and each state buffer by name.
   */
  readonly wgsl: string;
  /** WGSL at module scope (helper functions, constants), placed before the body. */
  readonly wgslHelpers?: string;
  /** The same handler over typed arrays: returns the reply's fields. Reference and CPU fallback. */
  readonly cpu: CpuMessageHandler<InF, OutF, S>;
  /**
   * `'parallel'` (default): one GPU invocation per message, all at once; the body must not let
   * messages of a batch race on the same state element (write per-message slots or use atomics).
   * `'sequential'`: one invocation walks the batch in order, for state that every message updates.
   * `'workgroup'`: one work-group of `WORKGROUP_LANES` (256) lanes walks the batch in order and
   * processes each message cooperatively (scans, reductions): in-order state at GPU width.
   */
  readonly order?: BatchOrder;
  /** Most messages per batch: a batch is whatever is queued, up to this. Default 256. */
  readonly maxBatch?: number;
  /** Where it runs. Default `'cpu'`; see {@link KernelBackendOption}. */
  readonly backend?: KernelBackendOption;
}

/** A device-resident ring kernel definition, launched with `runtime.launch`. */
export interface GpuRingKernelDefinition<
  InF extends FieldMap,
  OutF extends FieldMap,
> extends KernelDefinition<MessageShape<InF>, MessageShape<OutF>> {
  /** The complete WGSL module the WebGPU implementation compiles (for inspection and docs). */
  readonly wgslSource: string;
}

/**
 * Defines a ring kernel whose state lives in device buffers for its whole life and whose message
 * handling runs as device work: each batch of queued requests (as many as are waiting, up to
 * `maxBatch`, so a lone message is answered at once and a burst is batched) is packed straight
 * into a device input buffer with the schema's WGSL layout, processed by one dispatch, and read
 * back into replies correlated with their requests. The CPU implementation runs the same
 * handler over typed arrays. Lifecycle, backpressure, request/reply and telemetry are the
 * runtime's, as for any kernel; device time, batch sizes and bytes moved are added to the
 * kernel's telemetry (`device`). Device buffers are freed when the kernel ends.
 *
 * @example
 * ```ts
 * const Add = defineMessage('AddRequest', { a: field.f32(), b: field.f32() });
 * const Sum = defineMessage('AddReply', { sum: field.f32() });
 * const adder = gpuRingKernel({
 *   kernelId: 'adder', input: Add, output: Sum, backend: 'webgpu',
 *   wgsl: 'output.sum = input.a + input.b;',
 *   cpu: (request) => ({ sum: request.a + request.b }),
 * });
 * await runtime.launch('adder', adder);
 * await runtime.activate('adder');
 * const reply = await runtime.request('adder', Add.create({ a: 1, b: 2 })); // reply.sum === 3
 * ```
 */
export function gpuRingKernel<
  InF extends FieldMap,
  OutF extends FieldMap,
  S extends StateMap = Record<never, never>,
>(options: GpuRingKernelOptions<InF, OutF, S>): GpuRingKernelDefinition<InF, OutF> {
  const checked = checkKernelOptions(options);
  const kernelId = checked.kernelId;
  const inputLayout = gpuLayout(options.input);
  const outputLayout = gpuLayout(options.output);
  if (inputLayout.structName === outputLayout.structName)
    throw new GpuKernelDefinitionError(
      kernelId,
      'input and output schemas need different names (they become WGSL structs)',
    );
  const state = checkStateMap(kernelId, options.state ?? {});
  if (typeof options.wgsl !== 'string')
    throw new GpuKernelDefinitionError(kernelId, 'give the per-message WGSL body as { wgsl: string }');
  if (typeof options.cpu !== 'function')
    throw new GpuKernelDefinitionError(
      kernelId,
      'give the CPU implementation as { cpu: (input, state, index) => reply }',
    );
  const order = options.order ?? 'parallel';
  if (order !== 'parallel' && order !== 'sequential' && order !== 'workgroup')
    throw new GpuKernelDefinitionError(
      kernelId,
      `order must be 'parallel', 'sequential' or 'workgroup', got ${String(order)}`,
    );
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1 || maxBatch > 65_535 * PARALLEL_WORKGROUP_SIZE)
    throw new GpuKernelDefinitionError(
      kernelId,
      `maxBatch must be an integer in 1..${65_535 * PARALLEL_WORKGROUP_SIZE}`,
    );
  const helpers = options.wgslHelpers ?? '';
  const backendOption = options.backend ?? 'cpu';

  const program = { input: inputLayout, output: outputLayout, state, body: options.wgsl, helpers, order };
  return {
    kernelId,
    options: checked,
    get wgslSource(): string {
      return wgslProgram(program);
    },
    async start(port: KernelPort<MessageShape<InF>, MessageShape<OutF>>): Promise<KernelExecution> {
      const { backend, owned } = await resolveKernelBackend(backendOption);
      let executor: BatchExecutor<MessageShape<InF>, MessageShape<OutF>>;
      try {
        executor =
          backend instanceof WebgpuBackend
            ? await WebgpuBatchExecutor.create({
                kernelId: port.kernelId,
                backend,
                input: inputLayout,
                output: outputLayout,
                state,
                body: options.wgsl,
                helpers,
                order,
                maxBatch,
              })
            : new CpuBatchExecutor<InF, OutF, S>(port.kernelId, backend, options.output, state, options.cpu);
      } catch (error) {
        if (owned) backend.dispose();
        throw error;
      }
      const current: { batch: readonly MessageShape<InF>[] } = { batch: [] };
      const finished = serve(port, executor, options.input, maxBatch, current).finally(() => {
        executor.dispose();
        if (owned) backend.dispose();
      });
      // After a crash the runtime sends the batch being processed to the dead-letter queue.
      return { finished, inFlight: () => current.batch };
    },
  };
}

/** The kernel's life: take what is queued, run it as one batch, emit the replies, repeat. */
async function serve<In extends MessageShape<FieldMap>, Out extends MessageShape<FieldMap>>(
  port: KernelPort<In, Out>,
  executor: BatchExecutor<In, Out>,
  input: MessageDefinition,
  maxBatch: number,
  current: { batch: readonly In[] },
): Promise<void> {
  const takeOptions = { signal: port.signal };
  const telemetry = port.telemetry;
  let position = 0;
  while (!isStopping(port.state)) {
    let batch: In[];
    try {
      batch = await port.input.takeBatch(maxBatch, takeOptions);
    } catch (error) {
      if (port.signal.aborted) return;
      throw error;
    }
    current.batch = batch;
    const takenAt = port.timing ? performance.now() : 0;
    const accepted = acceptInputs(port, batch, input);
    if (accepted.length > 0) {
      const outcome = await executor.run(accepted, position);
      position += accepted.length;
      telemetry.recordDeviceBatch(
        executor.backendKind,
        accepted.length,
        outcome.deviceMs,
        outcome.bytesToDevice,
        outcome.bytesFromDevice,
      );
      for (const reply of outcome.outputs) await port.emit(reply);
    }
    current.batch = [];
    let elapsedMs: number | undefined;
    if (port.timing) {
      const now = performance.now();
      elapsedMs = now - takenAt;
      telemetry.recordProcessed(batch.length, elapsedMs, now);
    } else telemetry.processed += batch.length;
    if (port.inspector?.watchingMessages === true)
      port.inspector.processed(port.kernelId, batch.length, elapsedMs);
  }
}

/** The batch without messages of another type, each of which is reported as an error. */
function acceptInputs<In extends MessageShape<FieldMap>, Out extends MessageShape<FieldMap>>(
  port: KernelPort<In, Out>,
  batch: In[],
  input: MessageDefinition,
): In[] {
  let allMatch = true;
  for (const message of batch) if (!input.is(message)) allMatch = false;
  if (allMatch) return batch;
  return batch.filter((message) => {
    if (input.is(message)) return true;
    port.reportError(
      new GpuKernelInputError(
        port.kernelId,
        `it takes ${input.name} messages; got ${(message as { constructor?: { name?: string } }).constructor?.name ?? typeof message}`,
      ),
    );
    return false;
  });
}
