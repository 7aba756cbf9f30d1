import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CUDA_ENTRY_POINT } from '../../src/gpu-kernels/cuda/index.js';
import { cudaSourceHash, shippedPtxFor } from '../../src/gpu-kernels/cuda/ptx-cache-node.js';
import { SHIPPED_PTX } from '../../src/gpu-kernels/cuda/shipped-ptx.js';
import { shippedCudaSources, SHIPPED_PTX_TARGET } from '../../src/gpu-kernels/cuda/shipped-kernels-node.js';

test('the checked-in PTX was built from the current source of every shipped kernel', () => {
  const sources = shippedCudaSources();
  for (const [name, source] of Object.entries(sources)) {
    const ptx = shippedPtxFor(source);
    assert.ok(
      ptx !== undefined,
      `${name}: its CUDA C changed since the PTX was built; run npm run build:ptx`,
    );
    assert.match(ptx, new RegExp(`\\.entry ${CUDA_ENTRY_POINT}\\(`));
    assert.match(ptx, new RegExp(`\\.target ${SHIPPED_PTX_TARGET.replace('compute_', 'sm_')}`));
  }
  assert.deepEqual(
    Object.values(SHIPPED_PTX)
      .map((entry) => entry.name)
      .sort(),
    Object.keys(sources).sort(),
    'no stale entries',
  );
  assert.equal(
    shippedPtxFor(`${Object.values(sources)[0]!}\n`),
    undefined,
    'any other source compiles at launch',
  );
  assert.equal(cudaSourceHash('a'), cudaSourceHash('a'));
});
