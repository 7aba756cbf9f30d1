import type { ComputeBackend, DeviceAllocation } from '../compute/index.js';
import type { FieldMap, MessageDefinition, MessageShape, ReplyInit } from '../messages/index.js';
import type { BatchExecutor, BatchOutcome } from './batch-executor.js';
import { GpuKernelDefinitionError } from './errors.js';
import { initialStateArray, type StateBufferSpec, type StateMap, type StateViews } from './state-buffers.js';

/** The CPU implementation of a device-resident kernel: one call per message, in batch order. */
export type CpuMessageHandler<InF extends FieldMap, OutF extends FieldMap, S extends StateMap> = (
  input: MessageShape<InF>,
  state: StateViews<S>,
  index: number,
  first: number,
) => ReplyInit<OutF>;

/**
 * Runs batches with the CPU implementation over state typed arrays that live in allocations of a
 * host-memory backend (so they are counted and freed like device buffers).
 */
export class CpuBatchExecutor<
  InF extends FieldMap,
  OutF extends FieldMap,
  S extends StateMap,
> implements BatchExecutor<MessageShape<InF>, MessageShape<OutF>> {
  readonly backendKind: string;
  readonly #backend: ComputeBackend;
  readonly #output: MessageDefinition<OutF>;
  readonly #handler: CpuMessageHandler<InF, OutF, S>;
  readonly #allocations: DeviceAllocation[] = [];
  readonly #views: Record<string, Float32Array | Int32Array | Uint32Array> = {};
  #disposed = false;

  constructor(
    kernelId: string,
    backend: ComputeBackend,
    output: MessageDefinition<OutF>,
    state: readonly (readonly [string, StateBufferSpec])[],
    handler: CpuMessageHandler<InF, OutF, S>,
  ) {
    if (!backend.sharesHostMemory)
      throw new GpuKernelDefinitionError(
        kernelId,
        `backend '${backend.kind}' does not share host memory; the CPU implementation needs { backend: 'cpu' }`,
      );
    this.backendKind = backend.kind;
    this.#backend = backend;
    this.#output = output;
    this.#handler = handler;
    for (const [name, spec] of state) {
      const allocation = backend.allocate(spec.length * 4);
      this.#allocations.push(allocation);
      const native = allocation.native;
      this.#views[name] = initialStateArray(spec, native instanceof ArrayBuffer ? native : undefined);
    }
  }

  run(messages: readonly MessageShape<InF>[], first: number): Promise<BatchOutcome<MessageShape<OutF>>> {
    const started = performance.now();
    const count = messages.length;
    const outputs = new Array<MessageShape<OutF>>(count);
    const views = this.#views as StateViews<S>;
    for (let index = 0; index < count; index++) {
      const message = messages[index]!;
      outputs[index] = this.#output.reply(message, this.#handler(message, views, index, first));
    }
    return Promise.resolve({
      outputs,
      deviceMs: performance.now() - started,
      bytesToDevice: 0,
      bytesFromDevice: 0,
    });
  }

  readState(name: string): Promise<Float32Array | Int32Array | Uint32Array> {
    const view = this.#views[name];
    if (view === undefined)
      return Promise.reject(new GpuKernelDefinitionError(undefined, `there is no state buffer '${name}'`));
    return Promise.resolve(view.slice());
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const allocation of this.#allocations) this.#backend.free(allocation);
    this.#allocations.length = 0;
  }
}
