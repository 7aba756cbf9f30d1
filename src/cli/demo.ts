import { TimeoutError } from '../errors.js';
import { createOrchestrator, vectorScale, type ComputeOrchestrator } from '../compute/index.js';
import { defineMessage, field, type MessageOf } from '../messages/index.js';
import { RingKernelRuntime, ringKernel } from '../runtime/index.js';
import type { KernelTelemetrySnapshot, TelemetrySummary } from '../telemetry/kernel-telemetry.js';

// The guide's calculator and counter messages.
export const CalculateRequest = defineMessage('CalculateRequest', {
  a: field.f64(),
  b: field.f64(),
  operation: field.enum(['add', 'sub', 'mul', 'div'], { default: 'add' }),
});
export const CalculateResponse = defineMessage('CalculateResponse', {
  result: field.f64(),
  success: field.bool({ default: true }),
  error: field.optional(field.string()),
  errorCode: field.optional(field.string()),
});
export const CounterRequest = defineMessage('CounterRequest', {
  action: field.enum(['increment', 'decrement', 'reset']),
});
export const CounterResponse = defineMessage('CounterResponse', { count: field.i32() });

// The sensor pipeline: ingest → calibrate (a compute kernel per batch) → aggregate.
export const SensorReading = defineMessage('SensorReading', { sensor: field.u16(), raw: field.f64() });
export const Sample = defineMessage('Sample', { sensor: field.u16(), celsius: field.f64() });
export const CalibratedBatch = defineMessage('CalibratedBatch', {
  samples: field.u32(),
  mean: field.f64(),
  max: field.f64(),
});
export const PipelineSummary = defineMessage('PipelineSummary', {
  samples: field.u32(),
  totalSamples: field.f64(),
  runningMean: field.f64(),
});

type CalculateRequest = MessageOf<typeof CalculateRequest>;
type CounterRequest = MessageOf<typeof CounterRequest>;
type SensorReading = MessageOf<typeof SensorReading>;
type Sample = MessageOf<typeof Sample>;
type CalibratedBatch = MessageOf<typeof CalibratedBatch>;

/** The pipeline kernels in order; the topology the dashboard draws. */
export const pipelineKernels = ['ingest', 'calibrate', 'aggregate'] as const;

/** Largest batch the calibrate kernel hands to the compute backend at once. */
const CALIBRATION_BATCH = 256;
/** Calibration gain applied on the compute backend (raw sensor units → degrees Celsius). */
const GAIN = 0.01;

function calculate(request: CalculateRequest): MessageOf<typeof CalculateResponse> {
  const { a, b, operation } = request;
  if (operation === 'div' && b === 0) {
    return CalculateResponse.reply(request, {
      result: 0,
      success: false,
      error: 'Division by zero',
      errorCode: 'DIVIDE_BY_ZERO',
    });
  }
  const result =
    operation === 'add' ? a + b : operation === 'sub' ? a - b : operation === 'mul' ? a * b : a / b;
  return CalculateResponse.reply(request, { result });
}

const calculator = ringKernel<CalculateRequest>({ kernelId: 'calculator' }, async (ctx) => {
  for await (const request of ctx) await ctx.send(calculate(request));
});

const counter = ringKernel<CounterRequest>({ kernelId: 'counter' }, async (ctx) => {
  let count = 0;
  for await (const request of ctx) {
    count = request.action === 'increment' ? count + 1 : request.action === 'decrement' ? count - 1 : 0;
    await ctx.send(CounterResponse.reply(request, { count }));
  }
});

const ingest = ringKernel<SensorReading>({ kernelId: 'ingest' }, async (ctx) => {
  for await (const reading of ctx) {
    if (!Number.isFinite(reading.raw)) {
      // A broken sensor is not a reason to stop the pipeline: count it and go on.
      ctx.reportError(new RangeError(`sensor ${reading.sensor} sent a non-finite reading`));
      continue;
    }
    await ctx.send(Sample.create({ sensor: reading.sensor, celsius: reading.raw }));
  }
});

function calibrateKernel(compute: ComputeOrchestrator) {
  return ringKernel<Sample>({ kernelId: 'calibrate' }, async (ctx) => {
    while (!ctx.shouldTerminate) {
      let batch: Sample[];
      try {
        batch = await ctx.receiveBatch(CALIBRATION_BATCH);
      } catch (error) {
        if (error instanceof TimeoutError) continue;
        throw error;
      }
      const input = compute.pool.acquire([batch.length], 'float32');
      const output = compute.pool.acquire([batch.length], 'float32');
      try {
        input.copyFrom(batch.map((sample) => sample.celsius));
        await compute.run(vectorScale, { x: input, out: output, alpha: GAIN });
        const calibrated = await output.toArray();
        let sum = 0;
        let max = -Infinity;
        for (const value of calibrated) {
          sum += value;
          if (value > max) max = value;
        }
        await ctx.send(CalibratedBatch.create({ samples: batch.length, mean: sum / batch.length, max }));
      } finally {
        compute.pool.release(input);
        compute.pool.release(output);
      }
    }
  });
}

