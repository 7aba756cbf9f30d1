import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  BufferDisposedError,
  CompileCache,
  ComputeDisposedError,
  KernelArgumentError,
  KernelCompilationError,
  KernelNotImplementedError,
  LaunchGeometryError,
  UnifiedBuffer,
  UnsupportedDtypeError,
  axpy,
  cpuBackend,
  createOrchestrator,
  defineKernel,
  dispatchSize,
  mapKernel,
  matmul,
  reduceMax,
  reduceMin,
  reduceSum,
  spmvCsr,
  vectorAdd,
  vectorScale,
} from '../../src/compute/index.js';
import { probeWebgpu } from './helpers.js';

const cpu = await createOrchestrator({ backend: cpuBackend() });

function assertArgumentError(parameter: string, pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof KernelArgumentError, `expected KernelArgumentError, got ${String(error)}`);
    assert.equal(error.code, 'KERNEL_ARGUMENT');
    assert.equal(error.parameter, parameter);
    assert.match(error.message, pattern);
    return true;
  };
}

test('defineKernel rejects definitions that cannot work', () => {
  const base = { name: 'k', workSize: () => [1], cpu: () => undefined };
  assert.throws(
    () => defineKernel({ ...base, name: '', buffers: { x: { access: 'read' } } }),
    InvalidArgumentError,
  );
  assert.throws(() => defineKernel({ ...base, buffers: {} }), /at least one buffer/);
  assert.throws(
    () => defineKernel({ ...base, buffers: { 'bad-name': { access: 'read' } } }),
    /WGSL identifier/,
  );
  assert.throws(() => defineKernel({ ...base, buffers: { scalars: { access: 'read' } } }), /WGSL identifier/);
  assert.throws(
    () => defineKernel({ ...base, buffers: { x: { access: 'read', sameDtypeAs: 'y' } } }),
    /unknown buffer 'y'/,
  );
  assert.throws(
    () => defineKernel({ name: 'k', workSize: () => [1], buffers: { x: { access: 'read' } } }),
    /cpu or a webgpu implementation/,
  );
  assert.throws(() => mapKernel({ wgsl: 'x; }', cpu: (x) => x }), /single expression/);
});

test('validation: wrong dtype, mismatched dtypes, wrong rank and shape mismatch', async () => {
  const f32 = cpu.buffer([4], 'float32');
  const i32 = cpu.buffer([4], 'int32');
  const u8 = cpu.buffer([4], 'uint8');
  await assert.rejects(
    cpu.run(vectorAdd, { a: u8, b: u8, out: u8 }),
    assertArgumentError('a', /dtype uint8 is not accepted; use one of float32, float64, int32, uint32/),
  );
  await assert.rejects(
    cpu.run(vectorAdd, { a: f32, b: i32, out: f32 }),
    assertArgumentError('b', /dtype int32 must equal the dtype of 'a' \(float32\)/),
  );
  await assert.rejects(
    cpu.run(vectorAdd, { a: f32, b: f32, out: cpu.buffer([2, 2], 'float32') }),
    assertArgumentError('out', /shape \[2, 2\] must have 1 dimension/),
  );
  await assert.rejects(
    cpu.run(vectorAdd, { a: f32, b: f32, out: cpu.buffer([5], 'float32') }),
    assertArgumentError('out', /dimension 0 \('n'\) is 5 but another argument fixed 'n' = 4/),
  );
  await assert.rejects(
    cpu.run(matmul, { a: cpu.buffer([2, 3]), b: cpu.buffer([4, 2]), out: cpu.buffer([2, 2]) }),
    assertArgumentError('b', /'k'\) is 4 but another argument fixed 'k' = 3/),
  );
  const csr = {
    rowPointers: cpu.buffer([3], 'int32'),
    columnIndices: cpu.buffer([2], 'int32'),
    values: cpu.buffer([2]),
    x: cpu.buffer([2]),
    y: cpu.buffer([3]),
  };
  await assert.rejects(cpu.run(spmvCsr, csr), assertArgumentError('rowPointers', /needs rows \+ 1 = 4/));
});

