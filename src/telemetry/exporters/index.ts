// Browser-safe: the HTTP server (`serveMetrics`) is a Node adapter, exported with the dashboard
// from `src/dashboard/index.ts` (the `ringkernel/node` entry).
export {
  deviceMemoryOfPool,
  snapshotKernels,
  type DeviceMemorySource,
  type MetricsSource,
  type PoolLike,
  type RouteLike,
} from './metrics-source.js';
export {
  PROMETHEUS_CONTENT_TYPE,
  escapeLabelValue,
  formatPrometheus,
  type PrometheusOptions,
} from './prometheus.js';
export {
  registerOpenTelemetryMetrics,
  type HistogramLike,
  type InspectableMetricsSource,
  type InstrumentOptionsLike,
  type MeterLike,
  type MetricAttributes,
  type ObservableLike,
  type ObservableResultLike,
  type OpenTelemetryOptions,
  type OpenTelemetryRegistration,
} from './opentelemetry.js';
export { InsecureBindingError, OpenTelemetryUnavailableError } from './errors.js';
