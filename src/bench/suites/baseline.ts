import { percentileOfSorted, repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * What the runtime's figures are compared with: the same echo written with nothing but promises.
 *
 * - `promise_echo`: the "actor" loop awaits one promise per message; each message travels in a
 *   promise chain (a link resolved by the sender, holding the promise of the next link), and a
 *   request carries the resolver of the requester's promise.
 * - `queued_echo`: the same loop over an in-queue and an out-queue (growable ring buffers with one
 *   waiting consumer each), plus a correlation Map from request id to resolver; an output whose id
 *   is pending resolves its request, any other output waits in the out-queue for `receive()`.
 *   This is the shape of the runtime's mailbox/request path, without priorities or lifecycle.
 *
 * Both are measured the way the runtime is: RTT = sequential `request()` round trips, each timed
 * with `performance.now()`; throughput = a sender awaiting `send()` for every message while a
 * receiver awaits `receive` for every reply, concurrently, until all replies are out.
 *
 * Timer: Node's `performance.now()` reads a nanosecond monotonic clock (steps between calls on the
 * 2-core dev VM are whole nanoseconds, mostly multiples of 10 ns), so what limits a measurement is
 * the cost of the call itself (about 45 ns there). The suite reports both as `baseline.timer.*`
 * (`min_step_ns`: the smallest non-zero difference between two back-to-back calls). Every RTT
 * sample includes the cost of one `performance.now()` call, so sub-µs RTTs read ~0.05 µs high.
 */

const SIZES = {
  full: { roundTrips: 10_000, messages: 100_000, warmupRuns: 2, runs: 7, timerCalls: 1_000_000 },
  quick: { roundTrips: 300, messages: 3_000, warmupRuns: 1, runs: 2, timerCalls: 10_000 },
} as const;

/** The echo under test, whichever way it is built. */
interface Echo {
  /** Sends `value` and resolves with the reply to this very message. */
  request(value: number): Promise<number>;
  /** Sends `value`; its reply goes to `receive()`. */
  send(value: number): Promise<void>;
  /** Awaits the next `count` replies that no request is waiting for, one by one; resolves with their sum. */
  receiveMany(count: number): Promise<number>;
  /** Ends the actor loop. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Bare promises

interface Link<T> {
  readonly value: T;
  readonly next: Promise<Link<T>>;
}

/**
 * An unbounded single-consumer channel made of nothing but promises: one per message. The
 * consumer walks `head` itself (`link = await cursor; cursor = link.next`).
 */
class PromiseChain<T> {
  head: Promise<Link<T>>;
  #resolveTail!: (link: Link<T>) => void;

