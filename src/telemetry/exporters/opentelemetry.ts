import type { InspectionListener, InspectOptions } from '../../runtime/inspect.js';
import { OpenTelemetryUnavailableError } from './errors.js';
import { snapshotKernels, type DeviceMemorySource, type MetricsSource } from './metrics-source.js';

/** Attributes of a measurement, as `@opentelemetry/api` takes them. */
export type MetricAttributes = Readonly<Record<string, string>>;

/** The part of an OpenTelemetry `ObservableResult` the adapter uses. */
export interface ObservableResultLike {
  /** Reports one value of the instrument for this collection. */
  observe(value: number, attributes?: MetricAttributes): void;
}

/** The part of an OpenTelemetry observable instrument the adapter uses. */
export interface ObservableLike {
  /** Calls `callback` at each collection. */
  addCallback(callback: (result: ObservableResultLike) => void): void;
  /** Stops calling `callback`. */
  removeCallback(callback: (result: ObservableResultLike) => void): void;
}

/** The part of an OpenTelemetry `Histogram` the adapter uses. */
export interface HistogramLike {
  /** Records one measurement. */
  record(value: number, attributes?: MetricAttributes): void;
}

/** Instrument options as `@opentelemetry/api` takes them. */
export interface InstrumentOptionsLike {
  readonly description?: string;
  readonly unit?: string;
}

/**
 * The part of an OpenTelemetry `Meter` the adapter uses: a real `Meter` from `@opentelemetry/api`
 * fits it. Declared here so that ringkernel's types never require the package.
 */
export interface MeterLike {
  /** A monotonic counter read at collection time. */
  createObservableCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
  /** A gauge read at collection time. */
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableLike;
  /** A histogram fed measurement by measurement. */
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
}

/** A runtime the adapter can read and, for latency, inspect. `RingKernelRuntime` fits it. */
export interface InspectableMetricsSource extends MetricsSource {
  /** Streams inspection events to `listener` (for latencies); returns the unsubscribe function. */
  inspect(listener: InspectionListener, options?: InspectOptions): () => void;
}

/** Options of {@link registerOpenTelemetryMetrics}. */
export interface OpenTelemetryOptions {
  /** The meter to create instruments on. Default: `metrics.getMeter(meterName)` of `@opentelemetry/api`. */
  readonly meter?: MeterLike | undefined;
  /** Name of the meter taken from the global provider. Default `ringkernel`. */
  readonly meterName?: string | undefined;
  /** Compute backends whose device memory to report. */
  readonly deviceMemory?: readonly DeviceMemorySource[] | undefined;
  /** Record the latency of every Nth processed batch only (see `runtime.inspect`). Default 1. */
  readonly latencySample?: number | undefined;
}

/** Stops an OpenTelemetry registration. */
export interface OpenTelemetryRegistration {
  /** Removes the callbacks and the inspector; instruments stay registered but report nothing more. */
  stop(): void;
}

// A variable specifier keeps bundlers and TypeScript from requiring the optional package.
const OPEN_TELEMETRY_API = '@opentelemetry/api';

async function globalMeter(name: string): Promise<MeterLike> {
  let api: { metrics: { getMeter(name: string): MeterLike } };
  try {
    api = (await import(OPEN_TELEMETRY_API)) as typeof api;
  } catch (error) {
    throw new OpenTelemetryUnavailableError(error);
  }
  return api.metrics.getMeter(name);
}

/**
 * Publishes a runtime's telemetry as OpenTelemetry metrics: observable counters
 * (`ringkernel.messages.received` / `processed` / `sent` / `dropped` / `rejected`,
 * `expired` / `duplicate`, `ringkernel.errors`, `ringkernel.restarts`, `ringkernel.dead_letters`),
 * observable gauges (`ringkernel.queue.depth`, `ringkernel.kernel.state`, `ringkernel.kernel.healthy`,
 * `ringkernel.throughput`, `ringkernel.device.memory.usage`) and a
 * histogram `ringkernel.processing.duration` in seconds, fed by `runtime.inspect`. Uses
 * `@opentelemetry/api` (loaded on demand) unless a `meter` is passed; the package is never required
 * otherwise. An SDK `MeterProvider` registered globally decides where the figures go.
 *
 * @throws {OpenTelemetryUnavailableError} when no meter is passed and the package is missing.
 * @example
 * ```ts
 * const registration = await registerOpenTelemetryMetrics(runtime);
 * // ... later
 * registration.stop();
 * ```
 */
