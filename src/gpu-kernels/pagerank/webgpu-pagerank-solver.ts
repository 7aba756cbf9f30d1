/// <reference types="@webgpu/types" />
import { KernelCompilationError, type DeviceAllocation, type WebgpuBackend } from '../../compute/index.js';
import { GpuKernelInputError } from '../errors.js';
import type { CsrGraph } from './csr-graph.js';
import { PAGERANK_WGSL, PAGERANK_WORKGROUP_SIZE, TOTAL_COUNTER, TOTAL_HISTORY } from './pagerank-wgsl.js';
import type { PageRankSettings, PageRankSolveOutcome, PageRankSolver } from './pagerank-solver.js';

const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_DST = 0x0008;
const USAGE_UNIFORM = 0x0040;
const MAP_MODE_READ = 0x0001;
const STAGE_COMPUTE = 0x4;
/** Most iterations submitted before the host reads their changes back. */
const MAX_CHUNK = 64;
const PARAMS_BYTES = 16;

interface Pipelines {
  readonly layout: GPUBindGroupLayout;
  readonly initialize: GPUComputePipeline;
  readonly step: GPUComputePipeline;
  readonly reduceInitial: GPUComputePipeline;
  readonly reduceStep: GPUComputePipeline;
}

interface NodeBuffers {
  readonly nodeCount: number;
  readonly partialCount: number;
  readonly rank: GPUBuffer;
  readonly contributionA: GPUBuffer;
  readonly contributionB: GPUBuffer;
  readonly partials: GPUBuffer;
  readonly totals: GPUBuffer;
  readonly allocations: DeviceAllocation[];
}

interface GraphBuffers {
  readonly rowOffsets: GPUBuffer;
  readonly sources: GPUBuffer;
  readonly inverseDegree: GPUBuffer;
  readonly allocations: DeviceAllocation[];
}

/**
 * PageRank on a WebGPU device in float32: CSR graph, ranks and contributions stay in device buffers
 * across requests; a solve submits up to 64 iterations at a time and reads back only their changes.
 * Float32 ranks cannot resolve changes much below 1e-7 of a rank, so the tolerance is raised to
 * 1e-6 / N at least. In-link sums are compensated, so a hub's thousands of in-links cost
 * about one rounding, not one each: hubs are as accurate as other nodes, and ranks sum to 1 within
 * about 1e-6.
 */
export class WebgpuPageRankSolver implements PageRankSolver {
  readonly backendKind = 'webgpu';
  readonly #kernelId: string;
  readonly #backend: WebgpuBackend;
  readonly #device: GPUDevice;
  readonly #pipelines: Pipelines;
  readonly #params: GPUBuffer;
  readonly #historyStaging: GPUBuffer;
  #nodes: NodeBuffers | undefined;
  #graph: GraphBuffers | undefined;
  #bindGroups: [GPUBindGroup, GPUBindGroup] | undefined;
  /** Which bind group holds the current contributions as `current`. */
  #parity: 0 | 1 = 0;

