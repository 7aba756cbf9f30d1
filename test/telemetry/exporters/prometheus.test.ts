import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineMessage, field } from '../../../src/messages/index.js';
import { RingKernelRuntime, ringKernel } from '../../../src/runtime/index.js';
import {
  InsecureBindingError,
  deviceMemoryOfPool,
  escapeLabelValue,
  formatPrometheus,
} from '../../../src/telemetry/exporters/index.js';
import { serveMetrics } from '../../../src/dashboard/index.js';
import { parsePrometheus, valueOf } from './parse-prometheus.js';
import { ACCEPTED_HOSTS, REFUSED_HOSTS, getWithHost } from '../../helpers/http.js';

const Job = defineMessage('MetricsJob', { value: field.f64() });
const Done = defineMessage('MetricsDone', { value: field.f64() });

const worker = ringKernel({ kernelId: 'worker' }, async (ctx) => {
  for await (const message of ctx) {
    const job = message as ReturnType<typeof Job.create>;
    if (job.value < 0) ctx.reportError(new Error('negative job'));
    await ctx.send(Done.reply(job, { value: job.value * 2 }));
  }
});

const lossy = ringKernel({ kernelId: 'lossy', queueSize: 2, backpressure: 'dropOldest' }, async (ctx) => {
  for await (const _ of ctx) {
    // Consumes and discards.
  }
});

const fragile = ringKernel(
  {
    kernelId: 'fragile',
    supervision: { restart: 'transient', backoff: { type: 'fixed', initialMs: 1, jitter: 0 } },
  },
  async (ctx) => {
    for await (const _ of ctx) throw new Error('fragile by design');
  },
);

/**
 * The scripted workload: 5 requests to 'worker' (one reports an error), 5 sends into a 2-slot
 * 'lossy' before it is active, and one message that crashes the supervised 'fragile' once.
 */
async function scriptedRuntime(): Promise<RingKernelRuntime> {
  const runtime = new RingKernelRuntime();
  await runtime.launch('worker', worker);
  await runtime.launch('lossy', lossy);
  await runtime.launch('fragile', fragile);
  await runtime.activate('worker');
  await runtime.activate('fragile');
  for (const value of [1, 2, 3, -1, 5])
    await runtime.request('worker', Job.create({ value }), { timeout: 2000 });
  for (let index = 0; index < 5; index++) await runtime.send('lossy', Job.create({ value: index }));
  const restarted = new Promise<void>((resolve) => runtime.on('kernelRestart', () => resolve()));
  await runtime.send('fragile', Job.create({ value: 0 }));
  await restarted;
  return runtime;
}

