import {
  getAccelerator,
  runAnomalyScenario,
  type AnomalyScenarioResult,
  type SyntheticSignal,
  type SyntheticSignalOptions,
} from 'ringkernel';

export interface AnomalyExampleOptions {
  readonly backend: 'cpu' | 'webgpu';
  readonly batchSizes: readonly number[];
  /** Default 1,000,000 (100,000 on a software GPU). */
  readonly points?: number;
  readonly log: (line: string) => void;
  readonly makeSignal: (options: SyntheticSignalOptions) => SyntheticSignal;
}

/** Streams the synthetic signal through the detector at each micro-batch size and prints a table. */
export async function runAnomalyExample(options: AnomalyExampleOptions): Promise<AnomalyScenarioResult[]> {
  const { backend, log } = options;
  let points = options.points ?? 1_000_000;
  const device = await getAccelerator({ backend });
  if (options.points === undefined && backend === 'webgpu' && device.software) {
    points = 100_000;
    log(`(${device.name} renders in software: streaming ${points} points instead of 1,000,000)`);
  }
  log(
    `anomaly detection on ${backend} (${device.name}): ${points} points, 1% anomalies, window 10,000, |z| > 3`,
  );
  const signal = options.makeSignal({ points });
  const results: AnomalyScenarioResult[] = [];
  log('batch   points/s        precision  recall   flagged/injected');
  for (const batchSize of options.batchSizes) {
    const result = await runAnomalyScenario({ backend, signal, batchSize });
    results.push(result);
    log(
      `${String(batchSize).padEnd(8)}${Math.round(result.pointsPerSecond).toLocaleString('en-US').padEnd(16)}` +
        `${result.precision.toFixed(4).padEnd(11)}${result.recall.toFixed(4).padEnd(9)}${result.detected}/${result.injected}`,
    );
  }
  return results;
}
