import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
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
  readonly filter: ((message: Message) => boolean) | undefined;
  readonly #deliver: Deliver;
  readonly #depthOf: QueueDepthOf;
  #turn = 0;

  constructor(
    from: string,
    targets: readonly string[],
    options: RouteOptions,
    deliver: Deliver,
    depthOf: QueueDepthOf,
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
    this.#depthOf = depthOf;
  }

  describe(): RouteDescription {
    return { from: this.from, to: this.targets, strategy: this.strategy };
  }

  forward(message: Message, options: WaitOptions | undefined, from: string): Promise<void> {
    const targets = this.targets;
    if (targets.length === 1) return this.#deliver(targets[0]!, message, options, from);
    switch (this.strategy) {
      case 'roundRobin':
        return this.#deliver(targets[this.#turn++ % targets.length]!, message, options, from);
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
        return this.#deliver(best, message, options, from);
      }
      case 'keyHash':
        return this.#deliver(targets[hashKey(this.#key!(message)) % targets.length]!, message, options, from);
      case 'broadcast':
        return Promise.all(targets.map((to) => this.#deliver(to, message, options, from))).then(
          () => undefined,
        );
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
