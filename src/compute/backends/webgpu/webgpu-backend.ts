/// <reference types="@webgpu/types" />
import {
  errorText,
  looksLikeSoftwareAdapter,
  unavailableAccelerator,
  type AcceleratorInfo,
  type AcceleratorLimits,
} from '../../accelerator-info.js';
import type {
  BackendFactory,
  ComputeBackend,
  DeviceAllocation,
  DeviceScope,
  KernelLaunch,
  LaunchBuffer,
} from '../../backend.js';
import type { CompileCache } from '../../compile-cache.js';
import { wgslType, type DType } from '../../dtype.js';
import {
  BackendUnavailableError,
  DeviceError,
  KernelArgumentError,
  KernelCompilationError,
  KernelNotImplementedError,
  UnsupportedDtypeError,
} from '../../errors.js';
import { dispatchSize } from '../../launch-geometry.js';
import { loadDawnCandidates, type DawnOptions } from './dawn-loader.js';
import type { GpuCandidate } from './gpu-candidate.js';

// Spec-defined flag values (WebGPU §GPUBufferUsage / GPUMapMode); read here rather than from
// globals so the Dawn module need not be installed onto globalThis.
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_SRC = 0x0004;
const USAGE_COPY_DST = 0x0008;
const USAGE_UNIFORM = 0x0040;
const USAGE_STORAGE = 0x0080;
const MAP_MODE_READ = 0x0001;
const STAGE_COMPUTE = 0x4;

// The shipped declarations name this WebGPU type. Declaring them (empty) here keeps the .d.ts free
// of a reference to @webgpu/types, whose declarations need the DOM lib (a Node project compiling
// with lib es2023 and @types/node would fail on them): without WebGPU types the names resolve to
// an opaque interface, and where @webgpu/types (or a lib with WebGPU) is loaded these merges with the
// real one, so `backend.device` is the full `GPUDevice`.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a stand-in, merged with the real GPUDevice
  interface GPUDevice {}
}

/** Options for {@link webgpuBackend}. */
export interface WebgpuBackendOptions extends DawnOptions {
  /**
   * Supplies the GPU entry points to try. Default: `navigator.gpu` when present (browsers),
   * otherwise Dawn through the `webgpu` package (see `loadDawnCandidates`).
   */
  readonly loadGPU?: () => Promise<readonly GpuCandidate[]>;
  /** Priority for `backend: 'auto'`; default 10 (before the CPU's 0). */
  readonly priority?: number;
}

interface FoundAdapter {
  readonly adapter: GPUAdapter;
  readonly label: string;
}

async function findAdapter(options: WebgpuBackendOptions, scope: DeviceScope = {}): Promise<FoundAdapter> {
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const hardwareOnly = scope.hardwareOnly === true;
  const candidates = await (options.loadGPU?.() ??
    (navigatorGpu !== undefined
      ? Promise.resolve([
          {
            gpu: navigatorGpu,
            adapterOptions: { powerPreference: 'high-performance' },
            label: 'navigator.gpu',
          },
        ] as GpuCandidate[])
      : loadDawnCandidates({ ...options, hardwareOnly })));
  const tried: string[] = [];
  for (const candidate of candidates) {
    try {
      const adapter = await candidate.gpu.requestAdapter(candidate.adapterOptions);
      const found = adapter === null ? undefined : { adapter, label: candidate.label };
      if (found !== undefined && hardwareOnly && describeAdapter(found, found.adapter.limits).software) {
        tried.push(
          `${candidate.label}: only a software adapter (${found.adapter.info.description || 'unnamed'})`,
        );
        continue;
      }
      if (found !== undefined) return found;
      tried.push(`${candidate.label}: no adapter`);
    } catch (error) {
      tried.push(`${candidate.label}: ${errorText(error)}`);
    }
  }
  throw new Error(
    tried.length === 0
      ? hardwareOnly
        ? 'no hardware GPU found (no GPU device node: /dev/dri/renderD*, /dev/nvidia*)'
        : 'no GPU entry point to try'
      : `no ${hardwareOnly ? 'hardware ' : ''}WebGPU adapter found (${tried.join('; ')})`,
  );
}

