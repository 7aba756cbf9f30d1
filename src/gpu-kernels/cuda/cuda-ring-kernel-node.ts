import {
  gpuLayout,
  type FieldMap,
  type GpuLayout,
  type MessageDefinition,
  type MessageShape,
} from '../../messages/index.js';
import {
  type KernelDefinition,
  type KernelExecution,
  type KernelOptions,
  type KernelPort,
  type KernelState,
  isStopping,
} from '../../runtime/index.js';
import { checkKernelOptions } from '../../runtime/ring-kernel.js';
import type { CpuMessageHandler } from '../cpu-batch-executor.js';
import { GpuKernelDefinitionError, GpuKernelInputError } from '../errors.js';
import { checkStateMap, type StateBufferSpec, type StateMap } from '../state-buffers.js';
import { cudaProgram, DEFAULT_CUDA_LANES, type CudaBurstOrder } from './cuda-program.js';
import type { DeviceLink } from './device-link.js';
import { startEmulatorLink } from './emulator-link-node.js';
import { CudaDeviceError, CudaMessageRejectedError } from './errors.js';
import {
  COMMAND,
  CONTROL,
  DEVICE_STATE,
  MAX_STATE_BUFFERS,
  OUTPUT_HEADER_BYTES,
  regionLayout,
} from './ring-protocol.js';
import { plainFields } from './struct-codec.js';
import { probeCudaDevice, startCudaLink } from './cuda-link-node.js';
import { shippedPtxFor } from './ptx-cache-node.js';

/** Where a persistent CUDA kernel runs: `'auto'` = the GPU when one is usable, else the emulator. */
export type CudaDeviceChoice = 'auto' | 'cuda' | 'emulator';

/** Options of {@link cudaRingKernel}. */
export interface CudaRingKernelOptions<
  InF extends FieldMap,
  OutF extends FieldMap,
  S extends StateMap,
> extends KernelOptions {
  /** Request schema: numeric fields only (f32/i32/u32, fixed arrays, vectors), as for `gpuRingKernel`. */
  readonly input: MessageDefinition<InF>;
  /** Reply schema; every reply carries its request's messageId as correlationId. */
  readonly output: MessageDefinition<OutF>;
  /** Device-resident state buffers (at most 8), kept for the kernel's whole life. */
  readonly state?: S;
  /**
   * CUDA C body run once per message. It sees `input` (const reference to the request struct),
   * `output` (reference to the zeroed reply struct), `status` (set non-zero to reject the message),
   * `index` (position in the burst), `first` (stream position of the burst's first message) and each
   * state buffer as a device pointer by name.
   */
  readonly cuda: string;
  /** CUDA C at file scope (`__device__` helpers, constants), placed before the body. */
  readonly cudaHelpers?: string;
  /**
   * The same body in JavaScript, run by the device emulator (and so in CI, where there is no GPU):
   * `(input, state, index, first) => reply fields`. `input` is a plain object of the request's
   * fields (numbers and typed arrays, read from the ring slot). It is shipped to the emulator thread
   * as source, so it must be self-contained: no closures over outer variables or imports. Throwing
   * rejects the message (status = the error's positive integer `status`, else 1).
   */
  readonly emulate: CpuMessageHandler<InF, OutF, S>;
  /** `'parallel'` (default): one thread per message of a burst; `'sequential'`: thread 0 walks the burst in order. */
  readonly order?: CudaBurstOrder;
  /** Threads of the kernel's block and the largest burst (multiple of 32, ≤ 1024). Default 128. */
  readonly lanes?: number;
  /** Slots of each ring (power of two). Default 1024. */
  readonly ringCapacity?: number;
  /** Default `'auto'`. */
  readonly device?: CudaDeviceChoice;
  /**
   * PTX built ahead of time for this exact source. Default: the PTX shipped in the package when the
   * source is one of the shipped kernels (`npm run build:ptx`), else nvcc compiles it at launch.
   */
  readonly ptx?: string;
}

/** A persistent ring kernel definition, launched with `runtime.launch`. */
export interface CudaRingKernelDefinition<
  InF extends FieldMap,
  OutF extends FieldMap,
> extends KernelDefinition<MessageShape<InF>, MessageShape<OutF>> {
  /** The complete CUDA C source the GPU implementation compiles. */
  readonly cudaSource: string;
  /** The device link of the running life (which device, telemetry region), undefined before launch. */
  readonly device: DeviceLink | undefined;
}

/**
 * The device a CUDA ring kernel will run on for `choice`, and why: `{ kind: 'cuda-emulator', reason }`
 * says why the GPU is not used. Never throws.
 */
