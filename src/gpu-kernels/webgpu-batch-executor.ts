/// <reference types="@webgpu/types" />
import {
  DeviceError,
  KernelCompilationError,
  type DeviceAllocation,
  type WebgpuBackend,
} from '../compute/index.js';
import type { FieldMap, GpuLayout, MessageShape } from '../messages/index.js';
import type { BatchExecutor, BatchOutcome } from './batch-executor.js';
import { GpuKernelDefinitionError } from './errors.js';
import { initialStateArray, type StateBufferSpec } from './state-buffers.js';
import {
  BATCH_BINDING,
  FIRST_STATE_BINDING,
  INPUT_BINDING,
  OUTPUT_BINDING,
  PARALLEL_WORKGROUP_SIZE,
  wgslProgram,
  type BatchOrder,
} from './wgsl-program.js';

// WebGPU spec flag values, so the Dawn module need not be installed onto globalThis.
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_DST = 0x0008;
const USAGE_UNIFORM = 0x0040;
const MAP_MODE_READ = 0x0001;
const STAGE_COMPUTE = 0x4;
const BATCH_INFO_BYTES = 16;

/** Settings of a {@link WebgpuBatchExecutor}. */
export interface WebgpuBatchExecutorOptions<InF extends FieldMap, OutF extends FieldMap> {
  readonly kernelId: string;
  readonly backend: WebgpuBackend;
  readonly input: GpuLayout<InF>;
  readonly output: GpuLayout<OutF>;
  readonly state: readonly (readonly [string, StateBufferSpec])[];
  readonly body: string;
  readonly helpers: string;
  readonly order: BatchOrder;
  readonly maxBatch: number;
}

/**
 * Runs batches as one compute dispatch each. The state, input, output and staging buffers are
 * allocated once for the kernel's life; per batch the messages are packed into a reused host
 * buffer, written to the device with the batch size, processed, and the replies unpacked straight
 * from the mapped staging buffer.
 */
export class WebgpuBatchExecutor<InF extends FieldMap, OutF extends FieldMap> implements BatchExecutor<
  MessageShape<InF>,
  MessageShape<OutF>
