import type { Message } from '../messages/types.js';

/** What `terminate` found and left behind. Nothing a terminated kernel held is silently lost. */
export interface TerminationReport {
  readonly kernelId: string;
  /**
   * True when the kernel function returned within the terminate timeout; false when it had to be
   * force-stopped, or had already failed before terminate was called.
   */
  readonly graceful: boolean;
  /** The state the kernel was in when terminate was called. */
  readonly previousState: string;
  /** Input messages still queued (never processed), in the order they would have been served. */
  readonly unprocessedInputs: readonly Message[];
  /**
   * Messages the kernel had taken and not finished when it was force-stopped (empty after a
   * graceful stop). Nothing it held is lost without a trace.
   */
  readonly interruptedInputs: readonly Message[];
  /** Output messages nobody received, in queue order. */
  readonly undeliveredOutputs: readonly Message[];
  /** The error the kernel failed with, if it failed. */
  readonly error?: unknown;
}

/** Options of `terminate` / `terminateAll`. */
export interface TerminateOptions {
  /** How long to wait for the kernel function to return before force-stopping it. Default: the kernel's `terminateTimeout` (5000 ms). */
  readonly timeout?: number | undefined;
}