export async function resolveCudaDevice(
  choice: CudaDeviceChoice = 'auto',
): Promise<{ kind: 'cuda' | 'cuda-emulator'; reason: string }> {
  if (choice === 'emulator') return { kind: 'cuda-emulator', reason: 'the emulator was asked for' };
  const probe = await probeCudaDevice();
  if (probe.available) return { kind: 'cuda', reason: probe.description };
  if (choice === 'cuda') return { kind: 'cuda', reason: probe.reason };
  return { kind: 'cuda-emulator', reason: `no usable CUDA device (${probe.reason})` };
}

/**
 * Defines a persistent GPU ring kernel: launched once at `runtime.launch`, it stays resident on the
 * device and polls its input ring in mapped host memory, answering each message without a launch
 * per message (see `cudaProgram` for the kernel's loop). The host side copies requests into the
 * input ring (schema layout, same as WGSL/CUDA structs), reads replies from the output ring and
 * correlates them in order. Lifecycle goes through the control block: activate/deactivate set and
 * clear the kernel's `active` bit (deactivated, it leaves messages in the ring), terminate drains
 * the ring and stops the kernel; telemetry (processed, rejected, bursts, idle polls, device clock)
 * is written by the device. Without a GPU (`device: 'auto'`), the device emulator runs the
 * `emulate` body over the same ring layout in a worker thread.
 *
 * @example
 * ```ts
 * const Add = defineMessage('AddRequest', { a: field.f32(), b: field.f32() });
 * const Sum = defineMessage('AddReply', { sum: field.f32() });
 * const adder = cudaRingKernel({
 *   kernelId: 'adder', input: Add, output: Sum,
 *   cuda: 'output.sum = input.a + input.b;',
 *   emulate: (request) => ({ sum: request.a + request.b }),
 * });
 * await runtime.launch('adder', adder);
 * await runtime.activate('adder');
 * const reply = await runtime.request('adder', Add.create({ a: 1, b: 2 })); // reply.sum === 3
 * ```
 */
export function cudaRingKernel<
  InF extends FieldMap,
  OutF extends FieldMap,
  S extends StateMap = Record<never, never>,
>(options: CudaRingKernelOptions<InF, OutF, S>): CudaRingKernelDefinition<InF, OutF> {
  const checked = checkKernelOptions(options);
  const kernelId = checked.kernelId;
  const inputLayout = gpuLayout(options.input);
  const outputLayout = gpuLayout(options.output);
  if (inputLayout.structName === outputLayout.structName)
    throw new GpuKernelDefinitionError(
      kernelId,
      'input and output schemas need different names (they become CUDA structs)',
    );
  const state = checkStateMap(kernelId, options.state ?? {});
  if (state.length > MAX_STATE_BUFFERS)
    throw new GpuKernelDefinitionError(
      kernelId,
      `at most ${MAX_STATE_BUFFERS} state buffers, got ${state.length}`,
    );
  for (const [name] of state)
    if (['first', 'status', 'request', 'reply', 'region', 'control', 'lane', 'head', 'burst'].includes(name))
      throw new GpuKernelDefinitionError(
        kernelId,
        `state buffer name '${name}' is used by the generated CUDA kernel`,
      );
  if (typeof options.cuda !== 'string')
    throw new GpuKernelDefinitionError(kernelId, 'give the per-message CUDA C body as { cuda: string }');
  if (typeof options.emulate !== 'function')
    throw new GpuKernelDefinitionError(
      kernelId,
      'give the emulator body as { emulate: (input, state, index, first) => reply } (a self-contained function)',
    );
  const order = options.order ?? 'parallel';
  if (order !== 'parallel' && order !== 'sequential')
    throw new GpuKernelDefinitionError(
      kernelId,
      `order must be 'parallel' or 'sequential', got ${String(order)}`,
    );
  const lanes = options.lanes ?? DEFAULT_CUDA_LANES;
  if (!Number.isInteger(lanes) || lanes < 32 || lanes > 1024 || lanes % 32 !== 0)
    throw new GpuKernelDefinitionError(
      kernelId,
      `lanes must be a multiple of 32 in 32..1024, got ${String(lanes)}`,
    );
  const capacity = options.ringCapacity ?? 1024;
  let layout;
  try {
    layout = regionLayout(inputLayout.stride, outputLayout.stride, capacity, Math.min(lanes, capacity));
  } catch (error) {
    throw new GpuKernelDefinitionError(kernelId, (error as Error).message);
  }
  const choice = options.device ?? 'auto';
  const source = cudaProgram({
    input: inputLayout,
    output: outputLayout,
    state,
    body: options.cuda,
    helpers: options.cudaHelpers ?? '',
    order,
    lanes,
  });
  const bodySource = options.emulate.toString();
  let current: DeviceLink | undefined;
  return {
    kernelId,
    options: checked,
    cudaSource: source,
    get device() {
      return current;
    },
    async start(port: KernelPort<MessageShape<InF>, MessageShape<OutF>>): Promise<KernelExecution> {
      const target = await resolveCudaDevice(choice);
      const id = port.kernelId;
      let link: DeviceLink;
      if (target.kind === 'cuda') {
        link = await startCudaLink({
          kernelId: id,
          layout,
          source,
          ptx: options.ptx ?? shippedPtxFor(source),
          state,
          lanes,
        });
      } else {
        link = startEmulatorLink({
          kernelId: id,
          layout,
          inputFields: plainFields(inputLayout.fields),
          outputFields: plainFields(outputLayout.fields),
          bodySource,
          order,
          state,
        });
      }
      current = link;
      return new CudaRingExecution(port, link, inputLayout, outputLayout, options.input);
    },
  };
}

