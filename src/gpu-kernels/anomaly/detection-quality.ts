import { InvalidArgumentError } from '../../errors.js';

/** How well detections match labels. */
export interface DetectionQuality {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** Detections that were anomalies (1 when nothing was detected). */
  readonly precision: number;
  /** Anomalies that were detected (1 when there were none). */
  readonly recall: number;
}

/**
 * Compares per-point detections with the injected labels (both 0/1 per point).
 *
 * @example
 * ```ts
 * const { precision, recall } = detectionQuality(detected, signal.labels);
 * ```
 */
export function detectionQuality(detected: Uint8Array, labels: Uint8Array): DetectionQuality {
  if (detected.length !== labels.length)
    throw new InvalidArgumentError(
      `detected has ${detected.length} points and labels ${labels.length}; compare the same stream`,
    );
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let index = 0; index < labels.length; index++) {
    const flagged = detected[index] === 1;
    const anomalous = labels[index] === 1;
    if (flagged && anomalous) truePositives++;
    else if (flagged) falsePositives++;
    else if (anomalous) falseNegatives++;
  }
  const found = truePositives + falsePositives;
  const actual = truePositives + falseNegatives;
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    precision: found === 0 ? 1 : truePositives / found,
    recall: actual === 0 ? 1 : truePositives / actual,
  };
}
