import type { Message } from '../messages/index.js';

/** What one batch produced and cost on the device. */
export interface BatchOutcome<Out extends Message> {
  /** One reply per input message, in order, each correlated with its request. */
  readonly outputs: Out[];
  /** Time on the device: from submitting the batch until its results were readable. */
  readonly deviceMs: number;
  readonly bytesToDevice: number;
  readonly bytesFromDevice: number;
}

/** Runs batches of one kernel on one backend, owning that kernel's device buffers. */
export interface BatchExecutor<In extends Message, Out extends Message> {
  readonly backendKind: string;
  /** Processes `messages` (positions `first ..` in the kernel's stream) as one batch. */
  run(messages: readonly In[], first: number): Promise<BatchOutcome<Out>>;
  /** Reads a state buffer back to the host (a copy). */
  readState(name: string): Promise<Float32Array | Int32Array | Uint32Array>;
  /** Frees every device buffer the executor allocated. Idempotent. */
  dispose(): void;
}