/** One life of a persistent kernel on the host: a writer feeding the input ring, a reader taking replies. */
class CudaRingExecution<
  In extends MessageShape<FieldMap>,
  Out extends MessageShape<FieldMap>,
> implements KernelExecution {
  readonly finished: Promise<void>;
  isFinished = false;
  readonly #port: KernelPort<In, Out>;
  readonly #link: DeviceLink;
  readonly #inputLayout: GpuLayout;
  readonly #outputLayout: GpuLayout;
  readonly #definition: MessageDefinition;
  /** Requests in ring order, from the oldest unanswered (`#pendingHead`) on. */
  #pending: In[] = [];
  #pendingHead = 0;
  #written = 0;
  #replied = 0;
  #writerDone = false;
  #wakeWriter: (() => void) | undefined;
  #wakeReader: (() => void) | undefined;
  #forced = false;
  /** Set once the device side failed: what it did not take stays listed. */
  #abandoned = false;
  #splitAt: number | undefined;
  readonly #one: In[] = [];

  constructor(
    port: KernelPort<In, Out>,
    link: DeviceLink,
    inputLayout: GpuLayout,
    outputLayout: GpuLayout,
    definition: MessageDefinition,
  ) {
    this.#port = port;
    this.#link = link;
    this.#inputLayout = inputLayout;
    this.#outputLayout = outputLayout;
    this.#definition = definition;
    this.stateChanged(port.state);
    const failed = link.failure.then((error) => {
      throw error;
    });
    const writer = this.#write().finally(() => {
      this.#writerDone = true;
      this.#wakeReader?.();
    });
    const reader = this.#read();
    this.finished = Promise.race([Promise.all([writer, reader]), failed])
      .then(
        () => this.#link.close(false),
        async (error: unknown) => {
          this.#abandoned = true;
          await this.#link.close(true);
          throw error;
        },
      )
      .finally(() => {
        this.isFinished = true;
      });
  }

  stateChanged(state: KernelState): void {
    const region = this.#link.region;
    if (state === 'active') region.setCommand(COMMAND.active, true);
    else if (state === 'deactivated' || state === 'launched') region.setCommand(COMMAND.active, false);
    this.#link.kick();
  }

  stop(): void {
    this.#wakeWriter?.();
  }

  async forceStop(): Promise<void> {
    this.#forced = true;
    this.#wakeReader?.();
    await this.#link.close(true);
  }

  /**
   * Requests the device claimed from the ring and did not answer (being processed, or answered but
   * not yet read): after a crash they are dead-lettered, after a forced stop listed as interrupted.
   */
  inFlight(): readonly In[] {
    const region = this.#link.region;
    const outstanding = this.#pending.length - this.#pendingHead;
    const taken = Math.min((region.load(CONTROL.claimed) - this.#replied) >>> 0, outstanding);
    this.#splitAt = this.#pendingHead + taken;
    return this.#pending.slice(this.#pendingHead, this.#splitAt);
  }

  /**
   * Requests still in the ring, never taken by the device, once it was stopped or failed (a graceful
   * termination drains the ring, so then there are none). Each message is in exactly one of this
   * and the last {@link inFlight} answer.
   */
  leftoverInputs(): readonly In[] {
    if (!this.#abandoned && !this.#forced) return [];
    return this.#pending.slice(this.#splitAt ?? this.#pendingHead);
  }

  async #write(): Promise<void> {
    const port = this.#port;
    const region = this.#link.region;
    const { capacity } = region.layout;
    const takeOptions = { signal: port.signal };
    const one = this.#one;
    while (!isStopping(port.state)) {
      const room = capacity - (this.#written - this.#replied);
      if (room === 0) {
        await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
        this.#wakeWriter = undefined;
        continue;
      }
      let batch: In[];
      try {
        batch = await port.input.takeBatch(room, takeOptions);
      } catch (error) {
        if (port.signal.aborted) break;
        throw error;
      }
      for (const message of batch) {
        if (!this.#definition.is(message)) {
          port.reportError(
            new GpuKernelInputError(
              port.kernelId,
              `it takes ${this.#definition.name} messages; got ${(message as { constructor?: { name?: string } }).constructor?.name ?? typeof message}`,
            ),
          );
          port.telemetry.processed += 1;
          continue;
        }
        one[0] = message;
        this.#inputLayout.pack(
          one,
          region.buffer,
          region.bytes.byteOffset + region.inputSlotOffset(this.#written),
        );
        this.#pending.push(message);
        this.#written = (this.#written + 1) >>> 0;
      }
      one.length = 0;
      region.store(region.inputTailWord, this.#written);
      region.bump(CONTROL.hostDoorbell);
      this.#link.kick();
      this.#wakeReader?.();
    }
    // Terminating: the device drains what is in the ring, then stops.
    region.setCommand(COMMAND.terminate, true);
    this.#link.kick();
  }

  async #read(): Promise<void> {
    const port = this.#port;
    const link = this.#link;
    const region = link.region;
    const telemetry = port.telemetry;
    const slotBase = region.bytes.byteOffset + OUTPUT_HEADER_BYTES;
    const view = new DataView(region.buffer, region.bytes.byteOffset, region.bytes.byteLength);
    const replyTo: In[] = [];
    for (;;) {
      if (this.#forced) return;
      const doorbell = region.load(CONTROL.deviceDoorbell);
      const tail = region.load(region.outputTailWord);
      if (tail !== this.#replied) {
        const count = (tail - this.#replied) >>> 0;
        const started = port.timing ? performance.now() : 0;
        for (let index = 0; index < count; index++) {
          const at = (this.#replied + index) >>> 0;
          const slot = region.outputSlotOffset(at);
          const status = view.getUint32(slot + 4, true);
          const request = this.#pending[this.#pendingHead]!;
          this.#pending[this.#pendingHead++] = undefined as unknown as In;
          if (status !== 0) {
            port.reportError(new CudaMessageRejectedError(port.kernelId, status, view.getUint32(slot, true)));
            continue;
          }
          replyTo[0] = request;
          const reply = this.#outputLayout.unpack(region.buffer, 1, {
            offset: slotBase + slot,
            replyTo,
          })[0] as Out;
          await port.emit(reply);
        }
        replyTo.length = 0;
        this.#replied = (this.#replied + count) >>> 0;
        region.store(region.outputHeadWord, this.#replied);
        region.bump(CONTROL.hostDoorbell);
        this.#wakeWriter?.();
        if (this.#pendingHead > 4096 && this.#pendingHead * 2 > this.#pending.length) {
          this.#pending = this.#pending.slice(this.#pendingHead);
          this.#pendingHead = 0;
        }
        telemetry.recordDeviceBatch(
          link.kind,
          count,
          0,
          count * region.layout.inputSlotBytes,
          count * region.layout.outputSlotBytes,
        );
        if (port.timing) {
          const now = performance.now();
          telemetry.recordProcessed(count, now - started, now);
        } else telemetry.processed += count;
        if (port.inspector?.watchingMessages === true)
          port.inspector.processed(port.kernelId, count, undefined);
        continue;
      }
      const deviceState = region.load(CONTROL.deviceState);
      if (deviceState === DEVICE_STATE.failed)
        throw new CudaDeviceError(
          port.kernelId,
          `the device reported error ${region.load(CONTROL.errorCode)}`,
        );
      if (this.#writerDone && this.#replied === this.#written && deviceState === DEVICE_STATE.terminated)
        return;
      const woken = new Promise<void>((resolve) => (this.#wakeReader = resolve));
      // Nothing in the rings and the writer still feeding: only the writer can change that (a GPU
      // link polls while it waits for the device, so it must not wait for it with nothing due).
      if (this.#written === this.#replied && !this.#writerDone) await woken;
      else await Promise.race([link.waitForDevice(doorbell, 50), woken]);
      this.#wakeReader = undefined;
    }
  }
}

export type { StateBufferSpec };
