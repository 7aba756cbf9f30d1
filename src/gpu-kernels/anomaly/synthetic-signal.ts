import { InvalidArgumentError, describeValue } from '../../errors.js';

/** Options of {@link syntheticSignal}. Defaults: the Python port's real-time anomaly benchmark. */
export interface SyntheticSignalOptions {
  readonly points: number;
  /** Seed of the deterministic generator. Default 42. */
  readonly seed?: number;
  /** Fraction of points that get an anomaly added. Default 0.01. */
  readonly anomalyRate?: number;
  /** Standard deviation of the Gaussian noise. Default 0.1. */
  readonly noise?: number;
  /** Smallest and largest anomaly magnitude (its sign is random). Default 3 and 5. */
  readonly anomalyMagnitude?: readonly [number, number];
}

/** A labelled stream: `labels[i]` is 1 where an anomaly was injected into `values[i]`. */
export interface SyntheticSignal {
  readonly values: Float32Array;
  readonly labels: Uint8Array;
  readonly anomalyCount: number;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32): the same seed gives the same stream everywhere. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The anomaly benchmark's stream: `sin(2πt/1000) + 0.5·sin(2πt/100) + noise·N(0,1)`, with
 * `anomalyRate` of the points (chosen without replacement) shifted by ±U(min, max) and labelled.
 *
 * @example
 * ```ts
 * const { values, labels } = syntheticSignal({ points: 100_000 });
 * ```
 */
export function syntheticSignal(options: SyntheticSignalOptions): SyntheticSignal {
  const { points } = options;
  if (!Number.isSafeInteger(points) || points < 1)
    throw new InvalidArgumentError(`points must be a positive integer, got ${describeValue(points)}`);
  const rate = options.anomalyRate ?? 0.01;
  if (!(rate >= 0 && rate <= 1))
    throw new InvalidArgumentError(`anomalyRate must be in 0..1, got ${describeValue(rate)}`);
  const noise = options.noise ?? 0.1;
  const [low, high] = options.anomalyMagnitude ?? [3, 5];
  const random = seededUniform(options.seed ?? 42);
  const values = new Float32Array(points);
  const labels = new Uint8Array(points);
  for (let t = 0; t < points; t++) {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    values[t] =
      Math.sin((2 * Math.PI * t) / 1000) + 0.5 * Math.sin((2 * Math.PI * t) / 100) + noise * gaussian;
  }
  const anomalyCount = Math.round(points * rate);
  let injected = 0;
  while (injected < anomalyCount) {
    const index = Math.floor(random() * points);
    if (labels[index] === 1) continue;
    labels[index] = 1;
    const sign = random() < 0.5 ? -1 : 1;
    values[index] = values[index]! + sign * (low + (high - low) * random());
    injected++;
  }
  return { values, labels, anomalyCount };
}
