import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeCudaDevice } from '../../src/gpu-kernels/cuda/index.js';
import { GpuKernelDefinitionError } from '../../src/gpu-kernels/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import type { VectorSum } from './kernels.js';
import { adderKernel, particleKernel, Vectors, vectorKernel } from './kernels.js';
import type { MessageOf } from '../../src/messages/index.js';
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

test('vector fields cross the ring with their GPU strides (vec3 arrays, vec2, vec4) in the emulator', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('vectors', vectorKernel('emulator'));
  await runtime.activate('vectors');
  const reply = await runtime.request<MessageOf<typeof VectorSum>>(
    'vectors',
    Vectors.create({ points: [1, 2, 3, 10, 20, 30], step: [5, -7], mask: [1, 2, 4, 8], scale: 0.5 }),
    { timeout: 20_000 },
  );
  assert.deepEqual([...reply.total], [5.5, 11, 16.5]);
  assert.equal(reply.steps, -2);
  assert.equal(reply.bits, 15);
});