test('validation: not a buffer, unknown parameter, scalars missing or out of range', async () => {
  const x = cpu.buffer([4]);
  const out = cpu.buffer([4]);
  await assert.rejects(
    cpu.run(vectorScale, { x: new Float32Array(4) as unknown as UnifiedBuffer, out, alpha: 1 }),
    assertArgumentError('x', /expected a UnifiedBuffer, got Float32Array\(4\)/),
  );
  await assert.rejects(
    cpu.run(vectorScale, { x, out, alpha: 1, beta: 2 } as unknown as {
      x: UnifiedBuffer;
      out: UnifiedBuffer;
      alpha: number;
    }),
    assertArgumentError('beta', /unknown parameter; 'vector_scale' takes x, out, alpha/),
  );
  await assert.rejects(
    cpu.run(vectorScale, { x, out }),
    assertArgumentError('alpha', /missing scalar argument \(f32\)/),
  );
  await assert.rejects(
    cpu.run(vectorScale, { x, out, alpha: Number.NaN }),
    assertArgumentError('alpha', /finite number/),
  );
  await assert.rejects(
    cpu.run(matmul, { a: cpu.buffer([1, 1]), b: cpu.buffer([1, 1]), out: cpu.buffer([1, 1]), k: 1.5 }),
    assertArgumentError('k', /integer in 0\.\.4294967295 \(u32\), got 1.5/),
  );
  await assert.rejects(
    cpu.run(matmul, { a: cpu.buffer([1, 1]), b: cpu.buffer([1, 1]), out: cpu.buffer([1, 1]), m: -1 }),
    assertArgumentError('m', /u32/),
  );
});

test('validation: a disposed buffer and a buffer of another backend are refused', async () => {
  const other = await createOrchestrator({ backend: cpuBackend() });
  const x = cpu.buffer([4]);
  const out = cpu.buffer([4]);
  await assert.rejects(
    cpu.run(vectorScale, { x: other.buffer([4]), out, alpha: 1 }),
    assertArgumentError('x', /belongs to backend cpu#\d+, not to this orchestrator's cpu#\d+/),
  );
  x.dispose();
  await assert.rejects(cpu.run(vectorScale, { x, out, alpha: 1 }), assertArgumentError('x', /disposed/));
  // Host-only buffers are the CPU backend's own memory, so the CPU accepts them.
  const hostOnly = new UnifiedBuffer([4], 'float32', { data: [1, 2, 3, 4] });
  await cpu.run(vectorScale, { x: hostOnly, out, alpha: 3 });
  assert.deepEqual([...out.readHost()], [3, 6, 9, 12]);
  other.dispose();
  await assert.rejects(other.run(vectorScale, { x: hostOnly, out, alpha: 1 }), ComputeDisposedError);
  assert.ok(BufferDisposedError);
});

test('a kernel without an implementation for the backend says so', async () => {
  const gpuOnly = defineKernel({
    name: 'gpu_only',
    buffers: { x: { access: 'read-write', shape: ['n'] } },
    workSize: (dims) => [dims.n ?? 0],
    webgpu: { workgroupSize: [64], source: () => '@compute @workgroup_size(64) fn main() {}' },
  });
  await assert.rejects(cpu.run(gpuOnly, { x: cpu.buffer([4]) }), (error: unknown) => {
    assert.ok(error instanceof KernelNotImplementedError);
    assert.match(error.message, /'gpu_only' has no cpu implementation/);
    return true;
  });
});

test('launches run in call order even when not awaited one by one', async () => {
  const x = cpu.buffer([3], 'float32', [1, 2, 3]);
  const y = cpu.buffer([3], 'float32', [1, 1, 1]);
  const out = cpu.buffer([3]);
  const pending = [
    cpu.run(vectorAdd, { a: x, b: y, out }),
    cpu.run(axpy, { x: out, y, out: x, alpha: 2 }),
    cpu.run(vectorScale, { x, out: y, alpha: -1 }),
  ];
  await Promise.all(pending);
  assert.deepEqual([...x.readHost()], [5, 7, 9]);
  assert.deepEqual([...y.readHost()], [-5, -7, -9]);
});

test('dispatchSize folds big 1-D launches into two dimensions within the per-dimension limit', () => {
  assert.deepEqual(dispatchSize([1000], [256], 65535), [4, 1, 1]);
  assert.deepEqual(dispatchSize([0], [256], 65535), [0, 1, 1]);
  assert.deepEqual(dispatchSize([65535 * 256], [256], 65535), [65535, 1, 1]);
  assert.deepEqual(dispatchSize([16_777_216], [256], 65535), [32768, 2, 1]);
  const [x, y] = dispatchSize([70_000], [1], 65535);
  assert.ok(x <= 65535 && y <= 65535 && x * y >= 70_000);
  assert.deepEqual(dispatchSize([1024, 512], [16, 16], 65535), [64, 32, 1]);
  assert.throws(() => dispatchSize([65536 * 65536], [1], 65535), LaunchGeometryError);
  assert.throws(() => dispatchSize([16 * 70_000, 16], [16, 16], 65535), /allows 65535 per dimension/);
  assert.throws(() => dispatchSize([5], [16, 16], 65535), /dimensions/);
});

test('CompileCache: hit on the second use, keyed by source, options and device; failures are not cached', async () => {
  const cache = new CompileCache();
  let compilations = 0;
  const compile = () => Promise.resolve(++compilations);
  const key = { source: 'fn main() {}', options: 'main', device: 'gpu#1' };
  assert.equal(await cache.getOrCompile(key, compile), 1);
  assert.equal(await cache.getOrCompile({ ...key }, compile), 1);
  assert.equal(await cache.getOrCompile({ ...key, device: 'gpu#2' }, compile), 2);
  assert.equal(await cache.getOrCompile({ ...key, options: 'other' }, compile), 3);
  assert.equal(await cache.getOrCompile({ ...key, source: 'fn main() { }' }, compile), 4);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 4, failures: 0, entries: 4 });
  const broken = { ...key, source: 'broken' };
  await assert.rejects(
    cache.getOrCompile(broken, () => Promise.reject(new Error('syntax'))),
    /syntax/,
  );
  assert.equal(
    await cache.getOrCompile(broken, compile),
    5,
    'a failed compile is retried, not served from cache',
  );
  assert.equal(cache.stats().failures, 1);
  cache.clear('gpu#2');
  assert.equal(cache.stats().entries, 4);
  cache.clear();
  assert.equal(cache.stats().entries, 0);
});

