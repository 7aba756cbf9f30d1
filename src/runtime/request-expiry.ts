import { TimeoutError } from '../errors.js';
import type { KernelRecord } from './kernel-record.js';

/** Ticks per timeout: a request times out after `timeout` and at most a quarter later. */
const TICKS_PER_TIMEOUT = 4;

/**
 * Enforces the runtime's default request timeout without a timer or a clock read per request:
 * each waiting reply records the tick it was made in, and one shared interval (running only while
 * replies wait) advances the tick and rejects the replies that are `TICKS_PER_TIMEOUT` ticks old
 * with `TimeoutError`. A reply therefore times out between `timeout` and `1.25 × timeout`.
 *
 * Like a timer per request, waiting replies keep the process alive; once none waits, the interval
 * no longer does (it is unref'd, and stops at its next tick).
 */
export class RequestExpiry {
  /** The current tick; replies store it in `PendingReply.born`. */
  tick = 0;
  readonly timeoutMs: number;
  readonly #records: () => Iterable<KernelRecord>;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Replies under this expiry still waiting (kept by `added` / `settled`). */
  #waiting = 0;

  constructor(timeoutMs: number, records: () => Iterable<KernelRecord>) {
    this.timeoutMs = timeoutMs;
    this.#records = records;
  }

  /** A reply with `born = tick` now waits: starts the ticking, or keeps the process alive again. */
  added(): void {
    if (this.#waiting++ === 0) {
      if (this.#timer === undefined)
        this.#timer = setInterval(() => this.#sweep(), Math.max(1, this.timeoutMs / TICKS_PER_TIMEOUT));
      else (this.#timer as { ref?: () => void }).ref?.();
    }
  }

  /** A reply with `born >= 0` was answered, rejected or withdrawn. */
  settled(): void {
    if (--this.#waiting === 0) (this.#timer as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Stops the ticking (the runtime is disposed). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#waiting = 0;
  }

  #sweep(): void {
    const tick = ++this.tick;
    let waiting = 0;
    for (const record of this.#records()) {
      const pending = record.pending;
      if (pending === undefined || pending.size === 0) continue;
      for (const [id, entry] of pending.entries()) {
        if (entry.born < 0) continue;
        // Made during tick `born`, possibly just before it ended: only after TICKS_PER_TIMEOUT
        // further full ticks has a whole timeout surely passed.
        if (tick - entry.born <= TICKS_PER_TIMEOUT) {
          waiting++;
          continue;
        }
        pending.deleteIf(id, entry);
        this.settled();
        entry.reject(new TimeoutError('request', this.timeoutMs, record.kernelId));
      }
    }
    if (waiting === 0) this.stop();
  }
}
