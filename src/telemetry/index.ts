export { LatencyHistogram, type LatencySnapshot } from './latency-histogram.js';
export { ThroughputMeter, type ThroughputMeterOptions, type ThroughputSnapshot } from './throughput-meter.js';
