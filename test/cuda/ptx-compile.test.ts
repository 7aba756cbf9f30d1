import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compilePtx,
  compilePtxAsync,
  findNvcc,
  PtxCompileError,
} from '../../src/compute/backends/cuda/ptx-compiler-node.js';
import { CUDA_ENTRY_POINT } from '../../src/gpu-kernels/cuda/index.js';
import { PTX_TARGETS, shippedCudaSources } from '../../src/gpu-kernels/cuda/shipped-kernels-node.js';
import { adderKernel, particleKernel, vectorKernel } from './kernels.js';

const nvcc = findNvcc();
// nvcc is not a Debian package CI installs: the check runs wherever the CUDA toolkit is, CI included, and
// skips (with this reason) where it is not, even with CI=true.
const skip =
  nvcc === undefined
    ? 'nvcc not found: install the CUDA toolkit (or set NVCC) to compile-check the CUDA kernels'
    : false;

const sources: Record<string, string> = {
  ...shippedCudaSources(),
  'test-particles (sequential, state, helpers, status)': particleKernel('emulator').cudaSource,
  'test-adder (parallel)': adderKernel('emulator').cudaSource,
  'test-vectors (vec2/vec3/vec4, vec3 arrays)': vectorKernel('emulator').cudaSource,
};

// Every compile starts at once (nvcc is single-threaded; this keeps the check to a few seconds).
const compiled =
  skip === false
    ? Object.entries(sources).map(([name, source]) => ({
        name,
        outputs: PTX_TARGETS.map((target) =>
          compilePtxAsync(source, target, nvcc).then(
            (ptx) => ({ target, ptx }),
            (error: unknown) => ({ target, error }),
          ),
        ),
      }))
    : Object.keys(sources).map((name) => ({ name, outputs: [] }));

for (const { name, outputs } of compiled)
  test(`nvcc -ptx compiles ${name} for ${PTX_TARGETS.join(' and ')}`, { skip }, async () => {
    for (const output of await Promise.all(outputs)) {
      if ('error' in output) throw output.error;
      assert.match(output.ptx, new RegExp(`\\.entry ${CUDA_ENTRY_POINT}\\(`));
      assert.match(output.ptx, /nanosleep/, 'the idle backoff uses __nanosleep');
      assert.match(output.ptx, /ld\.acquire\.sys/, 'ring indices are read with system-scope acquire loads');
      assert.match(output.ptx, /st\.release\.sys/, 'and published with system-scope release stores');
    }
  });

test('a broken body fails with nvcc diagnostics', { skip }, () => {
  const broken = adderKernel('emulator').cudaSource.replace(
    'output.sum = input.a + input.b;',
    'output.nope = 1;',
  );
  assert.throws(
    () => compilePtx(broken, 'sm_90', nvcc),
    (error: unknown) => {
      assert.ok(error instanceof PtxCompileError);
      assert.match(error.diagnostics, /nope/);
      return true;
    },
  );
});
