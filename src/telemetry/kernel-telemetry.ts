import { LatencyHistogram, type LatencySnapshot } from './latency-histogram.js';
import { ThroughputMeter } from './throughput-meter.js';

/** A point-in-time view of one kernel's telemetry. Durations in nanoseconds unless named otherwise. */
export interface KernelTelemetrySnapshot {
  readonly kernelId: string;
  readonly state: string;
  /**
   * Messages the runtime accepted for this kernel (send, routes, topics), including any that
   * `dropNewest` then discarded: received = processed + dropped + queued + in flight.
   */
  readonly messagesReceived: number;
  /** Messages the kernel took and finished (it asked for the next one, or its loop ended). */
  readonly messagesProcessed: number;
  /** Messages the kernel sent (output queue, direct replies, routes). */
  readonly messagesSent: number;
  /** Messages dropped by `dropOldest` / `dropNewest`, input and output together. */
  readonly messagesDropped: number;
  /** Sends refused by backpressure `reject` or that timed out while blocked. */
  readonly messagesRejected: number;
  /** Errors: the kernel's own crash plus those it reported through `ctx.reportError`. */
  readonly errors: number;
  readonly lastError: { readonly name: string; readonly message: string; readonly code?: string } | undefined;
  readonly restarts: number;
  /** Input messages that outlived the kernel's `messageTtl` (moved to dead letters). */
  readonly messagesExpired: number;
  /** Sends dropped as repeats of a recent messageId (`dedupWindow`). */
  readonly duplicates: number;
  /** False while the watchdog sees queued messages and no progress. */
  readonly healthy: boolean;
  readonly inputQueueDepth: number;
  readonly outputQueueDepth: number;
  readonly inputQueueCapacity: number;
  readonly outputQueueCapacity: number;
  /** Processing time per message (from the kernel taking it to asking for the next one). */
  readonly latency: LatencySnapshot;
  /** Messages processed per second over the last ~10 s. */
  readonly throughputPerSecond: number;
  /** Messages processed per second since launch. */
  readonly lifetimeThroughputPerSecond: number;
  readonly uptimeMs: number;
  /** Batches run on a compute device; present once a device-resident kernel has run one. */
  readonly device?: DeviceTelemetrySnapshot;
  /** How messages reach a kernel on another thread; present for worker kernels. */
  readonly transport?: TransportTelemetry;
}

/**
 * How a worker kernel's messages cross to its thread: `sharedMemory` (SharedArrayBuffer rings) or
 * `postMessage` (a browser page without cross-origin isolation, where SharedArrayBuffer is not
 * available), with the reason for the choice.
 */
export interface TransportTelemetry {
  readonly kind: 'sharedMemory' | 'postMessage';
  readonly detail: string;
}

/** What a device-resident kernel (`gpuRingKernel`, PageRank, ...) did on its compute backend. */
export interface DeviceTelemetrySnapshot {
  /** Backend kind, e.g. `cpu` or `webgpu`. */
  readonly backend: string;
  readonly batches: number;
  /** Messages per batch, averaged over all batches. */
  readonly meanBatchSize: number;
  readonly largestBatch: number;
  /** Time per batch on the device, from submitting the work until its results are readable. */
  readonly batchTime: LatencySnapshot;
  /** Bytes copied to the device (packed inputs, uploads) and back (results, readbacks). */
  readonly bytesToDevice: number;
  readonly bytesFromDevice: number;
}

const defaultClock = (): number => performance.now();

const EMPTY_LATENCY: LatencySnapshot = Object.freeze({
  count: 0,
  min: 0,
  max: 0,
  mean: 0,
  p50: 0,
  p95: 0,
  p99: 0,
});

/** Device counters, created by the first recorded batch so host-only kernels carry none. */
class DeviceCounters {
  batches = 0;
  messages = 0;
  largestBatch = 0;
  bytesToDevice = 0;
  bytesFromDevice = 0;
  readonly batchTime = new LatencyHistogram();
  constructor(readonly backend: string) {}
}

/**
 * The live counters of one kernel, updated by the runtime on every message. Plain fields on one
 * object: incrementing costs nothing measurable. Timing (the only costly part: a clock read is
 * ~50–80 ns) happens only when telemetry is enabled, and then only for sampled processing cycles
 * (see `RuntimeOptions.latencySampling`). The latency histogram and the throughput window are
 * allocated on first use, so an idle kernel carries neither.
 */
export class KernelTelemetry {
  received = 0;
  processed = 0;
  sent = 0;
  dropped = 0;
  rejected = 0;
  errors = 0;
  restarts = 0;
  expired = 0;
  duplicates = 0;
  healthy = true;
  lastError: KernelTelemetrySnapshot['lastError'] = undefined;
  #device: DeviceCounters | undefined = undefined;
  /** Set by worker kernels when they start: how their messages cross threads. */
  transport: TransportTelemetry | undefined = undefined;
  #latency: LatencyHistogram | undefined = undefined;
  #throughput: ThroughputMeter | undefined = undefined;
  /** Processed messages not yet added to the throughput window (counted without a clock read). */
  #untimed = 0;
  readonly #launchedAt: number;
  readonly #clock: () => number;

