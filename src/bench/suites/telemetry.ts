import { LatencyHistogram, ThroughputMeter } from '../../telemetry/index.js';
import { repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * Cost of the telemetry primitives on the hot path, in ns per call (loop overhead included: a
 * counted loop reading a pre-filled Float64Array, under 1 ns per iteration on this machine).
 * The samples spread over six decades so every branch of the bucket index is taken.
 */

const SIZES = {
  full: { calls: 2_000_000, warmupRuns: 2, runs: 7 },
  quick: { calls: 20_000, warmupRuns: 1, runs: 2 },
} as const;

const SAMPLE_MASK = 4095;

function nsPerCall(calls: number, loop: () => void): number {
  const start = performance.now();
  loop();
  return ((performance.now() - start) * 1e6) / calls;
}

async function runTelemetry(context: BenchContext): Promise<BenchResult[]> {
  const { calls, warmupRuns, runs } = context.quick ? SIZES.quick : SIZES.full;
  const samples = new Float64Array(SAMPLE_MASK + 1);
  let seed = 12_345;
  for (let index = 0; index < samples.length; index++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    samples[index] = 10 ** (2 + (seed / 2_147_483_648) * 6);
  }
  const totalRuns = 3 * (warmupRuns + runs);
  let runsDone = 0;
  const onRun = (label: string) => () => context.progress(++runsDone / totalRuns, label);

  const histogram = new LatencyHistogram();
  const record = await repeat(
    () => {
      histogram.reset();
      const figure = nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++) histogram.record(samples[index & SAMPLE_MASK] as number);
      });
      if (histogram.count !== calls) throw new Error(`histogram counted ${histogram.count} of ${calls}`);
      return { figure };
    },
    { warmupRuns, runs, onRun: onRun('histogram record') },
  );

  const meter = new ThroughputMeter();
  const meterWithTimestamp = await repeat(
    () => {
      const now = performance.now();
      return {
        figure: nsPerCall(calls, () => {
          for (let index = 0; index < calls; index++) meter.record(1, now);
        }),
      };
    },
    { warmupRuns, runs, onRun: onRun('meter record') },
  );
  const meterReadingClock = await repeat(
    () => ({
      figure: nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++) meter.record();
      }),
    }),
    { warmupRuns, runs, onRun: onRun('meter record + clock') },
  );
  context.log(`snapshot of the last run: ${JSON.stringify(histogram.snapshot())}`);

  return [
    { name: 'telemetry.histogram_record.ns', value: record.medians.figure, unit: 'ns' },
    { name: 'telemetry.meter_record.ns', value: meterWithTimestamp.medians.figure, unit: 'ns' },
    { name: 'telemetry.meter_record_with_clock.ns', value: meterReadingClock.medians.figure, unit: 'ns' },
  ];
}

/** Hot-path cost of `LatencyHistogram.record` and `ThroughputMeter.record`. */
export const telemetrySuite: BenchSuite = {
  name: 'telemetry',
  description: 'Cost per call of LatencyHistogram.record and ThroughputMeter.record',
  run: runTelemetry,
};