> {
  readonly backendKind = 'webgpu';
  readonly #backend: WebgpuBackend;
  readonly #device: GPUDevice;
  readonly #input: GpuLayout<InF>;
  readonly #output: GpuLayout<OutF>;
  readonly #order: BatchOrder;
  readonly #allocations: DeviceAllocation[] = [];
  readonly #ownBuffers: GPUBuffer[] = [];
  readonly #stateBuffers = new Map<string, { buffer: GPUBuffer; spec: StateBufferSpec }>();
  readonly #inputBuffer: GPUBuffer;
  readonly #outputBuffer: GPUBuffer;
  readonly #staging: GPUBuffer;
  readonly #batchInfo: GPUBuffer;
  readonly #packed: ArrayBuffer;
  readonly #info = new Uint32Array(BATCH_INFO_BYTES / 4);
  #pipeline: GPUComputePipeline | undefined;
  #bindGroup: GPUBindGroup | undefined;
  #disposed = false;

  private constructor(options: WebgpuBatchExecutorOptions<InF, OutF>) {
    this.#backend = options.backend;
    this.#device = options.backend.device;
    this.#input = options.input;
    this.#output = options.output;
    this.#order = options.order;
    this.#inputBuffer = this.#allocate(options.input.byteLength(options.maxBatch));
    this.#outputBuffer = this.#allocate(options.output.byteLength(options.maxBatch));
    this.#packed = new ArrayBuffer(options.input.byteLength(options.maxBatch));
    this.#staging = this.#createOwn(
      options.output.byteLength(options.maxBatch),
      USAGE_MAP_READ | USAGE_COPY_DST,
    );
    this.#batchInfo = this.#createOwn(BATCH_INFO_BYTES, USAGE_UNIFORM | USAGE_COPY_DST);
    for (const [name, spec] of options.state) {
      const buffer = this.#allocate(spec.length * 4);
      const initial = initialStateArray(spec);
      this.#device.queue.writeBuffer(buffer, 0, initial.buffer, 0, initial.byteLength);
      this.#stateBuffers.set(name, { buffer, spec });
    }
  }

  /** Allocates the kernel's buffers and compiles its WGSL; rejects with `KernelCompilationError`. */
  static async create<InF extends FieldMap, OutF extends FieldMap>(
    options: WebgpuBatchExecutorOptions<InF, OutF>,
  ): Promise<WebgpuBatchExecutor<InF, OutF>> {
    const executor = new WebgpuBatchExecutor(options);
    try {
      await executor.#compile(options);
    } catch (error) {
      executor.dispose();
      throw error;
    }
    return executor;
  }

  async run(
    messages: readonly MessageShape<InF>[],
    first: number,
  ): Promise<BatchOutcome<MessageShape<OutF>>> {
    const count = messages.length;
    const inputBytes = this.#input.pack(messages, this.#packed);
    const outputBytes = count * this.#output.stride;
    const device = this.#device;
    const started = performance.now();
    // Errors of this batch's commands surface here rather than as silently wrong replies.
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    device.queue.writeBuffer(this.#inputBuffer, 0, this.#packed, 0, inputBytes);
    this.#info[0] = count;
    this.#info[1] = first >>> 0;
    device.queue.writeBuffer(this.#batchInfo, 0, this.#info);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.#pipeline!);
    pass.setBindGroup(0, this.#bindGroup);
    pass.dispatchWorkgroups(this.#order === 'parallel' ? Math.ceil(count / PARALLEL_WORKGROUP_SIZE) : 1);
    pass.end();
    encoder.copyBufferToBuffer(this.#outputBuffer, 0, this.#staging, 0, outputBytes);
    device.queue.submit([encoder.finish()]);
    const validation = device.popErrorScope();
    const memory = device.popErrorScope();
    await this.#staging.mapAsync(MAP_MODE_READ, 0, outputBytes);
    const deviceMs = performance.now() - started;
    const error = (await validation) ?? (await memory);
    if (error !== null) {
      this.#staging.unmap();
      throw new DeviceError(this.#backend.id, error.message);
    }
    let outputs: MessageShape<OutF>[];
    try {
      outputs = this.#output.unpack(this.#staging.getMappedRange(0, outputBytes), count, {
        replyTo: messages,
      });
    } finally {
      this.#staging.unmap();
    }
    return { outputs, deviceMs, bytesToDevice: inputBytes + BATCH_INFO_BYTES, bytesFromDevice: outputBytes };
  }

  async readState(name: string): Promise<Float32Array | Int32Array | Uint32Array> {
    const entry = this.#stateBuffers.get(name);
    if (entry === undefined)
      throw new GpuKernelDefinitionError(undefined, `there is no state buffer '${name}'`);
    const bytes = entry.spec.length * 4;
    const staging = this.#device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    try {
      const encoder = this.#device.createCommandEncoder();
      encoder.copyBufferToBuffer(entry.buffer, 0, staging, 0, bytes);
      this.#device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ);
      const copy = staging.getMappedRange().slice(0);
      staging.unmap();
      const type = entry.spec.type;
      return type === 'f32'
        ? new Float32Array(copy)
        : type === 'i32'
          ? new Int32Array(copy)
          : new Uint32Array(copy);
    } finally {
      staging.destroy();
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const allocation of this.#allocations) this.#backend.free(allocation);
    this.#allocations.length = 0;
    for (const buffer of this.#ownBuffers) buffer.destroy();
    this.#ownBuffers.length = 0;
  }

  /** A storage buffer from the backend, so `backend.liveAllocations()` counts it. */
  #allocate(byteLength: number): GPUBuffer {
    const allocation = this.#backend.allocate(byteLength);
    this.#allocations.push(allocation);
    return allocation.native as GPUBuffer;
  }

  #createOwn(size: number, usage: number): GPUBuffer {
    const buffer = this.#device.createBuffer({ size, usage });
    this.#ownBuffers.push(buffer);
    return buffer;
  }

  async #compile(options: WebgpuBatchExecutorOptions<InF, OutF>): Promise<void> {
    const device = this.#device;
    const code = wgslProgram({
      input: options.input,
      output: options.output,
      state: options.state,
      body: options.body,
      helpers: options.helpers,
      order: options.order,
    });
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code, label: options.kernelId });
    const info = await module.getCompilationInfo();
    const scopeError = await device.popErrorScope();
    const errors = info.messages.filter((message) => message.type === 'error');
    if (errors.length > 0 || scopeError !== null) {
      const text = errors
        .map((message) => `${message.lineNum}:${message.linePos} ${message.message}`)
        .join('; ');
      throw new KernelCompilationError(
        options.kernelId,
        this.#backend.id,
        text || (scopeError?.message ?? 'unknown'),
      );
    }
    // An explicit layout keeps bindings the body does not use (an 'auto' layout would drop them).
    const layoutEntries: GPUBindGroupLayoutEntry[] = [
      { binding: INPUT_BINDING, visibility: STAGE_COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: OUTPUT_BINDING, visibility: STAGE_COMPUTE, buffer: { type: 'storage' } },
      { binding: BATCH_BINDING, visibility: STAGE_COMPUTE, buffer: { type: 'uniform' } },
    ];
    for (let position = 0; position < this.#stateBuffers.size; position++)
      layoutEntries.push({
        binding: FIRST_STATE_BINDING + position,
        visibility: STAGE_COMPUTE,
        buffer: { type: 'storage' },
      });
    const bindGroupLayout = device.createBindGroupLayout({ entries: layoutEntries, label: options.kernelId });
    try {
      this.#pipeline = await device.createComputePipelineAsync({
        label: options.kernelId,
        layout: device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }),
        compute: { module, entryPoint: 'main' },
      });
    } catch (error) {
      throw new KernelCompilationError(
        options.kernelId,
        this.#backend.id,
        error instanceof Error ? error.message : String(error),
      );
    }
    const entries: GPUBindGroupEntry[] = [
      { binding: INPUT_BINDING, resource: { buffer: this.#inputBuffer } },
      { binding: OUTPUT_BINDING, resource: { buffer: this.#outputBuffer } },
      { binding: BATCH_BINDING, resource: { buffer: this.#batchInfo } },
    ];
    [...this.#stateBuffers.values()].forEach(({ buffer }, position) => {
      entries.push({ binding: FIRST_STATE_BINDING + position, resource: { buffer } });
    });
    device.pushErrorScope('validation');
    this.#bindGroup = device.createBindGroup({ layout: bindGroupLayout, entries });
    const bindError = await device.popErrorScope();
    if (bindError !== null)
      throw new KernelCompilationError(options.kernelId, this.#backend.id, bindError.message);
  }
}
