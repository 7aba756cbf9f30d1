import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cpuBackend, KernelCompilationError, type ComputeBackend } from '../../src/compute/index.js';
import { GpuKernelDefinitionError, GpuKernelInputError, gpuRingKernel } from '../../src/gpu-kernels/index.js';
import { defineMessage, field, GpuLayoutError, type MessageOf } from '../../src/messages/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { createWebgpu, PATIENCE_MS, probeWebgpu } from './helpers.js';

/** vec3 alignment (16) with a scalar in its padding, a fixed array, mixed scalar kinds. */
const Particle = defineMessage('GkParticle', {
  position: field.vec3('f32'),
  mass: field.f32(),
  weights: field.array('f32', 3),
  id: field.u32(),
  offset: field.i32(),
});
const Moved = defineMessage('GkMoved', {
  position: field.vec3('f32'),
  weighted: field.f32(),
  id: field.u32(),
  /** Messages the kernel had seen when it handled this one (state, sequential order). */
  seen: field.u32(),
  /** Stream position of the message (batch.first + index). */
  position_in_stream: field.u32(),
});
type Moved = MessageOf<typeof Moved>;

function particleKernel(backend: ComputeBackend | 'cpu', maxBatch = 16, queueSize?: number) {
  return gpuRingKernel({
    kernelId: 'particles',
    ...(queueSize === undefined ? {} : { queueSize }),
    input: Particle,
    output: Moved,
    backend,
    maxBatch,
    order: 'sequential',
    state: { seen: { type: 'u32', length: 1 }, scale: { type: 'f32', length: 1, init: [0.5] } },
    wgslHelpers: 'fn weigh(w: array<f32, 3>, x: f32) -> f32 { return (w[0] + w[1] + w[2]) * x; }',
    wgsl: `
      seen[0] += 1u;
      output.position = input.position * input.mass * scale[0] + vec3<f32>(f32(input.offset));
      output.weighted = weigh(input.weights, input.mass);
      output.id = input.id;
      output.seen = seen[0];
      output.position_in_stream = batch.first + index;`,
    cpu: (request, state, index, first) => {
      state.seen[0]! += 1;
      const factor = request.mass * state.scale[0]!;
      const [x, y, z] = request.position;
      const weights = request.weights;
      return {
        position: [x! * factor + request.offset, y! * factor + request.offset, z! * factor + request.offset],
        weighted: (weights[0]! + weights[1]! + weights[2]!) * request.mass,
        id: request.id,
        seen: state.seen[0]!,
        position_in_stream: first + index,
      };
    },
  });
}

function particles(count: number) {
  return Array.from({ length: count }, (_, id) =>
    Particle.create({
      position: [id * 0.25, -id, 3.5],
      mass: 1 + (id % 7) / 8,
      weights: [0.5, id % 3, -1.25],
      id,
      offset: (id % 5) - 2,
    }),
  );
}

async function launched(backend: ComputeBackend, maxBatch?: number) {
  const runtime = new RingKernelRuntime();
  await runtime.launch('particles', particleKernel(backend, maxBatch));
  return runtime;
}

/** Sends every request before the kernel is active, so they are all queued when it starts taking. */
async function burst(runtime: RingKernelRuntime, requests: readonly ReturnType<typeof Particle.create>[]) {
  const replies = requests.map((request) =>
    runtime.request<Moved>('particles', request, { timeout: PATIENCE_MS }),
  );
  await runtime.activate('particles');
  return Promise.all(replies);
}

test('the schema generates the WGSL struct with WGSL alignment (vec3, arrays)', () => {
  const source = particleKernel('cpu').wgslSource;
  assert.match(
    source,
    /struct GkParticle \{\n {2}position: vec3<f32>, \/\/ offset 0, size 12\n {2}mass: f32, \/\/ offset 12, size 4\n {2}weights: array<f32, 3>, \/\/ offset 16, size 12\n {2}id: u32, \/\/ offset 28, size 4\n {2}offset: i32, \/\/ offset 32, size 4\n\}/,
  );
  assert.match(source, /var<storage, read> inputs: array<GkParticle>;/);
  assert.match(source, /var<storage, read_write> seen: array<u32>;/);
  assert.match(source, /fn handle\(index: u32\)/);
});

