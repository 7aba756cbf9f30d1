import type { RingMemory } from '../ring/memory.js';
import type { KernelState } from '../runtime/kernel-state.js';
import type { SerializedError } from './serialized-error.js';

/*
 * What host and worker agree on. Lifecycle and counters live in the channel's control block
 * (shared words, no message passing on the hot path); postMessage carries only the handshake and
 * the rare reports (a handled error, the end of the kernel function).
 */

/** Control-block words (Int32) of a worker kernel's RingChannel. */
export const STATE_WORD = 0;
/** Input messages handed to the kernel function so far (written by the worker). */
export const TAKEN_WORD = 1;
/** Input messages the kernel function finished so far (written by the worker). */
export const PROCESSED_WORD = 2;
export const CONTROL_WORDS = 4;

/** Lifecycle codes in {@link STATE_WORD}; the host writes them, the worker mirrors them. */
export const STATE_LAUNCHED = 0;
export const STATE_ACTIVE = 1;
export const STATE_DEACTIVATED = 2;
export const STATE_TERMINATING = 3;

export function stateCodeOf(state: KernelState): number {
  switch (state) {
    case 'launched':
      return STATE_LAUNCHED;
    case 'active':
      return STATE_ACTIVE;
    case 'deactivated':
      return STATE_DEACTIVATED;
    default:
      return STATE_TERMINATING;
  }
}

export function stateOfCode(code: number): KernelState {
  switch (code) {
    case STATE_LAUNCHED:
      return 'launched';
    case STATE_ACTIVE:
      return 'active';
    case STATE_DEACTIVATED:
      return 'deactivated';
    default:
      return 'terminating';
  }
}

/** How an idle side waits for the other. */
export type WorkerWaitMode = 'spin' | 'lowCpu';

/** Everything a worker needs to start, sent as `workerData`. */
export interface WorkerBootData {
  readonly kernelId: string;
  readonly moduleUrl: string;
  /** Where message definitions come from when the kernel module exports no `messages`. */
  readonly messagesModuleUrl: string | undefined;
  readonly channel: RingMemory;
  /** Host → worker ring of kernel-to-kernel call results. */
  readonly replyRing: RingMemory;
  /** Worker → host ring of processing-time records (only when `timing`). */
  readonly telemetryRing: RingMemory;
  /** True when the buffers are per-thread copies kept in step over postMessage (no SharedArrayBuffer). */
  readonly mirrored?: boolean;
  readonly timing: boolean;
  /** Time one processing cycle in this many (the runtime's `latencySampling`). */
  readonly latencySampling: number;
  /** The module export that holds the kernel: a loop function or a handlers object. */
  readonly exportName: string;
  readonly mode: WorkerWaitMode;
  /** How long an idle worker polls its input ring before it sleeps, in µs. */
  readonly spinMicros: number;
  /** Capacity of the worker-side mailbox the ring feeds. */
  readonly mailboxSize: number;
  readonly workerIndex: number;
}

/** Worker → host reports, over postMessage. */
export type WorkerReport =
  | { readonly type: 'ready'; readonly messageTypes: readonly string[] }
  | { readonly type: 'loadError'; readonly error: SerializedError; readonly reason: string }
  | { readonly type: 'reportedError'; readonly error: SerializedError }
  | { readonly type: 'returned' }
  | { readonly type: 'threw'; readonly error: SerializedError; readonly inFlight: number };

/** One processing-time record in the telemetry ring: Float64 nanoseconds per message, Int32 count. */
export const TELEMETRY_RECORD_BYTES = 12;
export const TELEMETRY_RING_CAPACITY = 1 << 14;
