import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineMessage, field } from '../../../src/messages/index.js';
import { RingKernelRuntime, ringKernel } from '../../../src/runtime/index.js';
import {
  registerOpenTelemetryMetrics,
  type MeterLike,
  type MetricAttributes,
  type ObservableResultLike,
} from '../../../src/telemetry/exporters/index.js';

const Job = defineMessage('OtelJob', { value: field.f64() });

/** A meter that records what the adapter registers and lets the test collect like an SDK reader. */
class RecordingMeter implements MeterLike {
  readonly callbacks = new Map<string, Set<(result: ObservableResultLike) => void>>();
  readonly histograms = new Map<string, { value: number; attributes: MetricAttributes | undefined }[]>();

  #observable(name: string) {
    const callbacks = new Set<(result: ObservableResultLike) => void>();
    this.callbacks.set(name, callbacks);
    return {
      addCallback: (callback: (result: ObservableResultLike) => void) => callbacks.add(callback),
      removeCallback: (callback: (result: ObservableResultLike) => void) => callbacks.delete(callback),
    };
  }

  createObservableCounter(name: string) {
    return this.#observable(name);
  }

  createObservableGauge(name: string) {
    return this.#observable(name);
  }

  createHistogram(name: string) {
    const records: { value: number; attributes: MetricAttributes | undefined }[] = [];
    this.histograms.set(name, records);
    return { record: (value: number, attributes?: MetricAttributes) => records.push({ value, attributes }) };
  }

  collect(name: string): { value: number; attributes: MetricAttributes | undefined }[] {
    const observations: { value: number; attributes: MetricAttributes | undefined }[] = [];
    for (const callback of this.callbacks.get(name) ?? []) {
      callback({ observe: (value, attributes) => observations.push({ value, attributes }) });
    }
    return observations;
  }
}

async function workload(): Promise<RingKernelRuntime> {
  const runtime = new RingKernelRuntime();
  await runtime.launch(
    'doubler',
    ringKernel({ kernelId: 'doubler' }, async (ctx) => {
      for await (const message of ctx) {
        const job = message as ReturnType<typeof Job.create>;
        await ctx.send(Job.reply(job, { value: job.value * 2 }));
      }
    }),
  );
  await runtime.activate('doubler');
  return runtime;
}

describe('registerOpenTelemetryMetrics', () => {
  it('observes counters and gauges and records processing durations', async () => {
    const runtime = await workload();
    const meter = new RecordingMeter();
    const registration = await registerOpenTelemetryMetrics(runtime, { meter });
    for (let index = 0; index < 4; index++) {
      await runtime.request('doubler', Job.create({ value: index }), { timeout: 2000 });
    }
    assert.deepEqual(meter.collect('ringkernel.messages.received'), [
      { value: 4, attributes: { kernel: 'doubler' } },
    ]);
    assert.deepEqual(meter.collect('ringkernel.messages.sent'), [
      { value: 4, attributes: { kernel: 'doubler' } },
    ]);
    assert.deepEqual(meter.collect('ringkernel.kernel.state'), [
      { value: 1, attributes: { kernel: 'doubler', state: 'active' } },
    ]);
    assert.deepEqual(
      meter.collect('ringkernel.queue.depth').map((entry) => entry.attributes?.queue),
      ['input', 'output'],
    );
    const processed = runtime.getTelemetry('doubler').messagesProcessed;
    const durations = meter.histograms.get('ringkernel.processing.duration') ?? [];
    assert.equal(durations.length, processed);
    assert.ok(durations.every((entry) => entry.value >= 0 && entry.attributes?.kernel === 'doubler'));
    registration.stop();
    assert.deepEqual(meter.collect('ringkernel.messages.received'), []);
    await runtime.request('doubler', Job.create({ value: 9 }), { timeout: 2000 });
    await runtime.request('doubler', Job.create({ value: 9 }), { timeout: 2000 });
    assert.equal(durations.length, processed);
    await runtime.terminateAll();
  });

  it('reports device memory when given sources', async () => {
    const runtime = new RingKernelRuntime();
    const meter = new RecordingMeter();
    const registration = await registerOpenTelemetryMetrics(runtime, {
      meter,
      deviceMemory: [{ backend: 'cpu', device: 'host', bytesInUse: () => 1234 }],
    });
    assert.deepEqual(meter.collect('ringkernel.device.memory.usage'), [
      { value: 1234, attributes: { backend: 'cpu', device: 'host' } },
    ]);
    registration.stop();
  });

  it('uses the global meter of @opentelemetry/api when no meter is passed', async () => {
    const runtime = await workload();
    const api = await import('@opentelemetry/api');
    const meter = new RecordingMeter();
    const requested: string[] = [];
    const provider = {
      getMeter: (name: string) => {
        requested.push(name);
        return meter;
      },
    };
    api.metrics.setGlobalMeterProvider(provider as never);
    try {
      const registration = await registerOpenTelemetryMetrics(runtime, { meterName: 'ringkernel-test' });
      assert.deepEqual(requested, ['ringkernel-test']);
      await runtime.request('doubler', Job.create({ value: 1 }), { timeout: 2000 });
      assert.deepEqual(meter.collect('ringkernel.messages.received'), [
        { value: 1, attributes: { kernel: 'doubler' } },
      ]);
      registration.stop();
    } finally {
      api.metrics.disable();
      await runtime.terminateAll();
    }
  });
});