const aggregate = ringKernel<CalibratedBatch>({ kernelId: 'aggregate' }, async (ctx) => {
  let total = 0;
  let runningMean = 0;
  for await (const batch of ctx) {
    total += batch.samples;
    runningMean += ((batch.mean - runningMean) * batch.samples) / total;
    await ctx.send(PipelineSummary.create({ samples: batch.samples, totalSamples: total, runningMean }));
  }
});

/** A live demo runtime: the guide's kernels and a small pipeline, ready for load. */
export interface DemoSession {
  readonly runtime: RingKernelRuntime;
  readonly compute: ComputeOrchestrator;
  /** Backend kind and device name the compute stage runs on. */
  readonly backend: string;
  readonly device: string;
  /** Sends `readings` sensor readings into the pipeline; resolves when all came out the far end. */
  feed(readings: number, onProgress?: (done: number) => void): Promise<void>;
  /**
   * Keeps a steady, varying load on every kernel (for the dashboard) until the returned function
   * is called; that function resolves once the load has drained through the pipeline.
   */
  startLoad(): () => Promise<void>;
  /** Terminates the kernels and frees the compute backend. */
  close(): Promise<void>;
}

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** Compute backend of the calibrate stage. Default `cpu`. */
  readonly backend?: 'cpu' | 'webgpu' | 'auto' | undefined;
}

/** A deterministic stand-in for a noisy sensor: a slow wave plus a faster ripple. */
function sensorValue(sensor: number, index: number): number {
  return 2000 + 500 * Math.sin(index / 400 + sensor) + 80 * Math.sin(index / 13 + sensor * 3);
}

/**
 * Launches the demo kernels (calculator, counter, and the ingest → calibrate → aggregate
 * pipeline connected by routes) on a fresh runtime.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ backend: 'cpu' });
 * await demo.feed(10_000);
 * await demo.close();
 * ```
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<DemoSession> {
  const compute = await createOrchestrator({ backend: options.backend ?? 'cpu' });
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('calculator', calculator);
    await runtime.launch('counter', counter);
    await runtime.launch('ingest', ingest);
    await runtime.launch('calibrate', calibrateKernel(compute));
    await runtime.launch('aggregate', aggregate);
    runtime.connect('ingest', 'calibrate');
    runtime.connect('calibrate', 'aggregate');
    for (const id of runtime.kernelIds) await runtime.activate(id);
  } catch (error) {
    await runtime.terminateAll();
    compute.dispose();
    throw error;
  }

  // Summaries leave the pipeline here; `feed` waits on the sample count they carry.
  let samplesOut = 0;
  const waiters: {
    target: number;
    resolve: () => void;
    onProgress?: ((done: number) => void) | undefined;
    base: number;
  }[] = [];
  let closing = false;
  const drainSummaries = async (): Promise<void> => {
    while (!closing) {
      let summary: MessageOf<typeof PipelineSummary>;
      try {
        summary = await runtime.receive('aggregate');
      } catch (error) {
        if (closing) return;
        throw error;
      }
      samplesOut += summary.samples;
      for (let index = waiters.length - 1; index >= 0; index--) {
        const waiter = waiters[index]!;
        waiter.onProgress?.(samplesOut - waiter.base);
        if (samplesOut >= waiter.target) {
          waiters.splice(index, 1);
          waiter.resolve();
        }
      }
    }
  };
  const drained = drainSummaries();

  let samplesIn = 0;
  let readingIndex = 0;
  const sendReadings = async (count: number, broken = 0): Promise<void> => {
    for (let index = 0; index < count; index++) {
      const sensor = readingIndex % 8;
      await runtime.send(
        'ingest',
        SensorReading.create({ sensor, raw: sensorValue(sensor, readingIndex++) }),
      );
    }
    for (let index = 0; index < broken; index++) {
      await runtime.send('ingest', SensorReading.create({ sensor: 7, raw: NaN }));
    }
    samplesIn += count;
  };
  const untilSamplesOut = (target: number, onProgress?: (done: number) => void): Promise<void> =>
    samplesOut >= target
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ target, resolve, onProgress, base: samplesOut }));

  return {
    runtime,
    compute,
    backend: compute.backend.kind,
    device: compute.backend.accelerator.name,
    async feed(readings, onProgress) {
      const target = samplesIn + readings;
      const done = untilSamplesOut(target, onProgress);
      await sendReadings(readings);
      await done;
    },
    startLoad() {
      let running = true;
      let tick = 0;
      const loop = async (): Promise<void> => {
        while (running) {
          tick++;
          // A wave in the load so the throughput sparklines have a shape.
          const burst = Math.round(150 + 120 * Math.sin(tick / 8));
          await sendReadings(burst, tick % 25 === 0 ? 1 : 0);
          await runtime.request(
            'calculator',
            CalculateRequest.create({ a: tick, b: tick % 7, operation: 'div' }),
            {
              timeout: 5000,
            },
          );
          await runtime.request(
            'counter',
            CounterRequest.create({ action: tick % 10 === 0 ? 'decrement' : 'increment' }),
            { timeout: 5000 },
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const loading = loop();
      return async () => {
        running = false;
        await loading;
        await untilSamplesOut(samplesIn);
      };
    },
    async close() {
      closing = true;
      await runtime.terminateAll({ timeout: 2000 });
      await drained.catch(() => undefined);
      compute.dispose();
    },
  };
}

/** What a demo run reports (also its `--json` output). */
export interface DemoReport {
  readonly backend: string;
  readonly device: string;
  readonly durationMs: number;
  /** The calculator's answers, as `"10 add 5 = 15"` lines. */
  readonly calculations: readonly string[];
  /** The counter's final count. */
  readonly count: number;
  /** Readings sent through the pipeline. */
  readonly readings: number;
  readonly kernels: readonly KernelTelemetrySnapshot[];
  readonly summary: TelemetrySummary;
}

