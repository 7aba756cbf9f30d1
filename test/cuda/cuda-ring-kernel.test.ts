import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTROL, DEVICE_MODE, DEVICE_STATE, probeCudaDevice } from '../../src/gpu-kernels/cuda/index.js';
import { GpuKernelDefinitionError } from '../../src/gpu-kernels/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { AddReply, AddRequest, adderKernel, Moved, Particle, particleKernel } from './kernels.js';

type MovedReply = ReturnType<typeof Moved.create>;
type SumReply = ReturnType<typeof AddReply.create>;

const probe = await probeCudaDevice();
// A GPU is not a CI component (CI machines have none): the real-device run skips everywhere without one.
const gpuSkip = probe.available
  ? false
  : `no CUDA device (${probe.reason}); run on an NVIDIA machine to cover it`;

function particles(count: number, from = 0) {
  return Array.from({ length: count }, (_, offset) => {
    const id = from + offset;
    return Particle.create({
      position: [id * 0.25, -id, 3.5],
      mass: 1 + (id % 7) / 8,
      weights: [0.5, id % 3, -1.25],
      id,
      offset: (id % 5) - 2,
    });
  });
}

function expected(request: ReturnType<typeof Particle.create>, seen: number, position: number) {
  const factor = request.mass * 0.5;
  return {
    position: request.position.map((value) => Math.fround(Math.fround(value * factor) + request.offset)),
    weighted: Math.fround((request.weights[0]! + request.weights[1]! + request.weights[2]!) * request.mass),
    id: request.id,
    seen,
    stream_position: position,
  };
}

/** The same suite for the emulator and (where there is one) the GPU: they must pass the same tests. */
for (const device of ['emulator', 'cuda'] as const) {
  describe(`persistent ring kernel on ${device}`, { skip: device === 'cuda' ? gpuSkip : false }, () => {
    test('answers a burst larger than the ring, in order, each reply correlated, state resident', async () => {
      const runtime = new RingKernelRuntime();
      const kernel = particleKernel(device, 16);
      await runtime.launch('particles', kernel);
      const requests = particles(100);
      const replies = requests.map((request) =>
        runtime.request<MovedReply>('particles', request, { timeout: 20_000 }),
      );
      await runtime.activate('particles');
      const answered = await Promise.all(replies);
      answered.forEach((reply, index) => {
        const request = requests[index]!;
        assert.equal(reply.correlationId, request.messageId);
        const want = expected(request, index + 1, index);
        assert.equal(reply.id, want.id);
        assert.equal(reply.seen, want.seen);
        assert.equal(reply.stream_position, want.stream_position);
        assert.ok(Math.abs(reply.weighted - want.weighted) < 1e-5);
        for (let lane = 0; lane < 3; lane++)
          assert.ok(Math.abs(reply.position[lane]! - want.position[lane]!) < 1e-4);
      });
      const region = kernel.device!.region;
      assert.equal(region.load(CONTROL.processed), 100);
      assert.ok(
        region.load(CONTROL.bursts) >= 7,
        'a ring of 16 slots takes at least 7 bursts for 100 messages',
      );
      assert.equal(
        region.load(CONTROL.deviceMode),
        device === 'emulator'
          ? DEVICE_MODE.emulator
          : probe.available && probe.persistent
            ? DEVICE_MODE.persistent
            : DEVICE_MODE.relaunch,
      );
      const report = await runtime.terminate('particles');
      assert.equal(report.graceful, true);
      assert.equal(region.load(CONTROL.deviceState), DEVICE_STATE.terminated);
    });

    test('lifecycle through the control block: launched idle, activate, deactivate parks, reactivate, terminate', async () => {
      const runtime = new RingKernelRuntime();
      const kernel = adderKernel(device);
      await runtime.launch('adder', kernel);
      const region = kernel.device!.region;
      await waitFor(
        () =>
          region.load(CONTROL.deviceState) === DEVICE_STATE.running ||
          region.load(CONTROL.deviceMode) === DEVICE_MODE.relaunch,
      );
      assert.equal(region.load(CONTROL.command), 0, 'launched: not active');
      await runtime.activate('adder');
      assert.equal(region.load(CONTROL.command), 1);
      const first = await runtime.request<SumReply>('adder', AddRequest.create({ a: 1, b: 2 }), {
        timeout: 20_000,
      });
      assert.equal(first.sum, 3);
      await runtime.deactivate('adder');
      assert.equal(region.load(CONTROL.command), 0, 'deactivated: the active bit is cleared');
      const parked = runtime.request<SumReply>('adder', AddRequest.create({ a: 2, b: 5 }), {
        timeout: 20_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 30)); // nothing may answer while parked
      assert.equal(region.load(CONTROL.processed), 1);
      await runtime.reactivate('adder');
      assert.equal((await parked).sum, 7);
      // Terminate with messages queued: the ring is drained, every message answered or listed.
      const sent = Array.from({ length: 300 }, (_, index) => AddRequest.create({ a: index, b: 0.5 }));
      const pending = sent.map((message) =>
        runtime.request<SumReply>('adder', message, { timeout: 20_000 }).then(
          (reply) => reply,
          () => undefined,
        ),
      );
      const report = await runtime.terminate('adder');
      const replies = await Promise.all(pending);
      const answered = replies.filter((reply) => reply !== undefined).length;
      assert.equal(report.graceful, true);
      assert.equal(answered + report.unprocessedInputs.length + report.interruptedInputs.length, sent.length);
      for (const reply of replies)
        if (reply !== undefined)
          assert.equal(reply.sum, sent.find((m) => m.messageId === reply.correlationId)!.a + 0.5);
      assert.equal(region.load(CONTROL.processed), 2 + answered);
      assert.equal(region.load(CONTROL.deviceState), DEVICE_STATE.terminated);
      assert.ok(region.deviceClockNs() > 0n, 'the device wrote its clock');
    });

    test('a body that sets status rejects its message: no reply, an error, the rest answered', async () => {
      const runtime = new RingKernelRuntime();
      const kernel = particleKernel(device);
      await runtime.launch('particles', kernel);
      await runtime.activate('particles');
      const errors: unknown[] = [];
      runtime.on('kernelError', (event) => errors.push(event.error));
      const bad = particles(1, 0xdead)[0]!;
      await runtime.send('particles', bad);
      const good = await runtime.request<MovedReply>('particles', particles(1, 5)[0]!, { timeout: 20_000 });
      assert.equal(good.id, 5);
      assert.equal(good.seen, 1, 'the rejected message did not reach the state update');
      assert.equal(kernel.device!.region.load(CONTROL.rejected), 1);
      assert.equal(errors.length, 1);
      assert.match(String((errors[0] as Error).message), /status 7/);
      await runtime.terminate('particles');
    });
  });
}

test('definitions are checked when defined', () => {
  assert.throws(() => adderKernel('emulator', 48), GpuKernelDefinitionError);
  assert.throws(() => particleKernel('emulator', 12), GpuKernelDefinitionError);
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