export async function registerOpenTelemetryMetrics(
  runtime: InspectableMetricsSource,
  options: OpenTelemetryOptions = {},
): Promise<OpenTelemetryRegistration> {
  const meter = options.meter ?? (await globalMeter(options.meterName ?? 'ringkernel'));
  const registered: { instrument: ObservableLike; callback: (result: ObservableResultLike) => void }[] = [];
  const observe = (instrument: ObservableLike, callback: (result: ObservableResultLike) => void): void => {
    instrument.addCallback(callback);
    registered.push({ instrument, callback });
  };

  const counters = [
    ['ringkernel.messages.received', 'Messages accepted into the kernel input queue.', 'messagesReceived'],
    ['ringkernel.messages.processed', 'Messages the kernel finished processing.', 'messagesProcessed'],
    ['ringkernel.messages.sent', 'Messages the kernel sent.', 'messagesSent'],
    ['ringkernel.messages.dropped', 'Messages dropped by backpressure.', 'messagesDropped'],
    ['ringkernel.messages.rejected', 'Sends refused by backpressure or timed out.', 'messagesRejected'],
    ['ringkernel.errors', 'Kernel crashes and reported errors.', 'errors'],
    ['ringkernel.restarts', 'Kernel restarts by supervision.', 'restarts'],
    ['ringkernel.messages.expired', 'Input messages that outlived messageTtl.', 'messagesExpired'],
    ['ringkernel.messages.duplicate', 'Sends dropped as repeats of a recent messageId.', 'duplicates'],
  ] as const;
  for (const [name, description, field] of counters) {
    const unit = name.startsWith('ringkernel.messages')
      ? '{message}'
      : name === 'ringkernel.restarts'
        ? '{restart}'
        : '{error}';
    observe(meter.createObservableCounter(name, { description, unit }), (result) => {
      for (const kernel of snapshotKernels(runtime))
        result.observe(kernel[field], { kernel: kernel.kernelId });
    });
  }
  observe(
    meter.createObservableGauge('ringkernel.queue.depth', {
      description: 'Messages waiting in the kernel queue.',
      unit: '{message}',
    }),
    (result) => {
      for (const kernel of snapshotKernels(runtime)) {
        result.observe(kernel.inputQueueDepth, { kernel: kernel.kernelId, queue: 'input' });
        result.observe(kernel.outputQueueDepth, { kernel: kernel.kernelId, queue: 'output' });
      }
    },
  );
  observe(
    meter.createObservableGauge('ringkernel.kernel.state', {
      description: 'Lifecycle state of the kernel: 1 with its state as an attribute.',
    }),
    (result) => {
      for (const kernel of snapshotKernels(runtime)) {
        result.observe(1, { kernel: kernel.kernelId, state: kernel.state });
      }
    },
  );
  observe(
    meter.createObservableGauge('ringkernel.kernel.healthy', {
      description: 'Watchdog verdict: 0 while messages wait and nothing progresses, else 1.',
    }),
    (result) => {
      for (const kernel of snapshotKernels(runtime)) {
        result.observe(kernel.healthy ? 1 : 0, { kernel: kernel.kernelId });
      }
    },
  );
  observe(
    meter.createObservableCounter('ringkernel.dead_letters', {
      description: 'Entries ever added to the dead-letter queue.',
      unit: '{message}',
    }),
    (result) => result.observe(runtime.getSummary().deadLetters),
  );
  observe(
    meter.createObservableGauge('ringkernel.throughput', {
      description: 'Messages processed per second over the last ~10 s.',
      unit: '{message}/s',
    }),
    (result) => {
      for (const kernel of snapshotKernels(runtime)) {
        result.observe(kernel.throughputPerSecond, { kernel: kernel.kernelId });
      }
    },
  );
  const memory = options.deviceMemory ?? [];
  if (memory.length > 0) {
    observe(
      meter.createObservableGauge('ringkernel.device.memory.usage', {
        description: 'Device memory held by live compute buffers.',
        unit: 'By',
      }),
      (result) => {
        for (const device of memory) {
          result.observe(device.bytesInUse(), { backend: device.backend, device: device.device });
        }
      },
    );
  }

  const duration = meter.createHistogram('ringkernel.processing.duration', {
    description: 'Processing time per message, from taking it to asking for the next.',
    unit: 's',
  });
  const stopInspecting = runtime.inspect(
    (event) => {
      if (event.type !== 'processed' || event.elapsedMs === undefined) return;
      const perMessageSeconds = event.elapsedMs / 1000 / event.count;
      const attributes = { kernel: event.kernelId };
      for (let index = 0; index < event.count; index++) duration.record(perMessageSeconds, attributes);
    },
    { types: ['processed'], sample: options.latencySample },
  );

  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      stopInspecting();
      for (const { instrument, callback } of registered) instrument.removeCallback(callback);
    },
  };
}