test('definitions are checked when defined', () => {
  const Text = defineMessage('GkText', { text: field.string() });
  assert.throws(
    () => gpuRingKernel({ input: Text, output: Moved, wgsl: '', cpu: () => ({}) as never }),
    GpuLayoutError,
  );
  assert.throws(
    () =>
      gpuRingKernel({
        input: Particle,
        output: Moved,
        state: { inputs: { type: 'f32', length: 1 } },
        wgsl: '',
        cpu: () => ({}) as never,
      }),
    GpuKernelDefinitionError,
  );
  assert.throws(
    () => gpuRingKernel({ input: Particle, output: Moved, maxBatch: 0, wgsl: '', cpu: () => ({}) as never }),
    GpuKernelDefinitionError,
  );
});

const webgpu = await probeWebgpu();

test(
  'the same stream through the CPU and WebGPU implementations gives the same outputs',
  { skip: webgpu.skip },
  async () => {
    const requests = particles(40);
    const cpu = await cpuBackend().create();
    const gpu = await createWebgpu();
    try {
      const outputs: Moved[][] = [];
      for (const backend of [cpu, gpu]) {
        const runtime = await launched(backend, 16);
        outputs.push(await burst(runtime, requests));
        await runtime.terminateAll();
      }
      const [fromCpu, fromGpu] = outputs as [Moved[], Moved[]];
      for (let index = 0; index < requests.length; index++) {
        const left = fromCpu[index]!;
        const right = fromGpu[index]!;
        assert.equal(right.correlationId, requests[index]!.messageId);
        assert.equal(right.id, left.id);
        assert.equal(right.seen, left.seen);
        assert.equal(right.position_in_stream, left.position_in_stream);
        for (let lane = 0; lane < 3; lane++)
          assert.ok(
            Math.abs(right.position[lane]! - left.position[lane]!) <=
              1e-5 * Math.max(1, Math.abs(left.position[lane]!)),
          );
        assert.ok(Math.abs(right.weighted - left.weighted) <= 1e-5 * Math.max(1, Math.abs(left.weighted)));
      }
    } finally {
      cpu.dispose();
      gpu.dispose();
    }
  },
);

test(
  'a kernel whose WGSL does not compile fails its launch with KernelCompilationError',
  { skip: webgpu.skip },
  async () => {
    const gpu = await createWebgpu();
    try {
      const runtime = new RingKernelRuntime();
      const broken = gpuRingKernel({
        kernelId: 'broken',
        input: Particle,
        output: Moved,
        backend: gpu,
        wgsl: 'output.id = input.no_such_field;',
        cpu: () => ({}) as never,
      });
      const baseline = gpu.liveAllocations();
      await assert.rejects(runtime.launch('broken', broken), KernelCompilationError);
      assert.equal(gpu.liveAllocations(), baseline);
    } finally {
      gpu.dispose();
    }
  },
);

