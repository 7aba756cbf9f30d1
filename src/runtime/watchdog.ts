import type { RuntimeEvents } from './events.js';
import type { KernelRecord } from './kernel-record.js';

/**
 * Marks kernels with a `watchdog` option unhealthy when messages wait but none was processed for
 * `stallMs`, and healthy again when they move. One interval for every watched kernel, running only
 * while some kernel is watched.
 */
export class Watchdog {
  readonly #events: RuntimeEvents;
  readonly #progress = new Map<KernelRecord, { processed: number; since: number }>();
  #watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(events: RuntimeEvents) {
    this.#events = events;
  }

  /** Stops watching `record` (it terminated). */
  forget(record: KernelRecord): void {
    this.#progress.delete(record);
  }

  watch(record: KernelRecord): void {
    this.#progress.set(record, { processed: record.telemetry.processed, since: performance.now() });
    if (this.#watchdog !== undefined) return;
    let period = Infinity;
    for (const watched of this.#progress.keys())
      period = Math.min(period, watched.options.watchdog!.stallMs / 4);
    this.#watchdog = setInterval(() => this.#checkProgress(), Math.max(5, period));
    (this.#watchdog as { unref?: () => void }).unref?.();
  }

  #checkProgress(): void {
    const now = performance.now();
    for (const [record, progress] of this.#progress) {
      const telemetry = record.telemetry;
      if (
        telemetry.processed !== progress.processed ||
        record.input.size === 0 ||
        record.state !== 'active'
      ) {
        progress.processed = telemetry.processed;
        progress.since = now;
        if (!telemetry.healthy) {
          telemetry.healthy = true;
          this.#events.emit('healthy', { kernelId: record.kernelId });
        }
      } else if (telemetry.healthy && now - progress.since >= record.options.watchdog!.stallMs) {
        telemetry.healthy = false;
        this.#events.emit('unhealthy', {
          kernelId: record.kernelId,
          queued: record.input.size,
          stalledMs: now - progress.since,
        });
      }
    }
    if (this.#progress.size === 0 && this.#watchdog !== undefined) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }
}
