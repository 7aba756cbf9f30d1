import type { Message } from '../messages/types.js';
import type { BackpressureStrategy } from '../queues/backpressure.js';
import { checkBackpressure, checkCapacity } from '../queues/backpressure.js';
import { QueueClosedError } from '../queues/errors.js';
import { Mailbox, RESOLVED } from '../queues/mailbox.js';
import type { WaitOptions } from '../queues/wait-options.js';
import { checkTopic, topicMatcher } from './topic-pattern.js';

/** Options of a standalone topic subscription (`runtime.subscribe(pattern, options)`). */
export interface SubscriptionOptions {
  /** Capacity of the subscription's own queue. Default 1024. */
  readonly queueSize?: number | undefined;
  /** What the full queue does with one more message. Default `'block'` (the publisher waits). */
  readonly backpressure?: BackpressureStrategy | undefined;
}

/** A message published on a topic, as a standalone subscription receives it. */
export interface TopicMessage {
  readonly topic: string;
  readonly message: Message;
}

type Deliver = (topic: string, message: Message, options: WaitOptions | undefined) => Promise<void>;

interface Subscriber {
  readonly matches: (topic: string) => boolean;
  readonly deliver: Deliver;
}

/**
 * A subscription with its own queue and backpressure; iterate it or call `receive`.
 *
 * @example
 * ```ts
 * const temperatures = runtime.subscribe('sensors.*.temp', { queueSize: 100, backpressure: 'dropOldest' });
 * for await (const { topic, message } of temperatures) console.log(topic, message);
 * ```
 */
export class Subscription implements AsyncIterable<TopicMessage> {
  readonly pattern: string;
  readonly #queue: Mailbox<TopicMessage>;
  readonly #unsubscribe: () => void;

  constructor(pattern: string, queue: Mailbox<TopicMessage>, unsubscribe: () => void) {
    this.pattern = pattern;
    this.#queue = queue;
    this.#unsubscribe = unsubscribe;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#queue.size;
  }

  /** The next message published to a matching topic; waits (bounded by `timeout` / `signal`) when none is queued. */
  receive(options?: WaitOptions): Promise<TopicMessage> {
    return this.#queue.take(options);
  }

  /** Takes what is queued now, up to `max`, without waiting. */
  receiveAvailable(max = Infinity): TopicMessage[] {
    const taken: TopicMessage[] = [];
    while (taken.length < max) {
      const next = this.#queue.takeNow();
      if (next === undefined) break;
      taken.push(next);
    }
    return taken;
  }

  /** Stops delivery; queued messages can still be received, then `receive` rejects. */
  unsubscribe(): void {
    this.#unsubscribe();
    this.#queue.close(new QueueClosedError(`the subscription to '${this.pattern}' was cancelled`));
  }

  /** `for await (const message of subscription)`: ends after `unsubscribe()`, once the queued messages are read. */
  async *[Symbol.asyncIterator](): AsyncGenerator<TopicMessage, undefined> {
    for (;;) {
      try {
        yield await this.#queue.take();
      } catch (error) {
        if (error instanceof QueueClosedError) return undefined;
        throw error;
      }
    }
  }
}

const settledCounts: Promise<number>[] = [];

/** A settled promise of `count`, shared (counts up to 64 are cached: publishing allocates none). */
function settledCount(count: number): Promise<number> {
  if (count >= 64) return Promise.resolve(count);
  return (settledCounts[count] ??= Promise.resolve(count));
}

/**
 * Topic publish/subscribe with wildcards (`*` one segment, `#` any number) and retained messages:
 * a message published with `{ retain: true }` is kept per topic and handed to later subscribers.
 */
export class TopicBroker {
  readonly #subscribers = new Set<Subscriber>();
  readonly #retained = new Map<string, Message>();

  /** Adds a subscriber; retained messages on matching topics are delivered to it at once. */
  subscribe(pattern: string, deliver: Deliver): () => void {
    const subscriber: Subscriber = { matches: topicMatcher(pattern), deliver };
    this.#subscribers.add(subscriber);
    for (const [topic, message] of this.#retained) {
      if (subscriber.matches(topic)) void deliver(topic, message, undefined).catch(() => undefined);
    }
    return () => this.#subscribers.delete(subscriber);
  }

  /** Standalone subscription with its own queue. */
  subscription(pattern: string, options: SubscriptionOptions = {}): Subscription {
    const queue = new Mailbox<TopicMessage>({
      name: `subscription '${pattern}'`,
      capacity: options.queueSize === undefined ? 1024 : checkCapacity(options.queueSize, 'queueSize'),
      backpressure:
        options.backpressure === undefined
          ? 'block'
          : checkBackpressure(options.backpressure, 'backpressure'),
      priorityOf: (entry) => entry.message.priority,
    });
    const unsubscribe = this.subscribe(pattern, (topic, message, waitOptions) =>
      queue.offer({ topic, message }, waitOptions),
    );
    return new Subscription(pattern, queue, unsubscribe);
  }

  /**
   * Delivers `message` to every matching subscriber (each with its own backpressure); resolves
   * with how many there were once all accepted it.
   */
  publish(
    topic: string,
    message: Message,
    options: { retain?: boolean } = {},
    wait?: WaitOptions,
  ): Promise<number> {
    try {
      checkTopic(topic);
    } catch (error) {
      return Promise.reject(error);
    }
    if (options.retain === true) this.#retained.set(topic, message);
    let reached = 0;
    let waits: Promise<void>[] | undefined;
    for (const subscriber of this.#subscribers) {
      if (!subscriber.matches(topic)) continue;
      reached++;
      const delivered = subscriber.deliver(topic, message, wait);
      if (delivered !== RESOLVED) (waits ??= []).push(delivered);
    }
    // Every subscriber had room: a settled promise of the count, made once per count.
    if (waits === undefined) return settledCount(reached);
    return Promise.all(waits).then(() => reached);
  }

  /** Forgets the retained message of `topic` (or of every topic). */
  clearRetained(topic?: string): void {
    if (topic === undefined) this.#retained.clear();
    else this.#retained.delete(topic);
  }
}
