/**
 * npm run build:ptx: compiles every shipped persistent CUDA kernel with `nvcc -ptx` for each target
 * into ptx/<kernel>.<target>.ptx (load one with cudaRingKernel's { ptx } option to skip compiling at
 * launch). Exits 0 with a one-line reason when nvcc is not installed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { compilePtx, findNvcc } from '../src/compute/backends/cuda/ptx-compiler-node.js';
import { PTX_TARGETS, shippedCudaSources } from '../src/gpu-kernels/cuda/shipped-kernels-node.js';

const nvcc = findNvcc();
if (nvcc === undefined) {
  console.log('build:ptx skipped: nvcc is not installed (install the CUDA toolkit to build PTX)');
  process.exit(0);
}
mkdirSync('ptx', { recursive: true });
for (const [name, source] of Object.entries(shippedCudaSources())) {
  writeFileSync(`ptx/${name}.cu`, source);
  for (const target of PTX_TARGETS) {
    const ptx = compilePtx(source, target, nvcc);
    writeFileSync(`ptx/${name}.${target}.ptx`, ptx);
    console.log(`ptx/${name}.${target}.ptx (${ptx.length} bytes)`);
  }
}
