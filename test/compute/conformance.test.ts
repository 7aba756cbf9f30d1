/**
 * One conformance suite: every standard-library kernel on every available backend, against
 * plain double-precision references (cases in conformance-cases.ts; test/browser runs them on
 * `navigator.gpu` too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend, createOrchestrator } from '../../src/compute/index.js';
import { cases, runComputeConformance } from './conformance-cases.js';
import { probeWebgpu } from './helpers.js';

const { factory: webgpu, skipReason } = await probeWebgpu();
const backends = [
  { name: 'cpu', factory: cpuBackend(), skip: undefined },
  { name: 'webgpu', factory: webgpu, skip: skipReason },
];

for (const backend of backends) {
  test(`conformance on ${backend.name}`, { skip: backend.skip ?? false }, async (t) => {
    assert.ok(backend.factory);
    const compute = await createOrchestrator({ backend: backend.factory });
    try {
      await runComputeConformance(t, compute, backend.name);
    } finally {
      compute.dispose();
    }
  });
}

test('the conformance suite covers every stdlib kernel', () => {
  const covered = new Set(cases.map((testCase) => testCase.name));
  for (const name of [
    'vector_add',
    'vector_scale',
    'axpy',
    'map',
    'reduce_sum',
    'reduce_min',
    'reduce_max',
    'run_reduction_sum',
    'run_reduction_min',
    'run_reduction_max',
    'spmv_csr',
    'matmul',
  ])
    assert.ok(covered.has(name), name);
});
