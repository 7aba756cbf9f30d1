import type { KernelPort } from './kernel-port.js';

/** The parts of a port the clock reads. */
type ClockedPort = Pick<KernelPort, 'kernelId' | 'telemetry' | 'timing' | 'latencySampling' | 'inspector'>;

/**
 * Times a kernel's processing cycles (from taking input to finishing it) for telemetry, reading
 * the clock only for sampled cycles: one in `port.latencySampling` (a clock read costs ~50–80 ns,
 * as much as delivering a message). Counts are exact for every cycle; the latency histogram holds
 * the sampled cycles, each weighted by its number of messages. While `runtime.inspect` watches
 * messages, every cycle is timed, so each `processed` inspection event carries its `elapsedMs`.
 */
export class ProcessingClock {
  readonly #port: ClockedPort;
  readonly #every: number;
  #untilSample = 1;
  /** When the current cycle began, or -1 when it is not sampled. */
  #began = -1;

  constructor(port: ClockedPort) {
    this.#port = port;
    this.#every = port.timing ? Math.max(1, port.latencySampling) : 0;
  }

  /** A cycle starts (its first message was taken). While `runtime.inspect` watches messages, every cycle is timed. */
  begin(): void {
    if (this.#every === 0) return;
    if (--this.#untilSample === 0 || this.#port.inspector?.watchingMessages === true) {
      this.#untilSample = this.#every;
      this.#began = performance.now();
    }
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
    if (port.inspector?.watchingMessages === true) port.inspector.processed(port.kernelId, count, elapsedMs);
  }
}
