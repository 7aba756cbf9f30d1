import { InvalidArgumentError, describeValue } from '../../errors.js';
import type { KernelOptions } from '../../runtime/index.js';
import { anomalyMessages } from '../anomaly/anomaly-messages.js';
import { cudaRingKernel, type CudaDeviceChoice } from './cuda-ring-kernel-node.js';

/** Options of {@link cudaAnomalyDetector}. */
export interface CudaAnomalyDetectorOptions extends KernelOptions {
  /** Points per request message. Default 1000. */
  readonly batchSize?: number;
  /** Residuals in the sliding window. Default 10,000. */
  readonly window?: number;
  /** |z| above which a point is anomalous. Default 3. */
  readonly threshold?: number;
  /** Points seen before anything is flagged. Default 30. */
  readonly warmup?: number;
  readonly device?: CudaDeviceChoice;
}

/**
 * The streaming anomaly detector of `anomalyDetector` (same messages, same method: residual against
 * the median of the three previous points, z-score against a sliding window kept as block sums and
 * suffix sums) as a persistent CUDA ring kernel: window, sums, counters and history stay in device
 * memory for the kernel's life. Each micro-batch is walked in order by one thread (`sequential`);
 * the emulator runs the same loop in JavaScript.
 *
 * @example
 * ```ts
 * await runtime.launch('anomaly', cudaAnomalyDetector({ batchSize: 1000 }));
 * ```
 */
export function cudaAnomalyDetector(options: CudaAnomalyDetectorOptions = {}) {
  const batchSize = options.batchSize ?? 1000;
  const window = options.window ?? 10_000;
  const threshold = options.threshold ?? 3;
  const warmup = options.warmup ?? 30;
  if (!Number.isSafeInteger(window) || window < 2)
    throw new InvalidArgumentError(`window must be an integer >= 2, got ${describeValue(window)}`);
  if (!Number.isSafeInteger(warmup) || warmup < 2)
    throw new InvalidArgumentError(`warmup must be an integer >= 2, got ${describeValue(warmup)}`);
  if (!(threshold > 0))
    throw new InvalidArgumentError(`threshold must be > 0, got ${describeValue(threshold)}`);
  const { Batch, Report } = anomalyMessages(batchSize);
  return cudaRingKernel({
    ...options,
    kernelId: options.kernelId ?? 'anomaly',
    input: Batch,
    output: Report,
    order: 'sequential',
    lanes: 32,
    ringCapacity: 256,
    state: {
      window: { type: 'f32', length: 3 * window },
      sums: { type: 'f32', length: 2 },
      counters: { type: 'u32', length: 3 },
      history: { type: 'f32', length: 3 },
      /** window, warmup, threshold² (state, so the emulator body needs no closure). */
      config: { type: 'f32', length: 3, init: [window, warmup, threshold * threshold] },
    },
    cuda: `
      const uint32_t size = (uint32_t)config[0];
      const uint32_t warm = (uint32_t)config[1];
      const float limit = config[2];
      const uint32_t position = counters[2];
      const uint32_t count = min(input.count, (uint32_t)${batchSize});
      uint32_t filled = counters[0], cursor = counters[1];
      float head1 = sums[0], head2 = sums[1];
      float p1 = history[0], p2 = history[1], p3 = history[2];
      uint32_t anomalies = 0u;
      float max_ratio = 0.0f;
      for (uint32_t i = 0; i < count; i++) {
        const float x = input.values[i];
        float residual = 0.0f;
        if (position + i >= 3u) residual = x - fmaxf(fminf(p1, p2), fminf(fmaxf(p1, p2), p3));
        if (filled >= warm) {
          const float s1 = head1 + window[size + cursor];
          const float s2 = head2 + window[2u * size + cursor];
          const float mean = s1 / filled;
          const float variance = fmaxf(s2 / filled - mean * mean, 1e-12f);
          const float deviation = residual - mean;
          const float ratio = deviation * deviation / variance;
          max_ratio = fmaxf(max_ratio, ratio);
          if (ratio > limit) { anomalies++; output.flags[i >> 5] |= 1u << (i & 31u); }
        }
        window[cursor] = residual;
        head1 += residual;
        head2 += residual * residual;
        if (filled < size) filled++;
        if (++cursor == size) {
          float sum = 0.0f, squares = 0.0f;
          for (int slot = (int)size - 1; slot >= 0; slot--) {
            sum += window[slot]; squares += window[slot] * window[slot];
            window[size + slot] = sum; window[2u * size + slot] = squares;
          }
          cursor = 0u; head1 = 0.0f; head2 = 0.0f;
        }
        p3 = p2; p2 = p1; p1 = x;
      }
      counters[0] = filled; counters[1] = cursor; counters[2] = position + count;
      sums[0] = head1; sums[1] = head2;
      history[0] = p1; history[1] = p2; history[2] = p3;
      output.anomalies = anomalies;
      output.maxScore = sqrtf(max_ratio);
      output.position = position;`,
    emulate: (request, state) => {
      const size = state.config[0]!;
      const warm = state.config[1]!;
      const limit = state.config[2]!;
      const slots = state.window;
      const counters = state.counters;
      const history = state.history;
      const position = counters[2]!;
      const count = Math.min(request.count, request.values.length);
      const flags = new Uint32Array(Math.ceil(request.values.length / 32));
      let filled = counters[0]!;
      let cursor = counters[1]!;
      let head1 = state.sums[0]!;
      let head2 = state.sums[1]!;
      let p1 = history[0]!;
      let p2 = history[1]!;
      let p3 = history[2]!;
      let anomalies = 0;
      let maxRatio = 0;
      for (let i = 0; i < count; i++) {
        const x = request.values[i]!;
        let residual = 0;
        if (position + i >= 3)
          residual = Math.fround(x - Math.max(Math.min(p1, p2), Math.min(Math.max(p1, p2), p3)));
        if (filled >= warm) {
          const s1 = head1 + slots[size + cursor]!;
          const s2 = head2 + slots[2 * size + cursor]!;
          const mean = s1 / filled;
          const variance = Math.max(s2 / filled - mean * mean, 1e-12);
          const ratio = ((residual - mean) * (residual - mean)) / variance;
          if (ratio > maxRatio) maxRatio = ratio;
          if (ratio > limit) {
            anomalies++;
            flags[i >>> 5] = flags[i >>> 5]! | (1 << (i & 31));
          }
        }
        slots[cursor] = residual;
        head1 += residual;
        head2 += residual * residual;
        if (filled < size) filled++;
        if (++cursor === size) {
          let sum = 0;
          let squares = 0;
          for (let slot = size - 1; slot >= 0; slot--) {
            sum += slots[slot]!;
            squares += slots[slot]! * slots[slot]!;
            slots[size + slot] = sum;
            slots[2 * size + slot] = squares;
          }
          cursor = 0;
          head1 = 0;
          head2 = 0;
        }
        p3 = p2;
        p2 = p1;
        p1 = x;
      }
      counters[0] = filled;
      counters[1] = cursor;
      counters[2] = position + count;
      state.sums[0] = head1;
      state.sums[1] = head2;
      history[0] = p1;
      history[1] = p2;
      history[2] = p3;
      return { flags, anomalies, maxScore: Math.sqrt(maxRatio), position };
    },
  });
}
