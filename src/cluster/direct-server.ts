import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import type { RingKernelRuntime } from '../runtime/runtime.js';
import type { ClusterSubjects } from './address.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { TIMEOUT, errorHeaders, messageHeaders } from './headers.js';

/**
 * Serves one kernel over core NATS: its queue-group subject (`kernel@*`) and its node subject
 * (`kernel@node`). Tells go into the kernel's input queue in order (a full queue under `block`
 * makes the rest wait, never dropped); a request is answered with the kernel's reply, or with an
 * error reply carrying the error's code.
 */
export class DirectServer {
  readonly #subscriptions: Subscription[] = [];
  /** Tells waiting for room in a full input queue, in arrival order. */
  readonly #backlog: Message[] = [];
  #draining = false;
  /** Kernel messages received for the kernel. */
  received = 0;
  /** NATS messages that could not be decoded (reported through `onError`, answered with an error for requests). */
  undecodable = 0;

  constructor(
    readonly kernelId: string,
    readonly runtime: RingKernelRuntime,
    readonly registry: MessageRegistry,
    readonly onError: (error: unknown) => void,
  ) {}

  start(nc: NatsConnection, subjects: ClusterSubjects, node: string): void {
    const callback = (error: Error | null, msg: Msg) => {
      if (error === null) this.#handle(msg);
    };
    this.#subscriptions.push(
      nc.subscribe(subjects.anyNode(this.kernelId), { queue: subjects.queueGroup(this.kernelId), callback }),
      nc.subscribe(subjects.onNode(this.kernelId, node), { callback }),
    );
  }

  /** Stops taking new messages; tells still waiting for queue room are delivered. */
  async stop(): Promise<void> {
    for (const subscription of this.#subscriptions) await subscription.drain().catch(() => undefined);
    this.#subscriptions.length = 0;
  }

  #handle(msg: Msg): void {
    let messages: Message[];
    try {
      messages = decodeFrame(msg.data).map((bytes) => this.registry.decode(bytes));
    } catch (error) {
      this.undecodable++;
      if (msg.reply !== undefined && msg.reply !== '')
        msg.respond(new Uint8Array(0), { headers: errorHeaders(error) });
      else this.onError(error);
      return;
    }
    this.received += messages.length;
    if (msg.reply !== undefined && msg.reply !== '') {
      this.#answer(msg, messages[0]!);
      return;
    }
    for (const message of messages) this.#tell(message);
  }

  #answer(msg: Msg, message: Message): void {
    const timeout = Number(msg.headers?.get(TIMEOUT) ?? '') || undefined;
    this.runtime.request(this.kernelId, message, timeout === undefined ? undefined : { timeout }).then(
      (reply) => {
        const bytes = this.registry.encode(reply);
        msg.respond(encodeFrame([bytes], bytes.length), { headers: messageHeaders(reply) });
      },
      (error: unknown) => msg.respond(new Uint8Array(0), { headers: errorHeaders(error) }),
    );
  }

  #tell(message: Message): void {
    if (this.#backlog.length === 0) {
      try {
        if (this.runtime.post(this.kernelId, message)) return;
      } catch (error) {
        this.#undeliverable(message, error);
        return;
      }
    }
    this.#backlog.push(message);
    if (!this.#draining) void this.#drainBacklog();
  }

  async #drainBacklog(): Promise<void> {
    this.#draining = true;
    while (this.#backlog.length > 0) {
      const message = this.#backlog.shift()!;
      await this.runtime
        .send(this.kernelId, message)
        .catch((error: unknown) => this.#undeliverable(message, error));
    }
    this.#draining = false;
  }

  /** A tell that arrived but could not enter the kernel (gone, failed, rejected): dead-lettered, not lost. */
  #undeliverable(message: Message, error: unknown): void {
    this.runtime.deadLetters.add({
      message,
      kernelId: this.kernelId,
      reason: 'undeliverable',
      error,
      at: Date.now(),
    });
  }
}
