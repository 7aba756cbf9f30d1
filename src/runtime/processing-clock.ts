import type { KernelPort } from './kernel-port.js';

/**
 * Decides which processing cycles are timed: one in `every`. A runtime shares one sampler among its
 * kernels, so 10,000 kernels that each handle one message still yield 1/`every` of them timed
 * (and only those allocate a latency histogram).
 */
export class LatencySampler {
  readonly every: number;
  #countdown: number;

  constructor(every: number) {
    this.every = Math.max(1, every);
    this.#countdown = 1;
  }

  /** True for one call in `every` (the first call included). */
  take(): boolean {
    if (--this.#countdown !== 0) return false;
    this.#countdown = this.every;
    return true;
  }
}

/** The parts of a port the clock reads. */
type ClockedPort = Pick<KernelPort, 'kernelId' | 'telemetry' | 'timing' | 'latencySampling' | 'inspector'> & {
  readonly sampler?: LatencySampler | undefined;
};

/**
 * Times a kernel's processing cycles (from taking input to finishing it) for telemetry, reading
 * the clock only for sampled cycles (a clock read costs ~50–80 ns, as much as delivering a
 * message). Counts are exact for every cycle; the latency histogram holds the sampled cycles, each
 * weighted by its number of messages. While `runtime.inspect` watches messages, every cycle is
 * timed, so each `processed` inspection event carries its `elapsedMs`.
 */
export class ProcessingClock {
  readonly #port: ClockedPort;
  readonly #sampler: LatencySampler | undefined;
  /** The runtime's inspector (one per runtime, fixed): read once, not through the port per message. */
  readonly #inspector: ClockedPort['inspector'];
  /** When the current cycle began, or -1 when it is not sampled. */
  #began = -1;

  constructor(port: ClockedPort) {
    this.#port = port;
    this.#inspector = port.inspector;
    this.#sampler = port.timing ? (port.sampler ?? new LatencySampler(port.latencySampling)) : undefined;
  }

  /** A cycle starts (its first message was taken). */
  begin(): void {
    const sampler = this.#sampler;
    if (sampler === undefined) return;
    if (sampler.take() || this.#inspector?.watchingMessages === true) this.#began = performance.now();
  }

  /** The cycle that began last ended, having finished `count` messages. */
  end(count: number): void {
    const port = this.#port;
    const began = this.#began;
    let elapsedMs: number | undefined;
    if (began < 0) {
      port.telemetry.countProcessed(count);
    } else {
      this.#began = -1;
      const now = performance.now();
      elapsedMs = now - began;
      port.telemetry.recordProcessed(count, elapsedMs, now);
    }
    const inspector = this.#inspector;
    if (inspector?.watchingMessages === true) inspector.processed(port.kernelId, count, elapsedMs);
  }
}