/** Options of {@link runDemo}. */
export interface DemoOptions extends StartDemoOptions {
  /** Readings to push through the pipeline. Default 20,000. */
  readonly readings?: number | undefined;
  /** Told how far the demo is, 0..1, with a label. */
  readonly onProgress?: ((fraction: number, label: string) => void) | undefined;
  /** Called with the live session before the scripted run starts (to serve a dashboard on it, say). */
  readonly onStarted?: ((session: DemoSession) => void | Promise<void>) | undefined;
  /** Leave the session open (the caller closes it): for `--dashboard`. Default false. */
  readonly keepOpen?: boolean | undefined;
}

/**
 * The `ringkernel demo` run: launches the guide's calculator and counter and a three-stage
 * pipeline whose middle stage runs a compute kernel per batch, exercises them, and reports every
 * kernel's telemetry. Takes a few seconds.
 *
 * @example
 * ```ts
 * const report = await runDemo({ backend: 'cpu', readings: 5000 });
 * console.log(report.calculations.join('\n'));
 * ```
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = performance.now();
  const readings = options.readings ?? 20_000;
  const progress = options.onProgress ?? (() => undefined);
  progress(0, 'launching kernels');
  const session = await startDemo(options);
  try {
    await options.onStarted?.(session);
    const { runtime } = session;
    progress(0.05, 'calculator');
    const calculations: string[] = [];
    for (const [a, b, operation] of [
      [10, 5, 'add'],
      [10, 5, 'sub'],
      [6, 7, 'mul'],
      [1, 0, 'div'],
    ] as const) {
      const response = await runtime.request<MessageOf<typeof CalculateResponse>>(
        'calculator',
        CalculateRequest.create({ a, b, operation }),
        { timeout: 5000 },
      );
      calculations.push(
        `${a} ${operation} ${b} = ${response.success ? String(response.result) : `error ${response.errorCode ?? '?'}`}`,
      );
    }
    progress(0.1, 'counter');
    let count = 0;
    for (const action of ['increment', 'increment', 'increment', 'decrement', 'increment'] as const) {
      const response = await runtime.request<MessageOf<typeof CounterResponse>>(
        'counter',
        CounterRequest.create({ action }),
        { timeout: 5000 },
      );
      count = response.count;
    }
    progress(0.15, 'pipeline');
    await session.feed(readings, (done) =>
      progress(0.15 + (0.85 * done) / readings, `pipeline ${done}/${readings}`),
    );
    progress(1, 'done');
    const kernels = runtime.kernelIds.map((id) => runtime.getTelemetry(id));
    return {
      backend: session.backend,
      device: session.device,
      durationMs: performance.now() - started,
      calculations,
      count,
      readings,
      kernels,
      summary: runtime.getSummary(),
    };
  } finally {
    if (options.keepOpen !== true) await session.close();
  }
}