function limitsOf(limits: GPUSupportedLimits): AcceleratorLimits {
  return {
    maxWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    maxWorkgroupInvocations: limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    minStorageBufferOffsetAlignment: limits.minStorageBufferOffsetAlignment,
    maxStorageBuffersPerStage: limits.maxStorageBuffersPerShaderStage,
    maxWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
  };
}

function describeAdapter(found: FoundAdapter, limits: GPUSupportedLimits): AcceleratorInfo {
  const info = found.adapter.info;
  const described = {
    backend: 'webgpu',
    name: info.description || info.device || 'WebGPU adapter',
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    available: true,
    limits: limitsOf(limits),
    features: [...found.adapter.features].sort(),
    details: {
      entry: found.label,
      device: info.device || 'unknown',
      fallbackAdapter: String((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false),
      featureLevel: String((found.adapter as { featureLevel?: string }).featureLevel ?? 'core'),
    },
  };
  return { ...described, software: looksLikeSoftwareAdapter(described) };
}

let instances = 0;

interface CompiledKernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Reused for every launch: `writeBuffer` is ordered on the queue before the next submit. */
  readonly uniform: GPUBuffer | null;
  readonly uniformBytes: ArrayBuffer | null;
}

/**
 * Runs kernels' WGSL implementations on a WebGPU device. Storage buffers are allocated per
 * `UnifiedBuffer`; scalars travel in one uniform block per kernel. Use {@link webgpuBackend}.
 */
export class WebgpuBackend implements ComputeBackend {
  readonly kind = 'webgpu';
  readonly id = `webgpu#${++instances}`;
  readonly accelerator: AcceleratorInfo;
  readonly limits: AcceleratorLimits;
  readonly sharesHostMemory = false;
  /**
   * The WebGPU device, for interop. Its type is the full `GPUDevice` where WebGPU types are loaded
   * (`@webgpu/types`, or a browser lib that has them); otherwise an opaque interface.
   */
  readonly device: GPUDevice;
  readonly #liveBuffers = new Set<GPUBuffer>();
  readonly #hasF16: boolean;
  #deviceError: string | undefined;
  #disposed = false;