  constructor(clock: () => number = defaultClock, launchedAt: number = clock()) {
    this.#clock = clock;
    this.#launchedAt = launchedAt;
  }

  /** Processing time per message; allocated on first use. */
  get latency(): LatencyHistogram {
    return (this.#latency ??= new LatencyHistogram());
  }

  /** Adds this kernel's latency samples to `target` (without allocating a histogram of its own). */
  mergeLatencyInto(target: LatencyHistogram): void {
    if (this.#latency !== undefined) target.merge(this.#latency);
  }

  /** Processed messages per second; allocated on first use, its lifetime starting at launch. */
  get throughput(): ThroughputMeter {
    if (this.#throughput === undefined) {
      this.#throughput = new ThroughputMeter({ clock: this.#clock, startMs: this.#launchedAt });
    }
    if (this.#untimed !== 0) {
      const untimed = this.#untimed;
      this.#untimed = 0;
      this.#throughput.record(untimed);
    }
    return this.#throughput;
  }

  /** `count` messages finished at `nowMs`, `elapsedMs` after they were taken. */
  recordProcessed(count: number, elapsedMs: number, nowMs: number): void {
    this.processed += count;
    this.latency.record((elapsedMs * 1e6) / count, count);
    const untimed = this.#untimed;
    this.#untimed = 0;
    this.#throughput ??= new ThroughputMeter({ clock: this.#clock, startMs: this.#launchedAt });
    this.#throughput.record(count + untimed, nowMs);
  }

  /**
   * `count` messages finished, not timed (an unsampled cycle): counted exactly, and added to the
   * throughput window at the next timed cycle or read, whichever comes first.
   */
  countProcessed(count: number): void {
    this.processed += count;
    this.#untimed += count;
  }

  /**
   * One batch of `size` messages ran on `backend`'s device in `deviceMs`, moving the given bytes.
   * Messages are counted as processed separately (`recordProcessed`).
   */
  recordDeviceBatch(
    backend: string,
    size: number,
    deviceMs: number,
    bytesToDevice: number,
    bytesFromDevice: number,
  ): void {
    const device = (this.#device ??= new DeviceCounters(backend));
    device.batches++;
    device.messages += size;
    if (size > device.largestBatch) device.largestBatch = size;
    device.bytesToDevice += bytesToDevice;
    device.bytesFromDevice += bytesFromDevice;
    device.batchTime.record(Math.max(0, deviceMs * 1e6));
  }

  recordError(error: unknown): void {
    this.errors++;
    if (!(error instanceof Error)) {
      this.lastError = { name: 'Error', message: String(error) };
      return;
    }
    const code: unknown = (error as Error & { code?: unknown }).code;
    this.lastError = {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }

  snapshot(
    kernelId: string,
    state: string,
    queues: { inputDepth: number; outputDepth: number; inputCapacity: number; outputCapacity: number },
  ): KernelTelemetrySnapshot {
    const now = this.#clock();
    const throughput = this.throughput;
    return {
      kernelId,
      state,
      messagesReceived: this.received,
      messagesProcessed: this.processed,
      messagesSent: this.sent,
      messagesDropped: this.dropped,
      messagesRejected: this.rejected,
      errors: this.errors,
      lastError: this.lastError,
      restarts: this.restarts,
      messagesExpired: this.expired,
      duplicates: this.duplicates,
      healthy: this.healthy,
      inputQueueDepth: queues.inputDepth,
      outputQueueDepth: queues.outputDepth,
      inputQueueCapacity: queues.inputCapacity,
      outputQueueCapacity: queues.outputCapacity,
      latency: this.#latency === undefined ? EMPTY_LATENCY : this.#latency.snapshot(),
      throughputPerSecond: throughput.rate(now),
      lifetimeThroughputPerSecond: throughput.lifetimeRate(now),
      uptimeMs: now - this.#launchedAt,
      ...(this.#device === undefined ? {} : { device: deviceSnapshot(this.#device) }),
      ...(this.transport === undefined ? {} : { transport: this.transport }),
    };
  }
}

function deviceSnapshot(device: DeviceCounters): DeviceTelemetrySnapshot {
  return {
    backend: device.backend,
    batches: device.batches,
    meanBatchSize: device.batches === 0 ? 0 : device.messages / device.batches,
    largestBatch: device.largestBatch,
    batchTime: device.batchTime.snapshot(),
    bytesToDevice: device.bytesToDevice,
    bytesFromDevice: device.bytesFromDevice,
  };
}

/** Totals over every kernel of a runtime. */
export interface TelemetrySummary {
  readonly kernelCount: number;
  readonly activeKernels: number;
  readonly messagesReceived: number;
  readonly messagesProcessed: number;
  readonly messagesSent: number;
  readonly messagesDropped: number;
  readonly messagesRejected: number;
  readonly errors: number;
  readonly restarts: number;
  /** Entries ever added to the runtime's dead-letter queue. */
  readonly deadLetters: number;
  /** Sum of the kernels' windowed throughputs. */
  readonly throughputPerSecond: number;
  /** Processing latency over all kernels' samples. */
  readonly latency: LatencySnapshot;
  readonly uptimeMs: number;
}