  private constructor(kernelId: string, backend: WebgpuBackend, pipelines: Pipelines) {
    this.#kernelId = kernelId;
    this.#backend = backend;
    this.#device = backend.device;
    this.#pipelines = pipelines;
    this.#params = this.#device.createBuffer({ size: PARAMS_BYTES, usage: USAGE_UNIFORM | USAGE_COPY_DST });
    this.#historyStaging = this.#device.createBuffer({
      size: MAX_CHUNK * 4,
      usage: USAGE_MAP_READ | USAGE_COPY_DST,
    });
  }

  /** Compiles the shaders; rejects with `KernelCompilationError`. */
  static async create(kernelId: string, backend: WebgpuBackend): Promise<WebgpuPageRankSolver> {
    const device = backend.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: PAGERANK_WGSL, label: `${kernelId} pagerank` });
    const info = await module.getCompilationInfo();
    const scopeError = await device.popErrorScope();
    const errors = info.messages.filter((message) => message.type === 'error');
    if (errors.length > 0 || scopeError !== null)
      throw new KernelCompilationError(
        'pagerank',
        backend.id,
        errors.map((message) => `${message.lineNum}:${message.linePos} ${message.message}`).join('; ') ||
          (scopeError?.message ?? 'unknown'),
      );
    const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: STAGE_COMPUTE,
      buffer: { type },
    });
    const layout = device.createBindGroupLayout({
      entries: [
        storage(0, 'uniform'),
        storage(1, 'read-only-storage'),
        storage(2, 'read-only-storage'),
        storage(3, 'read-only-storage'),
        storage(4, 'storage'),
        storage(5, 'storage'),
        storage(6, 'storage'),
        storage(7, 'storage'),
        storage(8, 'storage'),
      ],
    });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const pipeline = (entryPoint: string) =>
      device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint } });
    try {
      const [initialize, step, reduceInitial, reduceStep] = await Promise.all([
        pipeline('initialize'),
        pipeline('step'),
        pipeline('reduce_initial'),
        pipeline('reduce_step'),
      ]);
      return new WebgpuPageRankSolver(kernelId, backend, {
        layout,
        initialize,
        step,
        reduceInitial,
        reduceStep,
      });
    } catch (error) {
      throw new KernelCompilationError(
        'pagerank',
        backend.id,
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  load(graph: CsrGraph): Promise<{ bytesToDevice: number }> {
    const { nodeCount } = graph;
    const limit = this.#backend.limits.maxWorkgroupsPerDimension * PAGERANK_WORKGROUP_SIZE;
    if (nodeCount > limit)
      return Promise.reject(
        new GpuKernelInputError(
          this.#kernelId,
          `${nodeCount} nodes exceed this device's ${limit} per dispatch`,
        ),
      );
    const queue = this.#device.queue;
    let bytes = 0;
    if (this.#nodes?.nodeCount !== nodeCount) {
      this.#freeNodes();
      const partialCount = Math.ceil(nodeCount / PAGERANK_WORKGROUP_SIZE);
      const allocations: DeviceAllocation[] = [];
      const buffer = (byteLength: number): GPUBuffer => {
        const allocation = this.#backend.allocate(byteLength);
        allocations.push(allocation);
        return allocation.native as GPUBuffer;
      };
      const rank = buffer(nodeCount * 4);
      const initial = new Float32Array(nodeCount).fill(1 / nodeCount);
      queue.writeBuffer(rank, 0, initial);
      bytes += initial.byteLength;
      this.#nodes = {
        nodeCount,
        partialCount,
        rank,
        contributionA: buffer(nodeCount * 4),
        contributionB: buffer(nodeCount * 4),
        partials: buffer(partialCount * 8),
        totals: buffer((TOTAL_HISTORY + MAX_CHUNK) * 4),
        allocations,
      };
      const params = new ArrayBuffer(PARAMS_BYTES);
      new Uint32Array(params, 0, 2).set([nodeCount, partialCount]);
      queue.writeBuffer(this.#params, 0, params);
    }
    this.#freeGraph();
    const allocations: DeviceAllocation[] = [];
    const upload = (data: Uint32Array | Float32Array): GPUBuffer => {
      const allocation = this.#backend.allocate(Math.max(4, data.byteLength));
      allocations.push(allocation);
      const target = allocation.native as GPUBuffer;
      if (data.byteLength > 0) queue.writeBuffer(target, 0, data.buffer, data.byteOffset, data.byteLength);
      bytes += data.byteLength;
      return target;
    };
    const inverse = new Float32Array(nodeCount);
    for (let node = 0; node < nodeCount; node++) {
      const out = graph.outDegree[node]!;
      inverse[node] = out === 0 ? 0 : 1 / out;
    }
    this.#graph = {
      rowOffsets: upload(graph.rowOffsets),
      sources: upload(graph.sources),
      inverseDegree: upload(inverse),
      allocations,
    };
    this.#bindGroups = [this.#bindGroup(false), this.#bindGroup(true)];
    this.#parity = 0;
    return Promise.resolve({ bytesToDevice: bytes });
  }

  async solve(settings: PageRankSettings): Promise<PageRankSolveOutcome> {
    const nodes = this.#nodes;
    const bindGroups = this.#bindGroups;
    if (nodes === undefined || bindGroups === undefined)
      return {
        iterations: 0,
        converged: true,
        residual: 0,
        deviceMs: 0,
        bytesToDevice: 0,
        bytesFromDevice: 0,
      };
    const device = this.#device;
    const { damping, maxIterations } = settings;
    const tolerance = Math.max(settings.tolerance, 1e-6 / nodes.nodeCount);
    const params = new Float32Array([damping, (1 - damping) / nodes.nodeCount]);
    device.queue.writeBuffer(this.#params, 8, params);
    const groups = nodes.partialCount;
    const started = performance.now();
    let iterations = 0;
    let residual = Infinity;
    let converged = false;
    let chunk = 4;
    let bytesFromDevice = 0;
    let first = true;
    while (iterations < maxIterations && !converged) {
      const count = Math.min(chunk, maxIterations - iterations, MAX_CHUNK);
      device.queue.writeBuffer(nodes.totals, TOTAL_COUNTER * 4, new Float32Array([0]));
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      if (first) {
        pass.setBindGroup(0, bindGroups[this.#parity]);
        pass.setPipeline(this.#pipelines.initialize);
        pass.dispatchWorkgroups(groups);
        pass.setPipeline(this.#pipelines.reduceInitial);
        pass.dispatchWorkgroups(1);
        first = false;
      }
      for (let index = 0; index < count; index++) {
        pass.setBindGroup(0, bindGroups[this.#parity]);
        pass.setPipeline(this.#pipelines.step);
        pass.dispatchWorkgroups(groups);
        pass.setPipeline(this.#pipelines.reduceStep);
        pass.dispatchWorkgroups(1);
        this.#parity = this.#parity === 0 ? 1 : 0;
      }
      pass.end();
      encoder.copyBufferToBuffer(nodes.totals, TOTAL_HISTORY * 4, this.#historyStaging, 0, count * 4);
      device.queue.submit([encoder.finish()]);
      await this.#historyStaging.mapAsync(MAP_MODE_READ, 0, count * 4);
      const changes = new Float32Array(this.#historyStaging.getMappedRange(0, count * 4).slice(0));
      this.#historyStaging.unmap();
      bytesFromDevice += count * 4;
      for (let index = 0; index < count; index++) {
        iterations++;
        residual = changes[index]!;
        // Iterations already submitted past convergence still ran; they are counted.
        if (residual < tolerance) converged = true;
      }
      chunk = Math.min(chunk * 2, MAX_CHUNK);
    }
    return {
      iterations,
      converged,
      residual: iterations === 0 ? 0 : residual,
      deviceMs: performance.now() - started,
      bytesToDevice: 0,
      bytesFromDevice,
    };
  }

  async ranks(): Promise<Float64Array> {
    const nodes = this.#nodes;
    if (nodes === undefined) return new Float64Array(0);
    const bytes = nodes.nodeCount * 4;
    const staging = this.#device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    try {
      const encoder = this.#device.createCommandEncoder();
      encoder.copyBufferToBuffer(nodes.rank, 0, staging, 0, bytes);
      this.#device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ);
      const ranks = Float64Array.from(new Float32Array(staging.getMappedRange()));
      staging.unmap();
      return ranks;
    } finally {
      staging.destroy();
    }
  }

  dispose(): void {
    this.#freeGraph();
    this.#freeNodes();
    this.#params.destroy();
    this.#historyStaging.destroy();
  }

  #bindGroup(swapped: boolean): GPUBindGroup {
    const nodes = this.#nodes!;
    const graph = this.#graph!;
    const buffers = [
      this.#params,
      graph.rowOffsets,
      graph.sources,
      graph.inverseDegree,
      nodes.rank,
      swapped ? nodes.contributionB : nodes.contributionA,
      swapped ? nodes.contributionA : nodes.contributionB,
      nodes.partials,
      nodes.totals,
    ];
    return this.#device.createBindGroup({
      layout: this.#pipelines.layout,
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  #freeNodes(): void {
    for (const allocation of this.#nodes?.allocations ?? []) this.#backend.free(allocation);
    this.#nodes = undefined;
  }

  #freeGraph(): void {
    for (const allocation of this.#graph?.allocations ?? []) this.#backend.free(allocation);
    this.#graph = undefined;
    this.#bindGroups = undefined;
  }
}
