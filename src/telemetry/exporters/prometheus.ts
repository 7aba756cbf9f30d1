import type { KernelTelemetrySnapshot } from '../kernel-telemetry.js';
import { snapshotKernels, type DeviceMemorySource, type MetricsSource } from './metrics-source.js';

/** Options of {@link formatPrometheus}. */
export interface PrometheusOptions {
  /** Compute backends whose device memory to report (see `deviceMemoryOfPool`). */
  readonly deviceMemory?: readonly DeviceMemorySource[] | undefined;
}

/** The Prometheus text-format content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every lifecycle state, so the state gauge is a complete state set (one series per state). */
const kernelStates = ['launched', 'active', 'deactivated', 'terminating', 'terminated', 'failed'] as const;

const counters: readonly {
  readonly name: string;
  readonly help: string;
  readonly read: (snapshot: KernelTelemetrySnapshot) => number;
}[] = [
  {
    name: 'ringkernel_messages_received_total',
    help: 'Messages accepted into the kernel input queue.',
    read: (snapshot) => snapshot.messagesReceived,
  },
  {
    name: 'ringkernel_messages_processed_total',
    help: 'Messages the kernel finished processing.',
    read: (snapshot) => snapshot.messagesProcessed,
  },
  {
    name: 'ringkernel_messages_sent_total',
    help: 'Messages the kernel sent (output queue and direct replies).',
    read: (snapshot) => snapshot.messagesSent,
  },
  {
    name: 'ringkernel_messages_dropped_total',
    help: 'Messages dropped by backpressure dropOldest/dropNewest, input and output.',
    read: (snapshot) => snapshot.messagesDropped,
  },
  {
    name: 'ringkernel_messages_rejected_total',
    help: 'Sends refused by backpressure reject or timed out while blocked.',
    read: (snapshot) => snapshot.messagesRejected,
  },
  {
    name: 'ringkernel_errors_total',
    help: 'Kernel errors: crashes and errors reported through ctx.reportError.',
    read: (snapshot) => snapshot.errors,
  },
  {
    name: 'ringkernel_restarts_total',
    help: 'Kernel restarts by supervision.',
    read: (snapshot) => snapshot.restarts,
  },
  {
    name: 'ringkernel_messages_expired_total',
    help: 'Input messages that outlived the kernel messageTtl (moved to dead letters).',
    read: (snapshot) => snapshot.messagesExpired,
  },
  {
    name: 'ringkernel_messages_duplicate_total',
    help: 'Sends dropped as repeats of a recent messageId.',
    read: (snapshot) => snapshot.duplicates,
  },
];

/** Escapes a label value as the text format requires (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Formats a sample value: integers as such, `+Inf`/`-Inf`/`NaN` as the format spells them. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labels(pairs: Readonly<Record<string, string>>): string {
  const parts = Object.entries(pairs).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Renders a runtime's telemetry in the Prometheus text exposition format (version 0.0.4): per
 * kernel counters (`ringkernel_messages_processed_total{kernel="..."}` and the other message,
 * error, restart, expiry and duplicate counters), gauges for queue depth and capacity, lifecycle
 * state (a state set), watchdog health and throughput, a summary of processing latency in
 * seconds, device batch counters and times for device-resident kernels, runtime-wide figures
 * (kernels, dead letters, uptime), and device memory in use when `deviceMemory` sources are given.
 *
 * @example
 * ```ts
 * const text = formatPrometheus(runtime);
 * // # TYPE ringkernel_messages_processed_total counter
 * // ringkernel_messages_processed_total{kernel="calculator"} 42
 * ```
 */