for (const kind of ['cpu', 'webgpu'] as const) {
  describe(`gpuRingKernel on ${kind}`, { skip: kind === 'webgpu' ? webgpu.skip : false }, () => {
    let backend: ComputeBackend;
    before(async () => {
      backend = kind === 'cpu' ? await cpuBackend().create() : await createWebgpu();
    });
    after(() => backend.dispose());

    test('a burst is batched up to maxBatch and every reply keeps its correlation', async () => {
      const runtime = await launched(backend, 8);
      const requests = particles(20);
      const replies = await burst(runtime, requests);
      replies.forEach((reply, index) => {
        assert.equal(reply.correlationId, requests[index]!.messageId);
        assert.equal(reply.id, index);
        assert.equal(reply.seen, index + 1, 'state persists across batches, in order');
        assert.equal(reply.position_in_stream, index);
      });
      const device = runtime.getTelemetry('particles').device;
      assert.ok(device !== undefined);
      assert.deepEqual([device.batches, device.largestBatch, device.backend], [3, 8, kind]);
      if (kind === 'webgpu')
        assert.ok(
          device.bytesToDevice >= 20 * 36 && device.bytesFromDevice >= 20 * 32,
          JSON.stringify(device),
        );
      assert.equal(runtime.getTelemetry('particles').messagesProcessed, 20);
      await runtime.terminateAll();
    });

    test('a lone message is answered on its own, without waiting for a batch to fill', async () => {
      const runtime = await launched(backend, 64);
      await runtime.activate('particles');
      const [request] = particles(1);
      const reply = await runtime.request<Moved>('particles', request!, { timeout: PATIENCE_MS });
      assert.equal(reply.correlationId, request!.messageId);
      const device = runtime.getTelemetry('particles').device;
      assert.deepEqual([device?.batches, device?.largestBatch], [1, 1]);
      await runtime.terminateAll();
    });

    test('messages of another type are reported and skipped; the kernel keeps serving', async () => {
      const runtime = await launched(backend);
      await runtime.activate('particles');
      await runtime.send(
        'particles',
        Moved.create({ position: [0, 0, 0], weighted: 0, id: 0, seen: 0, position_in_stream: 0 }),
      );
      const [request] = particles(1);
      const reply = await runtime.request<Moved>('particles', request!, { timeout: PATIENCE_MS });
      assert.equal(reply.id, 0);
      const telemetry = runtime.getTelemetry('particles');
      assert.equal(telemetry.errors, 1);
      assert.equal(telemetry.lastError?.code, new GpuKernelInputError('x', 'y').code);
      await runtime.terminateAll();
    });

    test('backpressure: with small queues the kernel waits for the consumer and loses nothing', async () => {
      const runtime = new RingKernelRuntime();
      await runtime.launch('particles', particleKernel(backend, 2, 3));
      await runtime.activate('particles');
      const requests = particles(12);
      // send() blocks while the input queue is full; the kernel blocks while the output queue is.
      const sending = (async () => {
        for (const request of requests) await runtime.send('particles', request);
      })();
      const received: Moved[] = [];
      for (let index = 0; index < requests.length; index++)
        received.push(await runtime.receive<Moved>('particles', { timeout: PATIENCE_MS }));
      await sending;
      assert.deepEqual(
        received.map((reply) => reply.id),
        requests.map((request) => request.id),
      );
      assert.ok(received.every((reply, index) => reply.correlationId === requests[index]!.messageId));
      await runtime.terminateAll();
    });

    test('device buffers are freed on terminate', async () => {
      const baseline = backend.liveAllocations();
      const runtime = await launched(backend);
      assert.ok(backend.liveAllocations() > baseline);
      await runtime.activate('particles');
      await runtime.request('particles', particles(1)[0]!, { timeout: PATIENCE_MS });
      await runtime.terminate('particles');
      assert.equal(backend.liveAllocations(), baseline);
    });
  });
}

test('a crash restarts a supervised kernel with fresh state; the crashed batch goes to the dead-letter queue', async () => {
  const backend = await cpuBackend().create();
  const runtime = new RingKernelRuntime();
  try {
    const fragile = gpuRingKernel({
      kernelId: 'fragile',
      input: Particle,
      output: Moved,
      backend,
      supervision: { restart: 'permanent', backoff: { initialMs: 0 } },
      state: { seen: { type: 'u32', length: 1 } },
      wgsl: 'output.id = input.id;',
      cpu: (request, state) => {
        if (request.id === 13) throw new Error('poison message');
        state.seen[0]! += 1;
        return {
          position: [0, 0, 0],
          weighted: 0,
          id: request.id,
          seen: state.seen[0]!,
          position_in_stream: 0,
        };
      },
    });
    await runtime.launch('fragile', fragile);
    await runtime.activate('fragile');
    const [first, poison, after] = [particles(1)[0]!, particles(14)[13]!, particles(3)[2]!];
    assert.equal((await runtime.request<Moved>('fragile', first, { timeout: PATIENCE_MS })).seen, 1);
    const letter = new Promise((resolve) => runtime.on('deadLetter', resolve));
    await runtime.send('fragile', poison);
    assert.equal(((await letter) as { message: unknown }).message, poison);
    const reply = await runtime.request<Moved>('fragile', after, { timeout: PATIENCE_MS });
    assert.deepEqual([reply.id, reply.seen], [2, 1], 'the restarted kernel starts from its initial state');
    assert.equal(runtime.getTelemetry('fragile').restarts, 1);
  } finally {
    await runtime.terminateAll();
    backend.dispose();
  }
});
