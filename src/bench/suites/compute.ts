import {
  createOrchestrator,
  defineKernel,
  listAccelerators,
  matmul,
  spmvCsr,
  vectorAdd,
  webgpuBackend,
  type AcceleratorInfo,
  type BackendFactory,
  type ComputeOrchestrator,
} from '../../compute/index.js';
import { nodeCpuBackend } from '../../compute/node.js';
import { median, repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * Per available backend:
 * - `vector_add.gbps`: 16M float32, bytes moved = 3 × 4 × n per add; buffers stay on the device.
 * - `spmv.edges_per_s`: CSR, 1M rows × 1M columns, 5 nonzeros per row at random columns (5M).
 * - `matmul.gflops`: 1024² float32, 2·n³ flops.
 * - `dispatch_overhead_us`: one empty kernel launched and waited for (run + synchronize), median.
 * A timed GPU sample is several launches followed by one synchronize, divided by the count.
 * On a software rasterizer (Mesa llvmpipe) the sizes are cut so the suite stays short; the sizes
 * used are logged.
 */

interface Sizes {
  readonly vectorLength: number;
  readonly spmvRows: number;
  readonly spmvPerRow: number;
  readonly matmulSize: number;
  readonly launchesPerSample: number;
  readonly roundTrips: number;
  readonly warmupRuns: number;
  readonly runs: number;
}

const FULL: Sizes = {
  vectorLength: 16 * 1024 * 1024,
  spmvRows: 1_000_000,
  spmvPerRow: 5,
  matmulSize: 1024,
  launchesPerSample: 10,
  roundTrips: 300,
  warmupRuns: 1,
  runs: 5,
};
const SOFTWARE_GPU: Sizes = {
  ...FULL,
  vectorLength: 1024 * 1024,
  spmvRows: 100_000,
  matmulSize: 256,
  launchesPerSample: 3,
  roundTrips: 100,
  runs: 3,
};
const QUICK: Sizes = {
  vectorLength: 65_536,
  spmvRows: 10_000,
  spmvPerRow: 5,
  matmulSize: 64,
  launchesPerSample: 2,
  roundTrips: 20,
  warmupRuns: 1,
  runs: 2,
};

const emptyKernel = defineKernel({
  name: 'empty',
  buffers: { x: { access: 'read-write', dtypes: ['float32'], shape: [1] } },
  workSize: () => [1],
  cpu: () => undefined,
  webgpu: { workgroupSize: [1], source: () => '@compute @workgroup_size(1) fn main() {}' },
});

function isSoftware(device: AcceleratorInfo): boolean {
  return /llvmpipe|swiftshader|lavapipe|software/i.test(
    `${device.name} ${device.architecture} ${device.vendor} ${device.details.device ?? ''}`,
  );
}

/** Deterministic fill so runs are comparable (xorshift32). */
function fillRandom(target: Float32Array | Int32Array, modulo?: number): void {
  let state = 0x9e3779b9;
  for (let i = 0; i < target.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const unsigned = state >>> 0;
    target[i] = modulo === undefined ? unsigned / 4294967296 - 0.5 : unsigned % modulo;
  }
}

async function timeLaunches(
  compute: ComputeOrchestrator,
  launches: number,
  launch: () => Promise<void>,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < launches; i++) await launch();
  await compute.synchronize();
  return (performance.now() - start) / launches / 1000;
}