export function formatPrometheus(source: MetricsSource, options: PrometheusOptions = {}): string {
  const kernels = snapshotKernels(source);
  const lines: string[] = [];
  const family = (name: string, type: string, help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labelPairs: Readonly<Record<string, string>>, value: number): void => {
    lines.push(`${name}${labels(labelPairs)} ${formatValue(value)}`);
  };

  for (const counter of counters) {
    family(counter.name, 'counter', counter.help);
    for (const kernel of kernels) sample(counter.name, { kernel: kernel.kernelId }, counter.read(kernel));
  }

  family('ringkernel_queue_depth', 'gauge', 'Messages waiting in the kernel queue.');
  for (const kernel of kernels) {
    sample('ringkernel_queue_depth', { kernel: kernel.kernelId, queue: 'input' }, kernel.inputQueueDepth);
    sample('ringkernel_queue_depth', { kernel: kernel.kernelId, queue: 'output' }, kernel.outputQueueDepth);
  }
  family('ringkernel_queue_capacity', 'gauge', 'Capacity of the kernel queue, in messages.');
  for (const kernel of kernels) {
    sample(
      'ringkernel_queue_capacity',
      { kernel: kernel.kernelId, queue: 'input' },
      kernel.inputQueueCapacity,
    );
    sample(
      'ringkernel_queue_capacity',
      { kernel: kernel.kernelId, queue: 'output' },
      kernel.outputQueueCapacity,
    );
  }

  family('ringkernel_kernel_state', 'gauge', 'Lifecycle state of the kernel: 1 for its current state.');
  for (const kernel of kernels) {
    for (const state of kernelStates) {
      sample('ringkernel_kernel_state', { kernel: kernel.kernelId, state }, kernel.state === state ? 1 : 0);
    }
  }

  family(
    'ringkernel_kernel_healthy',
    'gauge',
    'Watchdog verdict: 0 while messages wait and nothing progresses.',
  );
  for (const kernel of kernels)
    sample('ringkernel_kernel_healthy', { kernel: kernel.kernelId }, kernel.healthy ? 1 : 0);

  family(
    'ringkernel_throughput_messages_per_second',
    'gauge',
    'Messages processed per second over the last ~10 s.',
  );
  for (const kernel of kernels) {
    sample(
      'ringkernel_throughput_messages_per_second',
      { kernel: kernel.kernelId },
      kernel.throughputPerSecond,
    );
  }

  const latency = 'ringkernel_processing_latency_seconds';
  family(latency, 'summary', 'Processing time per message, from taking it to asking for the next.');
  for (const kernel of kernels) {
    const snapshot = kernel.latency;
    const kernelId = kernel.kernelId;
    for (const [quantile, ns] of [
      ['0.5', snapshot.p50],
      ['0.95', snapshot.p95],
      ['0.99', snapshot.p99],
    ] as const) {
      sample(latency, { kernel: kernelId, quantile }, snapshot.count === 0 ? NaN : ns / 1e9);
    }
    sample(`${latency}_sum`, { kernel: kernelId }, (snapshot.mean * snapshot.count) / 1e9);
    sample(`${latency}_count`, { kernel: kernelId }, snapshot.count);
  }

  const onDevice = kernels.filter((kernel) => kernel.device !== undefined);
  if (onDevice.length > 0) {
    const deviceCounters = [
      [
        'ringkernel_device_batches_total',
        'Batches a device-resident kernel ran on its compute backend.',
        'batches',
      ],
      ['ringkernel_device_bytes_to_device_total', 'Bytes copied to the compute device.', 'bytesToDevice'],
      [
        'ringkernel_device_bytes_from_device_total',
        'Bytes copied back from the compute device.',
        'bytesFromDevice',
      ],
    ] as const;
    for (const [name, help, field] of deviceCounters) {
      family(name, 'counter', help);
      for (const kernel of onDevice) {
        sample(name, { kernel: kernel.kernelId, backend: kernel.device!.backend }, kernel.device![field]);
      }
    }
    const batchTime = 'ringkernel_device_batch_seconds';
    family(
      batchTime,
      'summary',
      'Time per device batch, from submitting the work until its results are readable.',
    );
    for (const kernel of onDevice) {
      const snapshot = kernel.device!.batchTime;
      const labels = { kernel: kernel.kernelId, backend: kernel.device!.backend };
      for (const [quantile, ns] of [
        ['0.5', snapshot.p50],
        ['0.99', snapshot.p99],
      ] as const) {
        sample(batchTime, { ...labels, quantile }, snapshot.count === 0 ? NaN : ns / 1e9);
      }
      sample(`${batchTime}_sum`, labels, (snapshot.mean * snapshot.count) / 1e9);
      sample(`${batchTime}_count`, labels, snapshot.count);
    }
  }

  const summary = source.getSummary();
  family('ringkernel_kernels', 'gauge', 'Kernels launched and not yet terminated.');
  sample('ringkernel_kernels', {}, summary.kernelCount);
  family('ringkernel_active_kernels', 'gauge', 'Kernels in the active state.');
  sample('ringkernel_active_kernels', {}, summary.activeKernels);
  family('ringkernel_dead_letters_total', 'counter', 'Entries ever added to the dead-letter queue.');
  sample('ringkernel_dead_letters_total', {}, summary.deadLetters);
  family('ringkernel_uptime_seconds', 'gauge', 'Seconds since the runtime was created.');
  sample('ringkernel_uptime_seconds', {}, summary.uptimeMs / 1000);

  const memory = options.deviceMemory ?? [];
  if (memory.length > 0) {
    family('ringkernel_device_memory_bytes_in_use', 'gauge', 'Device memory held by live compute buffers.');
    for (const device of memory) {
      sample(
        'ringkernel_device_memory_bytes_in_use',
        { backend: device.backend, device: device.device },
        device.bytesInUse(),
      );
    }
    const reserved = memory.filter((device) => device.bytesReserved !== undefined);
    if (reserved.length > 0) {
      family(
        'ringkernel_device_memory_bytes_reserved',
        'gauge',
        'Device memory allocated by compute pools, idle buffers included.',
      );
      for (const device of reserved) {
        sample(
          'ringkernel_device_memory_bytes_reserved',
          { backend: device.backend, device: device.device },
          device.bytesReserved!(),
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
