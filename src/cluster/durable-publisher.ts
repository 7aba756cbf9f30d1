import type { JetStreamClient } from '@nats-io/jetstream';
import type { Message } from '../messages/types.js';
import { encodeFrame } from './frame.js';
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES } from './outbox.js';

/** Called with a posted message whose batch could not be stored (every retry failed). */
export type LostMessage = (message: Message, address: string, error: unknown) => void;

interface Batch {
  readonly parts: Uint8Array[];
  bytes: number;
  /** One promise for every `send` into this batch (they all settle together), made on the first. */
  done: Promise<void> | undefined;
  resolve: (() => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
  /** Messages that came in with `post` (nobody awaits them): dead-lettered if the batch is lost. */
  readonly posted: Array<{ message: Message; address: string }>;
}

/** How long one publish waits for the stream's ack before it is retried (with the same id: no copy). */
const PUBLISH_TIMEOUT_MS = 2000;
/** How many times a batch's publish is retried (same `Nats-Msg-Id`: the stream keeps one copy). */
const PUBLISH_ATTEMPTS = 4;

/**
 * Durable sends, batched: messages sent to one durable kernel within a turn (up to 256 / 256 KiB)
 * become one stream message whose `Nats-Msg-Id` is a fresh id of the batch. `send` resolves when
 * the stream stored the batch (its publish ack). A publish whose ack is lost is retried with the
 * same id, and the stream's duplicate window drops the copy. At most `maxPending` batches await
 * their acks; past that, sends wait (backpressure).
 */
export class DurablePublisher {
  readonly #batches = new Map<string, Batch>();
  #scheduled = false;
  #inFlight = 0;
  /** Batches closed and waiting for a publish slot. */
  #queued = 0;
  readonly #waiting: Array<() => void> = [];
  /** Kernel messages stored in streams so far. */
  stored = 0;
  /** Batches the stream reported as duplicates (dropped by `Nats-Msg-Id`). */
  duplicates = 0;

  constructor(
    readonly js: JetStreamClient,
    readonly node: string,
    readonly lost: LostMessage,
    readonly maxPending = 64,
  ) {}

  /** Queues `encoded` for `subject`; resolves once the stream stored it (one promise per batch). */
  send(subject: string, encoded: Uint8Array): Promise<void> {
    const batch = this.#add(subject, encoded);
    batch.done ??= new Promise<void>((resolve, reject) => {
      batch.resolve = resolve;
      batch.reject = reject;
    });
    const done = batch.done;
    this.#closeIfFull(subject, batch);
    return done;
  }

  /** Queues `encoded` for `subject` with no promise; if its batch is lost, `lost` gets `message`. */
  post(subject: string, encoded: Uint8Array, message: Message, address: string): void {
    const batch = this.#add(subject, encoded);
    batch.posted.push({ message, address });
    this.#closeIfFull(subject, batch);
  }

  #add(subject: string, encoded: Uint8Array): Batch {
    let batch = this.#batches.get(subject);
    if (batch === undefined) {
      batch = { parts: [], bytes: 0, done: undefined, resolve: undefined, reject: undefined, posted: [] };
      this.#batches.set(subject, batch);
    }
    batch.parts.push(encoded);
    batch.bytes += encoded.length;
    return batch;
  }

  #closeIfFull(subject: string, batch: Batch): void {
    if (batch.parts.length >= MAX_BATCH_MESSAGES || batch.bytes >= MAX_BATCH_BYTES) {
      this.#batches.delete(subject);
      void this.#publish(subject, batch);
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** True when `maxPending` batches await acks and as many again wait: a tell should wait (`send`). */
  get full(): boolean {
    return this.#queued >= this.maxPending;
  }

  /** Resolves once no batch awaits its ack. */
  async idle(): Promise<void> {
    while (this.#inFlight > 0 || this.#batches.size > 0) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#batches];
    this.#batches.clear();
    for (const [subject, batch] of batches) void this.#publish(subject, batch);
  }

  async #publish(subject: string, batch: Batch): Promise<void> {
    this.#queued++;
    while (this.#inFlight >= this.maxPending)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#queued--;
    this.#inFlight++;
    const frame = encodeFrame(batch.parts, batch.bytes);
    const msgID = `${this.node}-${globalThis.crypto.randomUUID()}`;
    let lastError: unknown;
    try {
      for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
        try {
          const ack = await this.js.publish(subject, frame, { msgID, timeout: PUBLISH_TIMEOUT_MS });
          if (ack.duplicate) this.duplicates++;
          this.stored += batch.parts.length;
          batch.resolve?.();
          return;
        } catch (error) {
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
      batch.reject?.(lastError);
      for (const { message, address } of batch.posted) this.lost(message, address, lastError);
    } finally {
      this.#inFlight--;
      const waiting = this.#waiting.splice(0);
      for (const wake of waiting) wake();
    }
  }
}