async function measureBackend(
  factory: BackendFactory,
  device: AcceleratorInfo,
  context: BenchContext,
  base: number,
  share: number,
): Promise<BenchResult[]> {
  const sizes = context.quick ? QUICK : isSoftware(device) ? SOFTWARE_GPU : FULL;
  const kind = device.backend;
  const launches = kind === 'cpu' ? 1 : sizes.launchesPerSample;
  const prefix = `compute.${kind}`;
  context.log(
    `${prefix}: ${device.name}; vector ${sizes.vectorLength}, spmv ${sizes.spmvRows} rows × ${sizes.spmvPerRow}, matmul ${sizes.matmulSize}²` +
      (sizes === SOFTWARE_GPU ? ' (reduced: software rasterizer)' : ''),
  );
  const compute = await createOrchestrator({ backend: factory });
  const results: BenchResult[] = [];
  const options = { warmupRuns: sizes.warmupRuns, runs: sizes.runs };
  try {
    {
      const n = sizes.vectorLength;
      context.progress(base, `${kind} vector_add`);
      using a = compute.buffer([n], 'float32');
      using b = compute.buffer([n], 'float32');
      using out = compute.buffer([n], 'float32');
      fillRandom(a.host);
      fillRandom(b.host);
      const { medians } = await repeat(async () => {
        const seconds = await timeLaunches(compute, launches, () => compute.run(vectorAdd, { a, b, out }));
        return { gbps: (3 * 4 * n) / seconds / 1e9 };
      }, options);
      results.push({ name: `${prefix}.vector_add.gbps`, value: medians.gbps, unit: 'GB/s' });
    }
    {
      const rows = sizes.spmvRows;
      const nonzeros = rows * sizes.spmvPerRow;
      context.progress(base + share * 0.3, `${kind} spmv`);
      using rowPointers = compute.buffer([rows + 1], 'int32');
      using columnIndices = compute.buffer([nonzeros], 'int32');
      using values = compute.buffer([nonzeros], 'float32');
      using x = compute.buffer([rows], 'float32');
      using y = compute.buffer([rows], 'float32');
      const pointers = rowPointers.host;
      for (let row = 0; row <= rows; row++) pointers[row] = row * sizes.spmvPerRow;
      fillRandom(columnIndices.host, rows);
      fillRandom(values.host);
      fillRandom(x.host);
      const { medians } = await repeat(async () => {
        const seconds = await timeLaunches(compute, launches, () =>
          compute.run(spmvCsr, { rowPointers, columnIndices, values, x, y }),
        );
        return { edgesPerSecond: nonzeros / seconds };
      }, options);
      results.push({ name: `${prefix}.spmv.edges_per_s`, value: medians.edgesPerSecond, unit: 'edges/s' });
    }
    {
      const size = sizes.matmulSize;
      context.progress(base + share * 0.6, `${kind} matmul`);
      using a = compute.buffer([size, size], 'float32');
      using b = compute.buffer([size, size], 'float32');
      using out = compute.buffer([size, size], 'float32');
      fillRandom(a.host);
      fillRandom(b.host);
      const { medians } = await repeat(
        async () => {
          const seconds = await timeLaunches(compute, launches, () => compute.run(matmul, { a, b, out }));
          return { gflops: (2 * size ** 3) / seconds / 1e9 };
        },
        { warmupRuns: 1, runs: kind === 'cpu' ? Math.min(3, sizes.runs) : sizes.runs },
      );
      results.push({ name: `${prefix}.matmul.gflops`, value: medians.gflops, unit: 'GFLOP/s' });
    }
    {
      context.progress(base + share * 0.9, `${kind} dispatch`);
      using x = compute.buffer([1], 'float32');
      for (let i = 0; i < 10; i++) {
        await compute.run(emptyKernel, { x });
        await compute.synchronize();
      }
      const samples: number[] = [];
      for (let i = 0; i < sizes.roundTrips; i++) {
        const start = performance.now();
        await compute.run(emptyKernel, { x });
        await compute.synchronize();
        samples.push((performance.now() - start) * 1000);
      }
      results.push({ name: `${prefix}.dispatch_overhead_us`, value: median(samples), unit: 'us' });
    }
  } finally {
    compute.dispose();
  }
  return results;
}

/**
 * Compute-layer throughput per available backend (CPU always; WebGPU when an adapter exists).
 *
 * @example
 * ```ts
 * const results = await computeSuite.run({ quick: true, progress: () => {}, log: console.log });
 * ```
 */
export const computeSuite: BenchSuite = {
  name: 'compute',
  description:
    'vector add GB/s, CSR SpMV edges/s, tiled matmul GFLOP/s and empty-kernel round trip, per backend',
  async run(context: BenchContext): Promise<BenchResult[]> {
    const factories: BackendFactory[] = [nodeCpuBackend(), webgpuBackend()];
    const devices = await listAccelerators({ factories });
    const results: BenchResult[] = [];
    const usable = factories
      .map((factory) => ({ factory, device: devices.find((device) => device.backend === factory.kind) }))
      .filter((entry): entry is { factory: BackendFactory; device: AcceleratorInfo } => {
        if (entry.device?.available === true) return true;
        context.log(`compute.${entry.factory.kind}: skipped (${entry.device?.reason ?? 'not found'})`);
        return false;
      });
    for (const [index, { factory, device }] of usable.entries())
      results.push(
        ...(await measureBackend(factory, device, context, index / usable.length, 1 / usable.length)),
      );
    context.progress(1);
    return results;
  },
};
