import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeCudaDevice } from '../../src/gpu-kernels/cuda/index.js';
import { GpuKernelDefinitionError } from '../../src/gpu-kernels/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import type { AddReply, VectorSum } from './kernels.js';
import { AddRequest, adderKernel, hangingKernel, particleKernel, Vectors, vectorKernel } from './kernels.js';
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

test('a device that hangs is force-stopped at the terminate timeout; every message is listed once', async () => {
  const runtime = new RingKernelRuntime();
  await runtime.launch('hang', hangingKernel());
  // All 40 are queued before activation, so they enter the 64-slot ring at once: the device takes
  // 0..31 as its first burst (answered), then 32..39, where it hangs on a = 39.
  const sent = Array.from({ length: 40 }, (_, index) => AddRequest.create({ a: index, b: 0 }));
  const outcomes = sent.map((message) =>
    runtime.request<MessageOf<typeof AddReply>>('hang', message, { timeout: 20_000 }).then(
      (reply) => reply.correlationId,
      () => undefined,
    ),
  );
  await runtime.activate('hang');
  const answeredFirst = await Promise.all(outcomes.slice(0, 32));
  assert.deepEqual(
    answeredFirst,
    sent.slice(0, 32).map((message) => message.messageId),
  );
  const report = await runtime.terminate('hang');
  assert.equal(report.graceful, false);
  const answered = (await Promise.all(outcomes)).filter((id) => id !== undefined);
  const listed = [...report.interruptedInputs, ...report.unprocessedInputs].map(
    (message) => message.messageId,
  );
  assert.deepEqual(
    report.interruptedInputs.map((message) => message.messageId),
    sent.slice(32).map((message) => message.messageId),
    'the burst the device claimed is listed as interrupted',
  );
  assert.equal(new Set([...answered, ...listed]).size, sent.length, 'each message answered or listed');
  assert.equal(answered.length + listed.length, sent.length, 'and only once');
});
