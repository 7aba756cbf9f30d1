/**
 * normalize → score → classify: three device-resident ring kernels wired with `runtime.connect`,
 * so each stage's replies flow straight into the next stage's input queue (K2K routes; the caller
 * only feeds the first stage and drains the last).
 */
import { gpuRingKernel, defineMessage, field, type MessageOf, RingKernelRuntime } from 'ringkernel';

export const SENSORS = 8;

export const Reading = defineMessage('PipelineReading', {
  sensor: field.u32(),
  value: field.f32(),
  seq: field.u32(),
});
export const Normalized = defineMessage('PipelineNormalized', {
  sensor: field.u32(),
  z: field.f32(),
  seq: field.u32(),
});
export const Scored = defineMessage('PipelineScored', {
  sensor: field.u32(),
  score: field.f32(),
  seq: field.u32(),
});
export const Classified = defineMessage('PipelineClassified', {
  sensor: field.u32(),
  seq: field.u32(),
  /** 0 normal, 1 warning, 2 alert. */
  level: field.u32(),
  /** Alerts this sensor has raised so far. */
  alerts: field.u32(),
});
export type Classified = MessageOf<typeof Classified>;

/** Per-sensor exponential moving mean and variance (state on the device), readings in arrival order. */
function normalizeKernel(backend: 'cpu' | 'webgpu') {
  return gpuRingKernel({
    kernelId: 'normalize',
    input: Reading,
    output: Normalized,
    backend,
    order: 'sequential',
    state: {
      mean: { type: 'f32', length: SENSORS },
      variance: { type: 'f32', length: SENSORS, init: new Array<number>(SENSORS).fill(1) },
    },
    wgsl: `
      let sensor = input.sensor % ${SENSORS}u;
      let deviation = input.value - mean[sensor];
      output.z = deviation / sqrt(variance[sensor] + 1e-6);
      mean[sensor] += 0.05 * deviation;
      variance[sensor] = 0.95 * (variance[sensor] + 0.05 * deviation * deviation);
      output.sensor = input.sensor;
      output.seq = input.seq;`,
    cpu: (reading, state) => {
      const sensor = reading.sensor % SENSORS;
      const deviation = reading.value - state.mean[sensor]!;
      const z = deviation / Math.sqrt(state.variance[sensor]! + 1e-6);
      state.mean[sensor] = state.mean[sensor]! + 0.05 * deviation;
      state.variance[sensor] = 0.95 * (state.variance[sensor]! + 0.05 * deviation * deviation);
      return { sensor: reading.sensor, z, seq: reading.seq };
    },
  });
}

/** Stateless, one invocation per message in parallel: a squashed |z| in [0, 1). */
function scoreKernel(backend: 'cpu' | 'webgpu') {
  return gpuRingKernel({
    kernelId: 'score',
    input: Normalized,
    output: Scored,
    backend,
    wgsl: `
      let magnitude = abs(input.z);
      output.score = magnitude / (1.0 + magnitude);
      output.sensor = input.sensor;
      output.seq = input.seq;`,
    cpu: (normalized) => {
      const magnitude = Math.abs(normalized.z);
      return { sensor: normalized.sensor, score: magnitude / (1 + magnitude), seq: normalized.seq };
    },
  });
}

/** Thresholds the score; counts alerts per sensor in device state. */
function classifyKernel(backend: 'cpu' | 'webgpu') {
  return gpuRingKernel({
    kernelId: 'classify',
    input: Scored,
    output: Classified,
    backend,
    order: 'sequential',
    state: { alerts: { type: 'u32', length: SENSORS } },
    wgsl: `
      let sensor = input.sensor % ${SENSORS}u;
      var level = 0u;
      if (input.score > 0.8) { level = 2u; } else if (input.score > 0.6) { level = 1u; }
      if (level == 2u) { alerts[sensor] += 1u; }
      output.sensor = input.sensor;
      output.seq = input.seq;
      output.level = level;
      output.alerts = alerts[sensor];`,
    cpu: (scored, state) => {
      const sensor = scored.sensor % SENSORS;
      const level = scored.score > 0.8 ? 2 : scored.score > 0.6 ? 1 : 0;
      if (level === 2) state.alerts[sensor] = state.alerts[sensor]! + 1;
      return { sensor: scored.sensor, seq: scored.seq, level, alerts: state.alerts[sensor]! };
    },
  });
}

export interface PipelineResult {
  readonly readings: number;
  readonly levels: readonly [normal: number, warning: number, alert: number];
  /** Sequence numbers of the readings classified as alerts. */
  readonly alertSeqs: readonly number[];
  readonly messagesPerSecond: number;
}

/** Sends `readings` sensor values (spikes at every 97th) through the pipeline and tallies the classes. */
export async function runPipelineExample(
  backend: 'cpu' | 'webgpu',
  readings: number,
  log: (line: string) => void = () => {},
): Promise<PipelineResult> {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('classify', classifyKernel(backend));
    await runtime.launch('score', scoreKernel(backend));
    await runtime.launch('normalize', normalizeKernel(backend));
    for (const id of ['classify', 'score', 'normalize']) await runtime.activate(id);
    runtime.connect('normalize', 'score');
    runtime.connect('score', 'classify');
    log(`normalize → score → classify on ${backend}, routed kernel to kernel`);
    const started = performance.now();
    const levels: [number, number, number] = [0, 0, 0];
    const alertSeqs: number[] = [];
    const drained = (async () => {
      for (let index = 0; index < readings; index++) {
        const classified = await runtime.receive<Classified>('classify', { timeout: 30_000 });
        levels[classified.level as 0 | 1 | 2]++;
        if (classified.level === 2) alertSeqs.push(classified.seq);
      }
    })();
    for (let seq = 0; seq < readings; seq++) {
      const sensor = seq % SENSORS;
      const spike = seq % 97 === 96 ? 25 : 0;
      const value = 10 + sensor + Math.sin(seq / 50) * 0.5 + ((seq * 7919) % 13) / 26 + spike;
      await runtime.send('normalize', Reading.create({ sensor, value, seq }));
    }
    await drained;
    const messagesPerSecond = (readings / (performance.now() - started)) * 1000;
    log(
      `${readings} readings: ${levels[0]} normal, ${levels[1]} warning, ${levels[2]} alert (${Math.round(messagesPerSecond)} readings/s through 3 kernels)`,
    );
    alertSeqs.sort((left, right) => left - right);
    return { readings, levels, alertSeqs, messagesPerSecond };
  } finally {
    await runtime.terminateAll();
  }
}
