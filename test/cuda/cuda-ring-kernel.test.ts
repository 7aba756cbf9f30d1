import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeCudaDevice } from '../../src/gpu-kernels/cuda/index.js';
import { GpuKernelDefinitionError } from '../../src/gpu-kernels/index.js';
import { adderKernel, particleKernel } from './kernels.js';
import { definePersistentConformance } from './persistent-conformance.js';

const probe = await probeCudaDevice();

// The emulator and the real kernel pass the same suite.
definePersistentConformance({
  name: 'device emulator (worker thread)',
  skip: false,
  adder: (options) => adderKernel('emulator', options),
  particles: (ringCapacity) => particleKernel('emulator', ringCapacity),
});

// A GPU is not a CI component (CI machines have none): this run skips everywhere without one.
definePersistentConformance({
  name: 'CUDA device',
  skip: probe.available ? false : `no CUDA device (${probe.reason}); run on an NVIDIA machine to cover it`,
  adder: (options) => adderKernel('cuda', options),
  particles: (ringCapacity) => particleKernel('cuda', ringCapacity),
});

test('definitions are checked when defined', () => {
  assert.throws(() => adderKernel('emulator', { lanes: 48 }), GpuKernelDefinitionError);
  assert.throws(() => adderKernel('emulator', { ringCapacity: 12 }), GpuKernelDefinitionError);
});
