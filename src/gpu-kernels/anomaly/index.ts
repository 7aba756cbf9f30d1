export { anomalyDetector, type AnomalyDetectorOptions } from './anomaly-detector.js';
export {
  anomalyMessages,
  type AnomalyBatch,
  type AnomalyMessages,
  type AnomalyReport,
} from './anomaly-messages.js';
export { streamAnomalies, type AnomalyStreamResult, type StreamAnomaliesOptions } from './anomaly-stream.js';
export { detectionQuality, type DetectionQuality } from './detection-quality.js';
export {
  seededUniform,
  syntheticSignal,
  type SyntheticSignal,
  type SyntheticSignalOptions,
} from './synthetic-signal.js';
