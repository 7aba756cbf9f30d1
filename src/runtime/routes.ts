import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { RESOLVED } from '../queues/mailbox.js';
import type { WaitOptions } from '../queues/wait-options.js';

/**
 * How a route with several targets spreads messages:
 * - `broadcast`: every target gets every message (the default);
 * - `roundRobin`: targets in turn;
 * - `leastLoaded`: the target with the fewest messages queued;
 * - `keyHash`: targets chosen by a hash of `key(message)`, so equal keys always meet the same target.
 */
export type RouteStrategy = 'broadcast' | 'roundRobin' | 'leastLoaded' | 'keyHash';

/** Options of `runtime.connect` (and of the `routes` kernel option). */
export interface RouteOptions {
  readonly strategy?: RouteStrategy | undefined;
  /** For `keyHash`: the partitioning key of a message. */
  readonly key?: ((message: Message) => string | number) | undefined;
  /** Only messages passing this go along the route (the rest go to the output queue). */
  readonly filter?: ((message: Message) => boolean) | undefined;
}

/** A route as declared: from a kernel to one or more targets. */
export interface RouteDescription {
  readonly from: string;
  readonly to: readonly string[];
  readonly strategy: RouteStrategy;
}

/** Delivers a message to a target kernel (or sink) with its backpressure; provided by the runtime. */
export type Deliver = (
  to: string,
  message: Message,
  options: WaitOptions | undefined,
  from: string,
) => Promise<void>;

/** Delivers without waiting (`runtime.post` semantics): false when the target's `block` queue is full. */
export type DeliverNow = (to: string, message: Message, from: string) => boolean;

/** Gives the queue depth of a target, for `leastLoaded`. */
export type QueueDepthOf = (to: string) => number;

const strategies: readonly RouteStrategy[] = ['broadcast', 'roundRobin', 'leastLoaded', 'keyHash'];

/**
 * One route out of a kernel. `forward` resolves when the target(s) accepted the message, so a full
 * `block` queue downstream makes the upstream kernel's `ctx.send` wait: backpressure propagates.
 */
export class Route {
  readonly from: string;
  readonly targets: readonly string[];
  readonly strategy: RouteStrategy;
  readonly #key: ((message: Message) => string | number) | undefined;
  /** Only messages passing this go along the route. */
  readonly filter: ((message: Message) => boolean) | undefined;
  readonly #deliver: Deliver;
  readonly #deliverNow: DeliverNow | undefined;
  readonly #depthOf: QueueDepthOf;
  #turn = 0;

  constructor(
    from: string,
    targets: readonly string[],
    options: RouteOptions,
    deliver: Deliver,
    depthOf: QueueDepthOf,
    deliverNow?: DeliverNow,
  ) {
    if (targets.length === 0)
      throw new InvalidArgumentError(`a route from '${from}' needs at least one target`);
    const strategy = options.strategy ?? (targets.length === 1 ? 'roundRobin' : 'broadcast');
    if (!strategies.includes(strategy)) {
      throw new InvalidArgumentError(
        `route strategy must be one of ${strategies.map((s) => `'${s}'`).join(', ')}; got ${describeValue(strategy)}`,
      );
    }
    if (strategy === 'keyHash' && typeof options.key !== 'function') {
      throw new InvalidArgumentError(
        `a 'keyHash' route needs a key function: { strategy: 'keyHash', key: (m) => m.id }`,
      );
    }
    this.from = from;
    this.targets = [...targets];
    this.strategy = strategy;
    this.#key = options.key;
    this.filter = options.filter;
    this.#deliver = deliver;
    this.#deliverNow = deliverNow;
    this.#depthOf = depthOf;
  }

  /** The route as data: source, targets, strategy (for the dashboard and `inspect`). */
  describe(): RouteDescription {
    return { from: this.from, to: this.targets, strategy: this.strategy };
  }

  /** Delivers to the target(s) the strategy picks; settles at once (no allocation) when all had room. */
  forward(message: Message, options: WaitOptions | undefined, from: string): Promise<void> {
    if (this.strategy !== 'broadcast' || this.targets.length === 1)
      return this.#deliver(this.#pick(message), message, options, from);
    let waits: Promise<void>[] | undefined;
    for (const to of this.targets) {
      const delivered = this.#deliver(to, message, options, from);
      if (delivered !== RESOLVED) (waits ??= []).push(delivered);
    }
    if (waits === undefined) return RESOLVED;
    return Promise.all(waits).then(() => undefined);
  }

  /**
   * {@link forward} without waiting: false when a target's full `block` queue refused it (with
   * `broadcast`, the targets that had room keep their copy).
   */
  forwardNow(message: Message, from: string): boolean {
    const deliverNow = this.#deliverNow;
    if (deliverNow === undefined) throw new InvalidArgumentError(`route from '${this.from}' cannot post`);
    if (this.strategy !== 'broadcast' || this.targets.length === 1)
      return deliverNow(this.#pick(message), message, from);
    let delivered = true;
    for (const to of this.targets) if (!deliverNow(to, message, from)) delivered = false;
    return delivered;
  }

  #pick(message: Message): string {
    const targets = this.targets;
    if (targets.length === 1) return targets[0]!;
    switch (this.strategy) {
      case 'roundRobin':
        return targets[this.#turn++ % targets.length]!;
      case 'leastLoaded': {
        let best = targets[0]!;
        let bestDepth = this.#depthOf(best);
        for (let index = 1; index < targets.length && bestDepth !== 0; index++) {
          const depth = this.#depthOf(targets[index]!);
          if (depth < bestDepth) {
            best = targets[index]!;
            bestDepth = depth;
          }
        }
        return best;
      }
      case 'keyHash':
        return targets[hashKey(this.#key!(message)) % targets.length]!;
      case 'broadcast':
        return targets[0]!;
    }
  }
}

/** FNV-1a over the key's string form: stable across runs and processes. */
export function hashKey(key: string | number): number {
  const text = typeof key === 'number' ? String(key) : key;
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