const { factory: webgpu, skipReason } = await probeWebgpu();
const gpuOptions = { skip: skipReason ?? false };

test(
  'webgpu: the compile cache hits on second use and misses per dtype and expression',
  gpuOptions,
  async () => {
    assert.ok(webgpu);
    const cache = new CompileCache();
    const gpu = await createOrchestrator({ backend: webgpu, compileCache: cache });
    try {
      const a = gpu.buffer([8], 'float32', [1, 2, 3, 4, 5, 6, 7, 8]);
      const out = gpu.buffer([8], 'float32');
      await gpu.run(vectorAdd, { a, b: a, out });
      assert.deepEqual(cache.stats(), { hits: 0, misses: 1, failures: 0, entries: 1 });
      await gpu.run(vectorAdd, { a: out, b: a, out: gpu.buffer([8]) });
      assert.equal(cache.stats().hits, 1);
      const ints = gpu.buffer([8], 'int32', [1, 2, 3, 4, 5, 6, 7, 8]);
      await gpu.run(vectorAdd, { a: ints, b: ints, out: gpu.buffer([8], 'int32') });
      assert.equal(cache.stats().misses, 2, 'an int32 specialisation compiles separately');
      await gpu.run(mapKernel({ wgsl: 'x + 1.0', cpu: (x) => x + 1 }), { input: a, output: out });
      await gpu.run(mapKernel({ wgsl: 'x + 1.0', cpu: (x) => x + 1 }), { input: a, output: out });
      await gpu.run(mapKernel({ wgsl: 'x + 2.0', cpu: (x) => x + 2 }), { input: a, output: out });
      assert.equal(
        cache.stats().misses,
        4,
        'same expression: cached even from a new definition; a new one compiles',
      );
      assert.deepEqual([...(await out.toArray())], [3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      gpu.dispose();
    }
  },
);

test('webgpu: WGSL errors are KernelCompilationErrors with diagnostics', gpuOptions, async () => {
  assert.ok(webgpu);
  const gpu = await createOrchestrator({ backend: webgpu });
  try {
    const broken = mapKernel({ name: 'broken', wgsl: 'x * undefined_thing', cpu: (x) => x });
    const input = gpu.buffer([4]);
    await assert.rejects(gpu.run(broken, { input, output: gpu.buffer([4]) }), (error: unknown) => {
      assert.ok(error instanceof KernelCompilationError);
      assert.equal(error.code, 'KERNEL_COMPILATION');
      assert.match(
        error.message,
        /kernel 'broken' failed to compile for webgpu#\d+: \d+:\d+ .*undefined_thing/,
      );
      return true;
    });
    assert.equal(gpu.compileCache.stats().failures, 1);
    // The orchestrator keeps working after a failed launch.
    const out = gpu.buffer([4]);
    await gpu.run(vectorScale, { x: gpu.buffer([4], 'float32', [1, 2, 3, 4]), out, alpha: 2 });
    assert.deepEqual([...(await out.toArray())], [2, 4, 6, 8]);
  } finally {
    gpu.dispose();
  }
});

test(
  'webgpu: wrong-backend buffers, float64, aliasing and misaligned views are refused',
  gpuOptions,
  async () => {
    assert.ok(webgpu);
    const gpu = await createOrchestrator({ backend: webgpu });
    try {
      const cpuBuffer = cpu.buffer([4]);
      await assert.rejects(
        gpu.run(vectorScale, { x: cpuBuffer, out: gpu.buffer([4]), alpha: 1 }),
        assertArgumentError('x', /belongs to backend cpu#\d+, not to this orchestrator's webgpu#\d+/),
      );
      await assert.rejects(
        gpu.run(vectorScale, { x: new UnifiedBuffer([4]), out: gpu.buffer([4]), alpha: 1 }),
        assertArgumentError('x', /no backend \(host-only\)/),
      );
      assert.throws(() => gpu.buffer([4], 'float64'), UnsupportedDtypeError);
      const x = gpu.buffer([4], 'float32', [1, 2, 3, 4]);
      await assert.rejects(
        gpu.run(vectorScale, { x, out: x, alpha: 2 }),
        assertArgumentError('out', /shares memory with 'x'/),
      );
      const big = gpu.buffer([256]);
      const alignment = gpu.backend.limits.minStorageBufferOffsetAlignment;
      if (alignment > 4) {
        await assert.rejects(
          gpu.run(vectorScale, { x: big.slice(1, 5), out: gpu.buffer([4]), alpha: 1 }),
          assertArgumentError('x', /multiples of \d+ bytes/),
        );
      }
      const bytes = gpu.buffer([8], 'uint8');
      await assert.rejects(
        gpu.run(mapKernel({ wgsl: 'x', cpu: (x) => x, dtypes: ['uint8'] }), {
          input: bytes,
          output: gpu.buffer([8], 'uint8'),
        }),
        UnsupportedDtypeError,
      );
    } finally {
      gpu.dispose();
    }
  },
);

test('webgpu: float16 is refused clearly when the adapter lacks shader-f16', gpuOptions, async () => {
  assert.ok(webgpu);
  const gpu = await createOrchestrator({ backend: webgpu });
  try {
    if (gpu.backend.accelerator.features.includes('shader-f16')) {
      const half = gpu.buffer([4], 'float16');
      assert.equal(half.dtype, 'float16');
      return;
    }
    assert.throws(
      () => gpu.buffer([4], 'float16'),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedDtypeError);
        assert.equal(error.code, 'DTYPE_UNSUPPORTED');
        assert.match(
          error.message,
          /'float16' is not supported by the webgpu backend; use one of: float32, int32, uint32, int8, uint8/,
        );
        return true;
      },
    );
    assert.throws(() => gpu.pool.acquire([4], 'float16'), UnsupportedDtypeError);
  } finally {
    gpu.dispose();
  }
});

for (const [label, options] of [
  ['cpu', { skip: false }],
  ['webgpu', gpuOptions],
] as const) {
  test(
    `${label}: empty inputs: element-wise kernels do nothing, min/max give the identity`,
    options,
    async () => {
      const compute = label === 'cpu' ? cpu : await createOrchestrator({ backend: webgpu! });
      try {
        const empty = compute.buffer([0], 'float32');
        await compute.run(vectorAdd, { a: empty, b: empty, out: compute.buffer([0], 'float32') });
        const low = compute.buffer([1], 'float32');
        const high = compute.buffer([1], 'int32');
        await compute.run(reduceMin, { input: empty, output: low });
        await compute.run(reduceMax, { input: compute.buffer([0], 'int32'), output: high });
        assert.equal((await low.toArray())[0], 3.4028234663852886e38);
        assert.equal((await high.toArray())[0], -2147483648);
        const total = compute.buffer([1], 'float32', [5]);
        await compute.run(reduceSum, { input: empty, output: total });
        assert.equal((await total.toArray())[0], 0);
      } finally {
        if (compute !== cpu) compute.dispose();
      }
    },
  );
}

test(
  'webgpu: a 1-D launch over more than 65,535 work-groups is folded into 2-D and covers every item once',
  gpuOptions,
  async () => {
    assert.ok(webgpu);
    const gpu = await createOrchestrator({ backend: webgpu });
    try {
      const stamp = defineKernel({
        name: 'stamp',
        buffers: { out: { access: 'read-write', dtypes: ['uint32'], shape: ['n'] } },
        workSize: (dims) => [dims.n ?? 0],
        cpu: ({ buffers: { out } }) => {
          for (let i = 0; i < out.length; i++) out[i] = out[i]! + i;
        },
        webgpu: {
          workgroupSize: [1],
          source: () => `
@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) global_id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = linear_index(global_id, workgroups);
  if (i < arrayLength(&out)) { out[i] = out[i] + i; }
}`,
        },
      });
      const n = 70_000;
      const [, rows] = dispatchSize([n], [1], gpu.backend.limits.maxWorkgroupsPerDimension);
      assert.ok(rows >= 2, 'the launch needs a second dimension');
      const out = gpu.buffer([n], 'uint32');
      await gpu.run(stamp, { out });
      const result = await out.toArray();
      let wrong = 0;
      for (let i = 0; i < n; i++) if (result[i] !== i) wrong++;
      assert.equal(wrong, 0);
    } finally {
      gpu.dispose();
    }
  },
);