  constructor() {
    this.head = new Promise((resolve) => (this.#resolveTail = resolve));
  }

  push(value: T): void {
    const resolveCurrent = this.#resolveTail;
    const next = new Promise<Link<T>>((resolve) => (this.#resolveTail = resolve));
    resolveCurrent({ value, next });
  }
}

interface BareMessage {
  readonly value: number;
  readonly reply: ((value: number) => void) | undefined;
}

const STOP = Symbol('stop');

class PromiseEcho implements Echo {
  readonly #inbox = new PromiseChain<BareMessage | typeof STOP>();
  readonly #outbox = new PromiseChain<number>();
  readonly #loop: Promise<void>;

  constructor() {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const inbox = this.#inbox;
    for (;;) {
      const link = await inbox.head;
      // Moving head (not a local cursor) lets the consumed links be collected.
      inbox.head = link.next;
      const message = link.value;
      if (message === STOP) return;
      if (message.reply === undefined) this.#outbox.push(message.value);
      else message.reply(message.value);
    }
  }

  request(value: number): Promise<number> {
    return new Promise((reply) => this.#inbox.push({ value, reply }));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async like the runtime's send: callers await it
  async send(value: number): Promise<void> {
    this.#inbox.push({ value, reply: undefined });
  }

  async receiveMany(count: number): Promise<number> {
    const outbox = this.#outbox;
    let sum = 0;
    for (let index = 0; index < count; index++) {
      const link = await outbox.head;
      outbox.head = link.next;
      sum += link.value;
    }
    return sum;
  }

  async stop(): Promise<void> {
    this.#inbox.push(STOP);
    await this.#loop;
  }
}

// ---------------------------------------------------------------------------------------------
// In/out queues and a correlation map

/** A growable FIFO ring buffer: O(1) push and shift, no allocation until it must grow. */
class Fifo<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(1024);
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  #grow(): void {
    const grown = new Array<T | undefined>(this.#items.length * 2);
    for (let index = 0; index < this.#length; index++) {
      grown[index] = this.#items[(this.#head + index) & (this.#items.length - 1)];
    }
    this.#items = grown;
    this.#head = 0;
  }
}

/** A FIFO with one consumer that can wait for the next item. */
class AsyncQueue<T> {
  readonly #items = new Fifo<T>();
  #waiter: ((item: T) => void) | undefined;

  push(item: T): void {
    const waiter = this.#waiter;
    if (waiter === undefined) {
      this.#items.push(item);
    } else {
      this.#waiter = undefined;
      waiter(item);
    }
  }

  receive(): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}

interface Envelope {
  readonly id: number;
  readonly value: number;
}

const STOP_ID = -1;

/**
 * The in/out-queue echo with a correlation Map (`baseline.queued_echo.*`); also the bare
 * "promise + queues + correlation map" peer of the echo method (`peers.promise_corr.*`).
 */
export class QueuedEcho implements Echo {
  readonly #inbox = new AsyncQueue<Envelope>();
  readonly #outbox = new AsyncQueue<Envelope>();
  readonly #pending = new Map<number, (value: number) => void>();
  #nextId = 0;
  readonly #loop: Promise<void>;

  constructor() {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    for (;;) {
      const request = await this.#inbox.receive();
      if (request.id === STOP_ID) return;
      this.#emit({ id: request.id, value: request.value });
    }
  }

  /** The out-queue's router: a reply someone is waiting for goes to them, the rest is queued. */
  #emit(reply: Envelope): void {
    const resolve = this.#pending.get(reply.id);
    if (resolve === undefined) {
      this.#outbox.push(reply);
    } else {
      this.#pending.delete(reply.id);
      resolve(reply.value);
    }
  }

  request(value: number): Promise<number> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#inbox.push({ id, value });
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async like the runtime's send: callers await it
  async send(value: number): Promise<void> {
    this.#inbox.push({ id: this.#nextId++, value });
  }

  async receiveMany(count: number): Promise<number> {
    let sum = 0;
    for (let index = 0; index < count; index++) sum += (await this.#outbox.receive()).value;
    return sum;
  }

  async stop(): Promise<void> {
    this.#inbox.push({ id: STOP_ID, value: 0 });
    await this.#loop;
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** `roundTrips` sequential request→reply round trips; RTT percentiles in µs. */
async function measureRoundTrips(echo: Echo, roundTrips: number): Promise<{ p50: number; p99: number }> {
  const samples = new Float64Array(roundTrips);
  for (let index = 0; index < roundTrips; index++) {
    const start = performance.now();
    const reply = await echo.request(index);
    samples[index] = performance.now() - start;
    if (reply !== index) throw new Error(`echo answered ${reply} to request ${index}`);
  }
  samples.sort();
  return { p50: percentileOfSorted(samples, 50) * 1000, p99: percentileOfSorted(samples, 99) * 1000 };
}

/** `messages` sent and all replies received, concurrently; messages per second. */
async function measureThroughput(echo: Echo, messages: number): Promise<{ msgsPerSecond: number }> {
  const start = performance.now();
  const sender = (async () => {
    for (let index = 0; index < messages; index++) await echo.send(index);
  })();
  const receiver = echo.receiveMany(messages);
  const [, checksum] = await Promise.all([sender, receiver]);
  const elapsedMs = performance.now() - start;
  const expected = (messages * (messages - 1)) / 2;
  if (checksum !== expected) throw new Error(`echo replies sum to ${checksum}, expected ${expected}`);
  return { msgsPerSecond: messages / (elapsedMs / 1000) };
}

/** Cost of one `performance.now()` call and the smallest step between two calls, in ns. */
function measureTimer(calls: number): { callNs: number; minStepNs: number } {
  let smallestStep = Infinity;
  let previous = performance.now();
  const start = previous;
  for (let index = 0; index < calls; index++) {
    const now = performance.now();
    const step = now - previous;
    if (step > 0 && step < smallestStep) smallestStep = step;
    previous = now;
  }
  return { callNs: ((previous - start) * 1e6) / calls, minStepNs: smallestStep * 1e6 };
}

async function runBaseline(context: BenchContext): Promise<BenchResult[]> {
  const size = context.quick ? SIZES.quick : SIZES.full;
  const variants = [
    { name: 'promise_echo', create: (): Echo => new PromiseEcho() },
    { name: 'queued_echo', create: (): Echo => new QueuedEcho() },
  ] as const;
  const totalRuns = variants.length * 2 * (size.warmupRuns + size.runs);
  let runsDone = 0;
  const onRun = (label: string) => () => context.progress(++runsDone / totalRuns, label);

  const timer = measureTimer(size.timerCalls);
  context.log(
    `performance.now(): ${timer.callNs.toFixed(1)} ns per call, smallest observed step ` +
      `${timer.minStepNs.toFixed(1)} ns; each RTT sample includes one call`,
  );
  const results: BenchResult[] = [
    { name: 'baseline.timer.call_ns', value: timer.callNs, unit: 'ns' },
    { name: 'baseline.timer.min_step_ns', value: timer.minStepNs, unit: 'ns' },
  ];

  for (const variant of variants) {
    const prefix = `baseline.${variant.name}`;
    const rtt = await repeat(
      async () => {
        const echo = variant.create();
        try {
          return await measureRoundTrips(echo, size.roundTrips);
        } finally {
          await echo.stop();
        }
      },
      { warmupRuns: size.warmupRuns, runs: size.runs, onRun: onRun(`${variant.name} rtt`) },
    );
    const throughput = await repeat(
      async () => {
        const echo = variant.create();
        try {
          return await measureThroughput(echo, size.messages);
        } finally {
          await echo.stop();
        }
      },
      { warmupRuns: size.warmupRuns, runs: size.runs, onRun: onRun(`${variant.name} throughput`) },
    );
    const spread = (values: readonly number[]): string =>
      `${Math.min(...values).toFixed(3)}..${Math.max(...values).toFixed(3)}`;
    context.log(
      `${variant.name}: rtt p50 over runs ${spread(rtt.runs.map((run) => run.p50))} us, ` +
        `throughput ${spread(throughput.runs.map((run) => run.msgsPerSecond / 1e6))} M msgs/s`,
    );
    results.push(
      { name: `${prefix}.rtt.p50_us`, value: rtt.medians.p50, unit: 'us' },
      { name: `${prefix}.rtt.p99_us`, value: rtt.medians.p99, unit: 'us' },
      { name: `${prefix}.throughput.msgs_per_s`, value: throughput.medians.msgsPerSecond, unit: 'msgs/s' },
    );
  }
  return results;
}

/**
 * The bare-promise echo baseline of issue 2: the same echo as the runtime's, with nothing but
 * promises (`baseline.promise_echo.*`) and with in/out queues plus a correlation Map
 * (`baseline.queued_echo.*`), so the runtime's overhead reads as a ratio within one run.
 */
export const baselineSuite: BenchSuite = {
  name: 'baseline',
  description: 'Echo with bare promises, and with in/out queues and a correlation Map (RTT, throughput)',
  run: runBaseline,
};
