import { RingKernelError } from '../../errors.js';
import type { KernelTelemetrySnapshot, TelemetrySummary } from '../kernel-telemetry.js';

/**
 * What the exporters read from a runtime: `RingKernelRuntime` fits it. Kept structural so the
 * exporters do not pull the runtime in, and so tests can feed fixed figures.
 */
export interface MetricsSource {
  /** The kernels to report, in a stable order. */
  readonly kernelIds: readonly string[];
  /** A point-in-time copy of one kernel's counters and latency. */
  getTelemetry(kernelId: string): KernelTelemetrySnapshot;
  /** Totals over every kernel. */
  getSummary(): TelemetrySummary;
  /** Routes between kernels, when the runtime has routing (drawn by the dashboard). */
  readonly routes?: readonly RouteLike[] | undefined;
}

/** A route as the dashboard draws it: from a kernel to one or more targets. */
export interface RouteLike {
  readonly from: string;
  readonly to: string | readonly string[];
  /** How messages spread over several targets (shown as the edge label). */
  readonly strategy?: string | undefined;
}

/**
 * Device memory of a compute backend, for the `ringkernel_device_memory_*` gauges. Use
 * {@link deviceMemoryOfPool} for a compute `MemoryPool` (e.g. `compute.pool`).
 */
export interface DeviceMemorySource {
  /** Backend kind, e.g. `webgpu` or `cpu`. */
  readonly backend: string;
  /** Device name as discovery reports it. */
  readonly device: string;
  /** Bytes held by live buffers now. */
  bytesInUse(): number;
  /** Bytes allocated in all, idle pooled buffers included (optional). */
  bytesReserved?(): number;
}

/** The parts of a compute `MemoryPool` the exporters read. */
export interface PoolLike {
  readonly backend: { readonly kind: string; readonly accelerator: { readonly name: string } } | null;
  /** Bytes handed out and bytes held (in use plus idle). */
  stats(): { readonly bytesInUse: number; readonly bytesReserved: number };
}

/**
 * Device memory of a compute memory pool (an orchestrator's `compute.pool`).
 *
 * @example
 * ```ts
 * await using compute = await createOrchestrator({ backend: 'auto' });
 * const text = formatPrometheus(runtime, { deviceMemory: [deviceMemoryOfPool(compute.pool)] });
 * ```
 */
export function deviceMemoryOfPool(pool: PoolLike): DeviceMemorySource {
  return {
    backend: pool.backend?.kind ?? 'host',
    device: pool.backend?.accelerator.name ?? 'host memory',
    bytesInUse: () => pool.stats().bytesInUse,
    bytesReserved: () => pool.stats().bytesReserved,
  };
}

/**
 * Telemetry of every kernel launched now. A kernel that terminates between listing and reading is
 * left out rather than failing the whole scrape.
 */
export function snapshotKernels(source: MetricsSource): KernelTelemetrySnapshot[] {
  const snapshots: KernelTelemetrySnapshot[] = [];
  for (const kernelId of source.kernelIds) {
    try {
      snapshots.push(source.getTelemetry(kernelId));
    } catch (error) {
      // Terminated meanwhile: it has no series any more.
      if (!(error instanceof RingKernelError && error.code === 'KERNEL_NOT_FOUND')) throw error;
    }
  }
  return snapshots;
}