  constructor(device: GPUDevice, accelerator: AcceleratorInfo) {
    this.device = device;
    this.limits = limitsOf(device.limits);
    this.accelerator = { ...accelerator, limits: this.limits };
    this.#hasF16 = device.features.has('shader-f16');
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      this.#deviceError ??= event.error.message;
    };
  }

  supportsDtype(dtype: DType): boolean {
    if (dtype === 'float64') return false;
    if (dtype === 'float16') return this.#hasF16;
    return true;
  }

  allocate(byteLength: number): DeviceAllocation {
    const native = this.#createBuffer(
      Math.max(4, (byteLength + 3) & ~3),
      USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST,
    );
    return { byteLength: native.size, native };
  }

  free(allocation: DeviceAllocation): void {
    this.#destroyBuffer(allocation.native as GPUBuffer);
  }

  upload(allocation: DeviceAllocation, source: Uint8Array): void {
    if (source.byteLength === 0) return;
    this.device.queue.writeBuffer(
      allocation.native as GPUBuffer,
      0,
      source.buffer,
      source.byteOffset,
      source.byteLength,
    );
  }

  async download(allocation: DeviceAllocation, target: Uint8Array): Promise<void> {
    if (target.byteLength === 0) return;
    const staging = this.#createBuffer(target.byteLength, USAGE_MAP_READ | USAGE_COPY_DST);
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(allocation.native as GPUBuffer, 0, staging, 0, target.byteLength);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ);
      target.set(new Uint8Array(staging.getMappedRange(), 0, target.byteLength));
      staging.unmap();
    } finally {
      this.#destroyBuffer(staging);
    }
    this.#throwDeviceError();
  }

  async launch(launch: KernelLaunch, cache: CompileCache): Promise<void> {
    const { kernel } = launch;
    const implementation = kernel.webgpu;
    if (implementation === undefined) throw new KernelNotImplementedError(kernel.name, 'webgpu');
    const types: Record<string, string> = {};
    const dtypes: Record<string, DType> = {};
    const alignment = this.limits.minStorageBufferOffsetAlignment;
    for (const [name, buffer] of launch.buffers) {
      const type = wgslType(buffer.dtype);
      if (type === undefined)
        throw new UnsupportedDtypeError(buffer.dtype, `WGSL kernels ('${kernel.name}', '${name}')`, [
          'float32',
          'int32',
          'uint32',
          ...(this.#hasF16 ? ['float16'] : []),
        ]);
      if (buffer.byteOffset % alignment !== 0)
        throw new KernelArgumentError(
          kernel.name,
          name,
          `a view at byte offset ${buffer.byteOffset} cannot be bound; WebGPU needs offsets that are multiples of ${alignment} bytes`,
        );
      types[name] = type;
      dtypes[name] = buffer.dtype;
    }
    this.#checkAliasing(launch);
    const workgroupSize = implementation.workgroupSize;
    const source =
      this.#prelude(launch, types, workgroupSize) +
      implementation.source({ types, dtypes, workgroupSize: workgroupSize.join(', ') });
    const compiled = await cache.getOrCompile(
      { source, options: `main|${workgroupSize.join('x')}|explicit-layout`, device: this.id },
      () => this.#compile(kernel.name, source, launch),
    );
    const [x, y, z] = dispatchSize(launch.workSize, workgroupSize, this.limits.maxWorkgroupsPerDimension);
    const entries: GPUBindGroupEntry[] = [];
    let binding = 0;
    for (const buffer of launch.buffers.values()) {
      const allocation = buffer.device;
      entries.push({
        binding: binding++,
        resource: {
          buffer: allocation.native as GPUBuffer,
          offset: buffer.byteOffset,
          size: Math.max(4, (buffer.byteLength + 3) & ~3),
        },
      });
    }
    if (compiled.uniform !== null && compiled.uniformBytes !== null) {
      const view = new DataView(compiled.uniformBytes);
      let offset = 0;
      for (const [name, value] of launch.scalars) {
        const type = kernel.scalars[name]?.type;
        if (type === 'f32') view.setFloat32(offset, value, true);
        else if (type === 'i32') view.setInt32(offset, value, true);
        else view.setUint32(offset, value, true);
        offset += 4;
      }
      this.device.queue.writeBuffer(compiled.uniform, 0, compiled.uniformBytes);
      entries.push({ binding, resource: { buffer: compiled.uniform } });
    }
    const bindGroup = this.device.createBindGroup({ layout: compiled.layout, entries });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(compiled.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  async synchronize(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.#throwDeviceError();
  }

  liveAllocations(): number {
    return this.#liveBuffers.size;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const buffer of this.#liveBuffers) buffer.destroy();
    this.#liveBuffers.clear();
    this.device.destroy();
  }

  #createBuffer(size: number, usage: number): GPUBuffer {
    const buffer = this.device.createBuffer({ size, usage });
    this.#liveBuffers.add(buffer);
    return buffer;
  }

  #destroyBuffer(buffer: GPUBuffer): void {
    if (this.#liveBuffers.delete(buffer)) buffer.destroy();
  }

  #throwDeviceError(): void {
    const message = this.#deviceError;
    if (message === undefined) return;
    this.#deviceError = undefined;
    throw new DeviceError(this.id, message);
  }

  #checkAliasing(launch: KernelLaunch): void {
    const entries = [...launch.buffers];
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const [nameA, a] = entries[i] as [string, LaunchBuffer];
        const [nameB, b] = entries[j] as [string, LaunchBuffer];
        const writes =
          launch.kernel.buffers[nameA]?.access !== 'read' || launch.kernel.buffers[nameB]?.access !== 'read';
        if (!writes || a.device.native !== b.device.native) continue;
        const overlap =
          a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
        if (overlap)
          throw new KernelArgumentError(
            launch.kernel.name,
            nameB,
            `shares memory with '${nameA}' and one of them is written; WebGPU forbids aliasing a written binding — pass a separate output buffer`,
          );
      }
    }
  }

  #prelude(launch: KernelLaunch, types: Record<string, string>, workgroupSize: readonly number[]): string {
    const lines: string[] = [];
    if (Object.values(types).includes('f16')) lines.push('enable f16;');
    let binding = 0;
    for (const name of launch.buffers.keys()) {
      const access = launch.kernel.buffers[name]?.access === 'read' ? 'read' : 'read_write';
      lines.push(`@group(0) @binding(${binding++}) var<storage, ${access}> ${name}: array<${types[name]}>;`);
    }
    if (launch.scalars.size > 0) {
      const fields = [...launch.scalars.keys()].map(
        (name) => `  ${name}: ${launch.kernel.scalars[name]?.type},`,
      );
      lines.push('struct Scalars {', ...fields, '}');
      lines.push(`@group(0) @binding(${binding}) var<uniform> scalars: Scalars;`);
    }
    lines.push(`const WORKGROUP_SIZE_X: u32 = ${workgroupSize[0] ?? 1}u;`);
    lines.push(
      'fn linear_index(global_id: vec3<u32>, workgroups: vec3<u32>) -> u32 {',
      '  return global_id.x + global_id.y * workgroups.x * WORKGROUP_SIZE_X;',
      '}',
      '',
    );
    return lines.join('\n');
  }

  async #compile(name: string, source: string, launch: KernelLaunch): Promise<CompiledKernel> {
    const device = this.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: source, label: name });
    const info = await module.getCompilationInfo();
    const scopeError = await device.popErrorScope();
    const errors = info.messages.filter((message) => message.type === 'error');
    if (errors.length > 0 || scopeError !== null) {
      const text = errors
        .map((message) => `${message.lineNum}:${message.linePos} ${message.message}`)
        .join('; ');
      throw new KernelCompilationError(name, this.id, text || (scopeError?.message ?? 'unknown error'));
    }
    const layoutEntries: GPUBindGroupLayoutEntry[] = [];
    let binding = 0;
    for (const parameter of launch.buffers.keys())
      layoutEntries.push({
        binding: binding++,
        visibility: STAGE_COMPUTE,
        buffer: {
          type: launch.kernel.buffers[parameter]?.access === 'read' ? 'read-only-storage' : 'storage',
        },
      });
    let uniform: GPUBuffer | null = null;
    let uniformBytes: ArrayBuffer | null = null;
    if (launch.scalars.size > 0) {
      layoutEntries.push({ binding, visibility: STAGE_COMPUTE, buffer: { type: 'uniform' } });
      uniformBytes = new ArrayBuffer(Math.ceil((launch.scalars.size * 4) / 16) * 16);
      uniform = this.#createBuffer(uniformBytes.byteLength, USAGE_UNIFORM | USAGE_COPY_DST);
    }
    const layout = device.createBindGroupLayout({ entries: layoutEntries, label: name });
    try {
      const pipeline = await device.createComputePipelineAsync({
        label: name,
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      return { pipeline, layout, uniform, uniformBytes };
    } catch (error) {
      if (uniform !== null) this.#destroyBuffer(uniform);
      throw new KernelCompilationError(name, this.id, errorText(error));
    }
  }
}

