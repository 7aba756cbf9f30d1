import type { NatsConnection } from '@nats-io/transport-node';
import { encodeFrame } from './frame.js';

/** Largest number of kernel messages in one NATS message. */
export const MAX_BATCH_MESSAGES = 256;
/** A batch is sent once it holds this many bytes (well under NATS's default 1 MiB payload limit). */
export const MAX_BATCH_BYTES = 256 * 1024;

interface Pending {
  parts: Uint8Array[];
  bytes: number;
}

/**
 * Direct tells, coalesced: messages told to the same subject within one turn of the event loop
 * (up to {@link MAX_BATCH_MESSAGES} / {@link MAX_BATCH_BYTES}) travel in one NATS message. A single
 * tell costs one microtask of delay; a burst costs one publish per batch instead of one per message.
 */
export class DirectOutbox {
  readonly #pending = new Map<string, Pending>();
  #scheduled = false;
  /** Kernel messages published so far. */
  published = 0;

  constructor(readonly nc: NatsConnection) {}

  add(subject: string, encoded: Uint8Array): void {
    let pending = this.#pending.get(subject);
    if (pending === undefined) {
      pending = { parts: [], bytes: 0 };
      this.#pending.set(subject, pending);
    }
    pending.parts.push(encoded);
    pending.bytes += encoded.length;
    if (pending.parts.length >= MAX_BATCH_MESSAGES || pending.bytes >= MAX_BATCH_BYTES) {
      this.#publish(subject, pending);
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Publishes everything pending now. */
  flush(): void {
    this.#scheduled = false;
    for (const [subject, pending] of this.#pending) {
      if (pending.parts.length > 0) this.#publish(subject, pending);
    }
  }

  #publish(subject: string, pending: Pending): void {
    const frame = encodeFrame(pending.parts, pending.bytes);
    this.published += pending.parts.length;
    pending.parts = [];
    pending.bytes = 0;
    this.nc.publish(subject, frame);
  }
}
