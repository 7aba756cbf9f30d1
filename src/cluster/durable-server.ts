import {
  AckPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import type { RingKernelRuntime } from '../runtime/runtime.js';
import type { ClusterSubjects } from './address.js';
import { decodeFrame } from './frame.js';
import type { ResolvedServeOptions } from './serve-options.js';

/** One stream message this node holds: pulled, its kernel messages delivered, not yet acked. */
interface HeldBatch {
  readonly jsMsg: JsMsg;
  readonly messages: readonly Message[];
  /** Messages of it that crashed the kernel (or expired) instead of being processed. */
  failed: Message[] | undefined;
}

/** Counts a durable server keeps; `ringkernel cluster status` shows them. */
export interface DurableServerStats {
  readonly kernelId: string;
  /** Stream messages (batches) taken from the stream. */
  readonly batches: number;
  /** Kernel messages delivered to the local kernel (redeliveries included). */
  readonly delivered: number;
  readonly acked: number;
  /** Batches handed back for redelivery because a message of theirs failed. */
  readonly redeliveryRequests: number;
  /** Kernel messages dead-lettered after `maxDeliver` deliveries. */
  readonly deadLettered: number;
  /** Stream messages that could not be decoded (terminated in the stream; reported as errors). */
  readonly undecodable: number;
  /** Batches held now (pulled, unacked). */
  readonly held: number;
}

/** Creates the work-queue stream and the shared pull consumer of `kernelId` (or checks they exist). */
export async function ensureDurable(
  jsm: JetStreamManager,
  subjects: ClusterSubjects,
  kernelId: string,
  options: ResolvedServeOptions,
): Promise<void> {
  const stream = subjects.stream(kernelId);
  const streamConfig = {
    name: stream,
    subjects: [subjects.durable(kernelId)],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(options.duplicateWindowMs),
  };
  try {
    await jsm.streams.info(stream);
  } catch {
    await jsm.streams.add(streamConfig).catch(async (error: unknown) => {
      // Another node created it meanwhile.
      await jsm.streams.info(stream).catch(() => Promise.reject(error));
    });
  }
  const consumerConfig = {
    durable_name: subjects.consumer(kernelId),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: options.maxDeliver,
    max_ack_pending: -1,
  };
  await jsm.consumers.add(stream, consumerConfig).catch(async () => {
    await jsm.consumers.update(stream, consumerConfig.durable_name, {
      ack_wait: consumerConfig.ack_wait,
      max_deliver: consumerConfig.max_deliver,
    });
  });
}

/**
 * Serves one kernel from its JetStream work-queue stream. Each stream message is a batch of kernel
 * messages; this node pulls at most `maxInFlight` of them, delivers their messages to the kernel
 * (waiting for queue room, never dropping), and acks them once the kernel has processed everything
 * it was given: the kernel's input queue is empty and it came back for more (a `processed` event).
 * A batch one of whose messages crashed the kernel is handed back (`nak`) and redelivered, to this or
 * another node; on its `maxDeliver`-th delivery its failed messages go to the dead-letter queue
 * (reason `maxDeliveries`) and it is terminated in the stream. While held, batches are kept alive
 * (`working`) every third of `ackWaitMs`; a node that dies stops that, so after `ackWaitMs` the
 * server hands its batches to another node.
 */
export class DurableServer {
  readonly #held: HeldBatch[] = [];
  readonly #batchOf = new Map<Message, HeldBatch>();
  #consumer: ConsumerMessages | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #stopInspecting: (() => void) | undefined;
  #stopDeadLetters: (() => void) | undefined;
  /** Kernel messages delivered since the last ack round, and how many of them finished since. */
  #outstanding = 0;
  #finished = 0;
  /** Messages the kernel accepted since the last ack round (0: nothing can be in its hands). */
  #accepted = 0;
  #quiet: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #stats = { batches: 0, delivered: 0, acked: 0, redeliveryRequests: 0, deadLettered: 0, undecodable: 0 };

  constructor(
    readonly kernelId: string,
    readonly runtime: RingKernelRuntime,
    readonly registry: MessageRegistry,
    readonly options: ResolvedServeOptions,
    readonly onError: (error: unknown) => void,
  ) {}

  get stats(): DurableServerStats {
    return { kernelId: this.kernelId, ...this.#stats, held: this.#held.length };
  }

  async start(js: JetStreamClient, subjects: ClusterSubjects): Promise<void> {
    const consumer = await js.consumers.get(subjects.stream(this.kernelId), subjects.consumer(this.kernelId));
    this.#consumer = await consumer.consume({
      max_messages: Math.max(1, Math.ceil(this.options.maxInFlight / 2)),
    });
    const kernelId = this.kernelId;
    this.#stopInspecting = this.runtime.inspect(
      (event) => {
        if (event.type !== 'processed' || event.kernelId !== kernelId) return;
        this.#finished += event.count;
        this.#checkQuiet(true);
      },
      { types: ['processed'] },
    );
    this.#stopDeadLetters = this.runtime.on('deadLetter', (letter) => {
      if (letter.kernelId !== kernelId || letter.reason === 'maxDeliveries') return;
      const batch = this.#batchOf.get(letter.message);
      if (batch === undefined) return;
      (batch.failed ??= []).push(letter.message);
      this.#finished++;
      this.#checkQuiet(true);
    });
    this.#keepAlive = setInterval(
      () => {
        for (const batch of this.#held) batch.jsMsg.working();
      },
      Math.max(20, this.options.ackWaitMs / 3),
    );
    this.#keepAlive.unref();
    this.#loop = this.#run(this.#consumer).catch((error: unknown) => this.onError(error));
  }

  /**
   * The kernel was terminated under us: stop pulling first (so that nothing handed back comes
   * straight back here), then hand what it held (listed in its termination report) back to the
   * stream for the nodes that still serve it, rather than ack it as if processed.
   */
  kernelGone(): void {
    this.#stopping = true;
    void this.#consumer?.close().catch(() => undefined);
    this.#handBack();
  }

  /** Stops pulling; waits (up to `graceMs`) for the kernel to finish what it holds and acks it. */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopping = true;
    await this.#consumer?.close().catch(() => undefined);
    await this.#loop?.catch(() => undefined);
    if (this.#held.length > 0) {
      const quiet = await Promise.race([
        this.#whenQuiet().then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
      ]);
      // Not finished in time: the server redelivers what is left after ackWait.
      if (quiet) this.#settle();
    }
    clearInterval(this.#keepAlive);
    this.#stopInspecting?.();
    this.#stopDeadLetters?.();
  }

  async #run(consumer: ConsumerMessages): Promise<void> {
    for await (const jsMsg of consumer) {
      if (this.#stopping) {
        jsMsg.nak();
        continue;
      }
      await this.#take(jsMsg);
      // The bounded pull: with maxInFlight batches held, take no more until the kernel caught up.
      if (this.#held.length >= this.options.maxInFlight) await this.#whenQuiet();
    }
  }

  async #take(jsMsg: JsMsg): Promise<void> {
    let messages: Message[];
    try {
      messages = decodeFrame(jsMsg.data).map((bytes) => this.registry.decode(bytes));
    } catch (error) {
      this.#stats.undecodable++;
      jsMsg.term(`undecodable: ${error instanceof Error ? error.message : String(error)}`);
      this.onError(error);
      return;
    }
    const batch: HeldBatch = { jsMsg, messages, failed: undefined };
    this.#held.push(batch);
    this.#stats.batches++;
    this.#outstanding += messages.length;
    for (const message of messages) {
      this.#batchOf.set(message, batch);
      try {
        if (!this.runtime.post(this.kernelId, message)) await this.runtime.send(this.kernelId, message);
        this.#stats.delivered++;
        this.#accepted++;
      } catch (error) {
        // The kernel cannot take it (terminated, failed, rejected): it counts as a failed delivery.
        (batch.failed ??= []).push(message);
        this.#finished++;
        this.onError(error);
      }
    }
    this.#checkQuiet(false);
  }

  /** Resolves once everything delivered since the last ack round is finished (and acked). */
  #whenQuiet(): Promise<void> {
    if (this.#held.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#quiet;
      this.#quiet = () => {
        previous?.();
        resolve();
      };
      this.#checkQuiet(false);
    });
  }

  /**
   * Settles when the kernel finished everything it was given. Only at a `processed` or dead-letter
   * event (`atEvent`) does an empty input queue prove that: everything it took is done then. Between
   * events it may be working on the last message it took, so only a round in which the kernel
   * accepted nothing settles there.
   */
  #checkQuiet(atEvent: boolean): void {
    if (this.#held.length === 0) return;
    if (!atEvent) {
      if (this.#accepted === 0) this.#settle();
      return;
    }
    if (this.#finished < this.#outstanding) return;
    let depth: number;
    try {
      depth = this.runtime.getTelemetry(this.kernelId).inputQueueDepth;
    } catch {
      this.#handBack(); // the kernel is gone
      return;
    }
    if (depth !== 0) return;
    this.#settle();
  }

  /** Hands every held batch back to the stream (redelivered, here or elsewhere), unacked. */
  #handBack(): void {
    for (const batch of this.#held) {
      for (const message of batch.messages) this.#batchOf.delete(message);
      batch.jsMsg.nak();
      this.#stats.redeliveryRequests++;
    }
    this.#held.length = 0;
    this.#outstanding = 0;
    this.#finished = 0;
    this.#accepted = 0;
    const quiet = this.#quiet;
    this.#quiet = undefined;
    quiet?.();
  }

  /** Acks every held batch whose messages all finished; hands back or dead-letters the others. */
  #settle(): void {
    for (const batch of this.#held) {
      for (const message of batch.messages) this.#batchOf.delete(message);
      const failed = batch.failed;
      if (failed === undefined) {
        batch.jsMsg.ack();
        this.#stats.acked++;
      } else if (batch.jsMsg.info.deliveryCount >= this.options.maxDeliver) {
        for (const message of failed) {
          this.runtime.deadLetters.add({
            message,
            kernelId: this.kernelId,
            reason: 'maxDeliveries',
            error: new Error(`failed on each of ${batch.jsMsg.info.deliveryCount} deliveries (maxDeliver)`),
            at: Date.now(),
          });
        }
        this.#stats.deadLettered += failed.length;
        batch.jsMsg.term('maxDeliver reached');
      } else {
        this.#stats.redeliveryRequests++;
        batch.jsMsg.nak();
      }
    }
    this.#held.length = 0;
    this.#outstanding = 0;
    this.#finished = 0;
    this.#accepted = 0;
    const quiet = this.#quiet;
    this.#quiet = undefined;
    quiet?.();
  }
}