/**
 * Factory for the WebGPU backend (priority 10). In Node it loads Dawn lazily through the
 * optional `webgpu` package; in a browser it uses `navigator.gpu`. Discovery reports why it is
 * unavailable (package missing, no adapter) instead of throwing.
 *
 * @example
 * ```ts
 * const compute = await createOrchestrator({ backend: webgpuBackend({ backend: 'vulkan' }) });
 * ```
 */
export function webgpuBackend(options: WebgpuBackendOptions = {}): BackendFactory {
  return {
    kind: 'webgpu',
    priority: options.priority ?? 10,
    async discover(scope?: DeviceScope): Promise<AcceleratorInfo[]> {
      try {
        const found = await findAdapter(options, scope);
        return [describeAdapter(found, found.adapter.limits)];
      } catch (error) {
        return [unavailableAccelerator('webgpu', errorText(error))];
      }
    },
    async create(scope?: DeviceScope): Promise<ComputeBackend> {
      let found: FoundAdapter;
      try {
        found = await findAdapter(options, scope);
      } catch (error) {
        throw new BackendUnavailableError('webgpu', errorText(error));
      }
      const { adapter } = found;
      const limits = adapter.limits;
      const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
          maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        },
      });
      return new WebgpuBackend(device, describeAdapter(found, device.limits));
    },
  };
}
