import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createOrchestrator,
  matmul,
  reduceSum,
  spmvCsr,
  vectorAdd,
  vectorScale,
  type ComputeOrchestrator,
} from '../../src/compute/index.js';
import { probeWebgpu } from './helpers.js';

const { factory: webgpu, skipReason } = await probeWebgpu();

/** One round of typical work; every buffer it creates is disposed or released before it returns. */
async function workload(compute: ComputeOrchestrator): Promise<void> {
  using a = compute.buffer([1000], 'float32', new Float32Array(1000).fill(1));
  using b = compute.buffer([1000], 'float32', new Float32Array(1000).fill(2));
  using out = compute.buffer([1000], 'float32');
  await compute.run(vectorAdd, { a, b, out });
  await compute.run(vectorScale, { x: out, out: a, alpha: 2 });
  using total = compute.buffer([1], 'float32');
  await compute.run(reduceSum, { input: a, output: total });
  assert.equal((await total.toArray())[0], 6000);
  using m = compute.buffer([8, 8], 'float32', new Float32Array(64).fill(1));
  using product = compute.buffer([8, 8], 'float32');
  await compute.run(matmul, { a: m, b: m, out: product });
  await product.toArray();
  using rowPointers = compute.buffer([3], 'int32', [0, 1, 2]);
  using columnIndices = compute.buffer([2], 'int32', [1, 0]);
  using values = compute.buffer([2], 'float32', [3, 4]);
  using x = compute.buffer([2], 'float32', [1, 2]);
  using y = compute.buffer([2], 'float32');
  await compute.run(spmvCsr, { rowPointers, columnIndices, values, x, y });
  assert.deepEqual([...(await y.toArray())], [6, 4]);
  const pooled = compute.pool.acquire([500], 'float32');
  try {
    pooled.fill(1);
    await compute.run(vectorScale, { x: pooled, out: out.slice(0, 500), alpha: 1 });
  } finally {
    compute.pool.release(pooled);
  }
  compute.pool.trim();
}

test(
  'webgpu: no GPU buffers leak: live count returns to its level after each round, and to zero after dispose',
  { skip: skipReason ?? false },
  async () => {
    assert.ok(webgpu);
    const compute = await createOrchestrator({ backend: webgpu });
    const backend = compute.backend;
    assert.equal(backend.liveAllocations(), 0);
    await workload(compute);
    await compute.synchronize();
    const afterFirst = backend.liveAllocations();
    // What stays is one uniform block per compiled kernel that has scalars (vector_scale, matmul).
    assert.ok(
      afterFirst <= compute.compileCache.stats().entries,
      `${afterFirst} live buffers after the first round`,
    );
    for (let round = 0; round < 3; round++) await workload(compute);
    await compute.synchronize();
    assert.equal(backend.liveAllocations(), afterFirst, 'repeated rounds leave nothing behind');
    compute.dispose();
    assert.equal(backend.liveAllocations(), 0);
  },
);
