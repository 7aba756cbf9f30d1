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
export { serveMetrics, type ServeMetricsOptions } from './serve-metrics-node.js';
export { isLoopbackHost, type HttpEndpoint, type HttpServeOptions } from './http-node.js';
export { InsecureBindingError, OpenTelemetryUnavailableError } from './errors.js';
