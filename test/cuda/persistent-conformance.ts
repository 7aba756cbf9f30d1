/**
 * The persistent ring kernel conformance suite: what every device that plays the kernel's part
 * (the emulator thread, a real GPU, the stand-in driver's thread) must show through the runtime.
 * A device supplies the `adder` kernel (parallel order, no state) and, if it runs generated CUDA or
 * the emulator body, the `particles` kernel (sequential order, resident state, status rejection).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GpuKernelInputError } from '../../src/gpu-kernels/index.js';
import { CONTROL, DEVICE_STATE } from '../../src/gpu-kernels/cuda/index.js';
import { defineMessage, field } from '../../src/messages/index.js';
import { RingKernelRuntime, type KernelOptions } from '../../src/runtime/index.js';
import { nextEvent } from '../runtime/helpers.js';
import type { AddReply, Moved } from './kernels.js';
import { AddRequest, Particle, type adderKernel, type particleKernel } from './kernels.js';

type Sum = ReturnType<typeof AddReply.create>;
type MovedReply = ReturnType<typeof Moved.create>;
const PATIENCE = { timeout: 20_000 };

export interface PersistentDevice {
  readonly name: string;
  readonly skip: string | false;
  adder(options: { ringCapacity: number } & KernelOptions): ReturnType<typeof adderKernel>;
  particles?(ringCapacity: number): ReturnType<typeof particleKernel>;
}

function adds(count: number, from = 0) {
  return Array.from({ length: count }, (_, index) => AddRequest.create({ a: from + index, b: 0.5 }));
}

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

export function definePersistentConformance(device: PersistentDevice): void {
  describe(`persistent ring kernel conformance: ${device.name}`, { skip: device.skip }, () => {
    test('launched: resident but idle; messages sent before activate are answered after it, in order', async () => {
      await using runtime = new RingKernelRuntime();
      const kernel = device.adder({ ringCapacity: 16 });
      await runtime.launch('adder', kernel);
      const region = kernel.device!.region;
      assert.equal(region.load(CONTROL.command), 0);
      const requests = adds(100);
      const replies = requests.map((request) => runtime.request<Sum>('adder', request, PATIENCE));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(region.load(CONTROL.processed), 0, 'nothing is processed before activate');
      await runtime.activate('adder');
      const answered = await Promise.all(replies);
      answered.forEach((reply, index) => {
        assert.equal(reply.correlationId, requests[index]!.messageId);
        assert.equal(reply.sum, index + 0.5);
      });
      assert.equal(region.load(CONTROL.processed), 100);
      assert.ok(region.load(CONTROL.bursts) >= 7, 'a 16-slot ring takes at least 7 bursts for 100 messages');
      const telemetry = runtime.getTelemetry('adder');
      assert.equal(telemetry.messagesProcessed, 100);
      assert.equal(telemetry.errors, 0);
    });

    test('deactivate parks the kernel through the control block; reactivate resumes it', async () => {
      await using runtime = new RingKernelRuntime();
      const kernel = device.adder({ ringCapacity: 16 });
      await runtime.launch('adder', kernel);
      await runtime.activate('adder');
      const region = kernel.device!.region;
      assert.equal((await runtime.request<Sum>('adder', adds(1)[0]!, PATIENCE)).sum, 0.5);
      await runtime.deactivate('adder');
      assert.equal(region.load(CONTROL.command), 0, 'the active bit is cleared');
      const parked = adds(5, 10).map((request) => runtime.request<Sum>('adder', request, PATIENCE));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(region.load(CONTROL.processed), 1, 'a parked kernel processes nothing');
      await runtime.reactivate('adder');
      assert.equal(region.load(CONTROL.command), 1);
      assert.deepEqual(
        (await Promise.all(parked)).map((reply) => reply.sum),
        [10.5, 11.5, 12.5, 13.5, 14.5],
      );
    });

    test('terminate drains the ring: every message answered or listed, device terminated, counters agree', async () => {
      const runtime = new RingKernelRuntime();
      const kernel = device.adder({ ringCapacity: 64 });
      await runtime.launch('adder', kernel);
      await runtime.activate('adder');
      const sent = adds(500);
      const outcomes = sent.map((request) =>
        runtime.request<Sum>('adder', request, PATIENCE).then(
          (reply) => reply,
          () => undefined,
        ),
      );
      const report = await runtime.terminate('adder');
      const replies = await Promise.all(outcomes);
      const answered = replies.filter((reply) => reply !== undefined);
      assert.equal(report.graceful, true);
      assert.equal(report.interruptedInputs.length, 0);
      assert.equal(
        answered.length + report.unprocessedInputs.length,
        sent.length,
        'every message accounted for',
      );
      for (const reply of answered) {
        const request = sent.find((message) => message.messageId === reply.correlationId)!;
        assert.equal(reply.sum, request.a + 0.5);
      }
      const region = kernel.device!.region;
      assert.equal(region.load(CONTROL.deviceState), DEVICE_STATE.terminated);
      assert.equal(region.load(CONTROL.processed), answered.length);
      assert.ok(region.deviceClockNs() > 0n || answered.length === 0, 'the device wrote its clock');
    });

    test('terminate of a kernel never activated is graceful and stops the device', async () => {
      const runtime = new RingKernelRuntime();
      const kernel = device.adder({ ringCapacity: 16 });
      await runtime.launch('adder', kernel);
      const queued = adds(3);
      for (const message of queued) await runtime.send('adder', message);
      const report = await runtime.terminate('adder');
      assert.equal(report.graceful, true);
      assert.deepEqual(
        report.unprocessedInputs.map((message) => message.messageId),
        queued.map((message) => message.messageId),
      );
      assert.equal(kernel.device!.region.load(CONTROL.deviceState), DEVICE_STATE.terminated);
    });

    test('a message of another type is refused with an error; the kernel goes on', async () => {
      await using runtime = new RingKernelRuntime();
      const kernel = device.adder({ ringCapacity: 16 });
      await runtime.launch('adder', kernel);
      await runtime.activate('adder');
      const Other = defineMessage('CuOther', { x: field.f32() });
      const failed = nextEvent(runtime, 'kernelError', (event) => event.kernelId === 'adder');
      await runtime.send('adder', Other.create({ x: 1 }));
      const { error } = await failed;
      assert.ok(error instanceof GpuKernelInputError);
      assert.equal((await runtime.request<Sum>('adder', adds(1, 4)[0]!, PATIENCE)).sum, 4.5);
    });

    test("backpressure 'reject' in front of the ring: sent = answered + rejected", async () => {
      await using runtime = new RingKernelRuntime();
      await runtime.launch('adder', device.adder({ ringCapacity: 16, queueSize: 8, backpressure: 'reject' }));
      const outcomes = adds(40).map((request) =>
        runtime.request<Sum>('adder', request, PATIENCE).then(
          () => 'answered',
          () => 'rejected',
        ),
      );
      await runtime.activate('adder');
      const results = await Promise.all(outcomes);
      const answered = results.filter((result) => result === 'answered').length;
      const telemetry = runtime.getTelemetry('adder');
      assert.equal(answered, 8, 'the queue held 8 before activation');
      assert.equal(telemetry.messagesRejected, 32);
      assert.equal(telemetry.messagesProcessed, answered);
    });

    const makeParticles = device.particles?.bind(device);
    test(
      'sequential order with resident state; a body status rejects its message only',
      { skip: makeParticles === undefined ? 'this device runs only the adder' : false },
      async () => {
        await using runtime = new RingKernelRuntime();
        const kernel = makeParticles!(16);
        await runtime.launch('particles', kernel);
        const requests = particles(60);
        const replies = requests.map((request) =>
          runtime.request<MovedReply>('particles', request, PATIENCE),
        );
        await runtime.activate('particles');
        const answered = await Promise.all(replies);
        answered.forEach((reply, index) => {
          const request = requests[index]!;
          assert.equal(reply.id, request.id);
          assert.equal(reply.seen, index + 1, 'state is resident and updated in order');
          assert.equal(reply.stream_position, index);
          const factor = request.mass * 0.5;
          assert.ok(Math.abs(reply.position[0]! - (request.position[0]! * factor + request.offset)) < 1e-4);
          const weights = request.weights[0]! + request.weights[1]! + request.weights[2]!;
          assert.ok(Math.abs(reply.weighted - weights * request.mass) < 1e-4);
        });
        const failed = nextEvent(runtime, 'kernelError', (event) => event.kernelId === 'particles');
        await runtime.send('particles', particles(1, 0xdead)[0]!);
        assert.match((await failed).error instanceof Error ? String((await failed).error) : '', /status 7/);
        const next = await runtime.request<MovedReply>('particles', particles(1, 7)[0]!, PATIENCE);
        assert.equal(next.seen, 61, 'the rejected message did not touch the state');
        assert.equal(next.stream_position, 61, 'but it had its place in the stream');
        assert.equal(kernel.device!.region.load(CONTROL.rejected), 1);
      },
    );
  });
}