describe('formatPrometheus', () => {
  let runtime: RingKernelRuntime;
  before(async () => {
    runtime = await scriptedRuntime();
  });
  after(() => runtime.terminateAll());

  it('reports the known counts of a scripted workload in parseable text', () => {
    const families = parsePrometheus(formatPrometheus(runtime));
    const worker = { kernel: 'worker' };
    const lossy = { kernel: 'lossy' };
    assert.equal(families.get('ringkernel_messages_processed_total')?.type, 'counter');
    assert.equal(valueOf(families, 'ringkernel_messages_received_total', worker), 5);
    // The kernel counts a message processed when it asks for the next: 4 of 5 so far, or 5.
    const processed = valueOf(families, 'ringkernel_messages_processed_total', worker);
    assert.equal(processed, runtime.getTelemetry('worker').messagesProcessed);
    assert.ok(processed >= 4 && processed <= 5);
    assert.equal(valueOf(families, 'ringkernel_messages_sent_total', worker), 5);
    assert.equal(valueOf(families, 'ringkernel_errors_total', worker), 1);
    assert.equal(valueOf(families, 'ringkernel_messages_dropped_total', worker), 0);
    assert.equal(valueOf(families, 'ringkernel_messages_received_total', lossy), 5);
    assert.equal(valueOf(families, 'ringkernel_messages_dropped_total', lossy), 3);
    assert.equal(valueOf(families, 'ringkernel_messages_rejected_total', lossy), 0);
    assert.equal(valueOf(families, 'ringkernel_restarts_total', lossy), 0);
    assert.equal(valueOf(families, 'ringkernel_queue_depth', { kernel: 'lossy', queue: 'input' }), 2);
    assert.equal(valueOf(families, 'ringkernel_queue_capacity', { kernel: 'lossy', queue: 'input' }), 2);
    assert.equal(valueOf(families, 'ringkernel_kernel_state', { kernel: 'worker', state: 'active' }), 1);
    assert.equal(valueOf(families, 'ringkernel_kernel_state', { kernel: 'lossy', state: 'launched' }), 1);
    assert.equal(valueOf(families, 'ringkernel_kernel_state', { kernel: 'lossy', state: 'active' }), 0);
    assert.equal(valueOf(families, 'ringkernel_restarts_total', { kernel: 'fragile' }), 1);
    assert.equal(valueOf(families, 'ringkernel_errors_total', { kernel: 'fragile' }), 1);
    assert.equal(valueOf(families, 'ringkernel_dead_letters_total', {}), 1);
    assert.equal(valueOf(families, 'ringkernel_messages_expired_total', worker), 0);
    assert.equal(valueOf(families, 'ringkernel_messages_duplicate_total', worker), 0);
    assert.equal(valueOf(families, 'ringkernel_kernel_healthy', worker), 1);
    assert.equal(valueOf(families, 'ringkernel_kernels', {}), 3);
    assert.equal(
      valueOf(families, 'ringkernel_active_kernels', {}),
      runtime.kernelIds.filter((id) => runtime.getState(id) === 'active').length,
    );
  });

  it('reports device batches of device-resident kernels', () => {
    const base = runtime.getTelemetry('worker');
    const batchTime = { count: 4, min: 1e6, max: 4e6, mean: 2.5e6, p50: 2e6, p95: 4e6, p99: 4e6 };
    const source = {
      kernelIds: ['gpu'],
      getTelemetry: () => ({
        ...base,
        kernelId: 'gpu',
        device: {
          backend: 'webgpu',
          batches: 4,
          meanBatchSize: 64,
          largestBatch: 128,
          batchTime,
          bytesToDevice: 4096,
          bytesFromDevice: 1024,
        },
      }),
      getSummary: () => runtime.getSummary(),
    };
    const families = parsePrometheus(formatPrometheus(source));
    const labels = { kernel: 'gpu', backend: 'webgpu' };
    assert.equal(valueOf(families, 'ringkernel_device_batches_total', labels), 4);
    assert.equal(valueOf(families, 'ringkernel_device_bytes_to_device_total', labels), 4096);
    assert.equal(valueOf(families, 'ringkernel_device_bytes_from_device_total', labels), 1024);
    const name = 'ringkernel_device_batch_seconds';
    assert.equal(valueOf(families, name, { ...labels, quantile: '0.5' }), 0.002);
    assert.equal(valueOf(families, name, labels, `${name}_sum`), 0.01);
    assert.equal(valueOf(families, name, labels, `${name}_count`), 4);
    assert.equal(parsePrometheus(formatPrometheus(runtime)).has('ringkernel_device_batches_total'), false);
  });

  it('exposes processing latency as a summary in seconds', () => {
    const families = parsePrometheus(formatPrometheus(runtime));
    const summary = families.get('ringkernel_processing_latency_seconds');
    assert.equal(summary?.type, 'summary');
    const snapshot = runtime.getTelemetry('worker').latency;
    const name = 'ringkernel_processing_latency_seconds';
    assert.equal(valueOf(families, name, { kernel: 'worker' }, `${name}_count`), snapshot.count);
    const p50 = valueOf(families, name, { kernel: 'worker', quantile: '0.5' });
    assert.ok(Math.abs(p50 - snapshot.p50 / 1e9) <= 1e-12);
    assert.ok(Number.isNaN(valueOf(families, name, { kernel: 'lossy', quantile: '0.99' })));
  });

  it('reports device memory of compute pools', () => {
    let inUse = 4096;
    const pool = {
      backend: { kind: 'webgpu', accelerator: { name: 'Test "GPU"' } },
      stats: () => ({ bytesInUse: inUse, bytesReserved: 8192 }),
    };
    const text = formatPrometheus(runtime, { deviceMemory: [deviceMemoryOfPool(pool)] });
    const families = parsePrometheus(text);
    const labels = { backend: 'webgpu', device: 'Test "GPU"' };
    assert.equal(valueOf(families, 'ringkernel_device_memory_bytes_in_use', labels), 4096);
    assert.equal(valueOf(families, 'ringkernel_device_memory_bytes_reserved', labels), 8192);
    inUse = 0;
    assert.equal(
      valueOf(
        parsePrometheus(formatPrometheus(runtime, { deviceMemory: [deviceMemoryOfPool(pool)] })),
        'ringkernel_device_memory_bytes_in_use',
        labels,
      ),
      0,
    );
  });

  it('escapes label values', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  });
});

describe('serveMetrics', () => {
  it('serves /metrics on loopback and 404 elsewhere', async () => {
    const runtime = await scriptedRuntime();
    const endpoint = await serveMetrics(runtime, { port: 0 });
    try {
      assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const response = await fetch(endpoint.url);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const families = parsePrometheus(await response.text());
      assert.equal(valueOf(families, 'ringkernel_messages_sent_total', { kernel: 'worker' }), 5);
      assert.equal((await fetch(new URL('/other', endpoint.url))).status, 404);
    } finally {
      await endpoint.close();
      await runtime.terminateAll();
    }
  });

  it('without a token, answers only requests that name a loopback or configured host (DNS rebinding)', async () => {
    const runtime = new RingKernelRuntime();
    const endpoint = await serveMetrics(runtime, { port: 0, allowedHosts: ['metrics.internal'] });
    try {
      for (const host of [...ACCEPTED_HOSTS(endpoint.port), 'metrics.internal:9464']) {
        assert.equal(await getWithHost(endpoint.url, host, '/metrics'), 200, `Host: ${host}`);
      }
      for (const host of REFUSED_HOSTS) {
        assert.equal(await getWithHost(endpoint.url, host, '/metrics'), 403, `Host: ${host}`);
      }
    } finally {
      await endpoint.close();
    }
  });

  it('requires the token when one is set', async () => {
    const runtime = new RingKernelRuntime();
    const token = 'a-long-enough-secret-token';
    const endpoint = await serveMetrics(runtime, { port: 0, token });
    try {
      const bare = new URL(endpoint.url);
      bare.search = '';
      assert.equal((await fetch(bare)).status, 401);
      assert.equal(
        (await fetch(bare, { headers: { authorization: 'Bearer wrong-token-of-some-size' } })).status,
        401,
      );
      assert.equal((await fetch(bare, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await fetch(endpoint.url)).status, 200);
    } finally {
      await endpoint.close();
    }
  });

  it('refuses a non-loopback host without a token', async () => {
    const runtime = new RingKernelRuntime();
    await assert.rejects(serveMetrics(runtime, { host: '0.0.0.0', port: 0 }), InsecureBindingError);
    await assert.rejects(serveMetrics(runtime, { host: '::', port: 0 }), (error: unknown) => {
      assert.ok(error instanceof InsecureBindingError);
      assert.equal(error.code, 'INSECURE_BINDING');
      return true;
    });
  });
});
