/**
 * Model-based property test of {@link Mailbox}: random command sequences (offer / post / offerNow at
 * random priorities, takeNow, take and tryTake with timeout 0, takeBatch, gating, refuseTakers,
 * close, drain) run against the mailbox and against a reference model (an array served by priority
 * desc, FIFO within a priority, with a capacity and the four backpressure strategies). After every
 * command: same results, same sizes, same observer reports (which item was dropped, why, which was
 * rejected), same settlement of every `offer` promise. At the end of every run: nothing is lost or
 * counted twice, offered = taken + dropped + rejected + drained + returned to the caller.
 *
 * Deterministic by default; `FUZZ_RUNS` / `FUZZ_SEED` (see test/helpers/fuzz.ts) for more.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { TimeoutError } from '../../src/errors.js';
import {
  Mailbox,
  QueueFullError,
  backpressureStrategies,
  type BackpressureStrategy,
  type DropReason,
} from '../../src/queues/index.js';
import { RESOLVED } from '../../src/queues/mailbox.js';
import { fuzzParameters } from '../helpers/fuzz.js';
import { within } from '../helpers/bounded.js';

interface Item {
  readonly id: number;
  readonly priority: number;
}

type Command =
  | { readonly op: 'offer' | 'post' | 'offerNow'; readonly priority: number }
  | { readonly op: 'takeNow' | 'take' | 'tryTake' | 'drain' }
  | { readonly op: 'takeBatch'; readonly max: number }
  | { readonly op: 'takeable'; readonly value: boolean }
  | { readonly op: 'refuseTakers' | 'close'; readonly lazy: boolean };

/** Where an offered item is now. `returned`: the mailbox never took it and told the caller so. */
type Fate = 'queued' | 'blocked' | 'taken' | 'dropped' | 'rejected' | 'drained' | 'returned';

/** An error handed to `refuseTakers` / `close`: the error itself, or a factory (made once, on first use). */
class ErrorRef {
  readonly made: Error[] = [];
  readonly source: Error | (() => Error);

  constructor(label: string, lazy: boolean) {
    this.source = lazy
      ? () => {
          const error = new Error(`${label} (made lazily)`);
          this.made.push(error);
          return error;
        }
      : new Error(label);
  }

  /** The error callers must see: the one given, or the single one the factory made. */
  get expected(): Error {
    if (typeof this.source !== 'function') return this.source;
    assert.equal(this.made.length, 1, 'a lazy error is made exactly once, when first needed');
    return this.made[0]!;
  }
}

type ObserverEvent =
  | { readonly kind: 'dropped'; readonly id: number; readonly reason: DropReason }
  | { readonly kind: 'rejected'; readonly id: number; readonly error: Error };

/** The reference: a plain array, searched for the next item (max priority, then oldest). */
class Model {
  readonly capacity: number;
  readonly strategy: BackpressureStrategy;
  readonly queue: { item: Item; order: number }[] = [];
  readonly putters: Item[] = [];
  takeable = true;
  refusal: ErrorRef | undefined;
  closure: ErrorRef | undefined;
  readonly fate = new Map<number, Fate>();
  /** Observer reports the current command must produce, in order (rejections filled in from the real run). */
  expectedEvents: { kind: 'dropped' | 'rejected'; id: number; reason?: DropReason }[] = [];
  #order = 0;

  constructor(capacity: number, strategy: BackpressureStrategy) {
    this.capacity = capacity;
    this.strategy = strategy;
  }

  #enqueue(item: Item): void {
    this.queue.push({ item, order: this.#order++ });
    this.fate.set(item.id, 'queued');
  }

  #indexOf(pick: 'next' | 'lowest'): number {
    let best = 0;
    for (let index = 1; index < this.queue.length; index++) {
      const candidate = this.queue[index]!;
      const current = this.queue[best]!;
      const better =
        pick === 'next'
          ? candidate.item.priority > current.item.priority ||
            (candidate.item.priority === current.item.priority && candidate.order < current.order)
          : candidate.item.priority < current.item.priority ||
            (candidate.item.priority === current.item.priority && candidate.order < current.order);
      if (better) best = index;
    }
    return best;
  }

  takeNow(): Item | undefined {
    if (!this.takeable || this.refusal !== undefined || this.queue.length === 0) return undefined;
    const [entry] = this.queue.splice(this.#indexOf('next'), 1);
    this.fate.set(entry!.item.id, 'taken');
    // Room again: the oldest blocked sender gets in.
    const putter = this.putters.shift();
    if (putter !== undefined) this.#enqueue(putter);
    return entry!.item;
  }

  offerNow(item: Item): boolean {
    if (this.closure !== undefined || this.putters.length !== 0 || this.queue.length === this.capacity) {
      return false;
    }
    this.#enqueue(item);
    return true;
  }

  /** Full under a drop strategy. */
  #dropFor(item: Item): void {
    if (this.strategy === 'dropNewest') {
      this.fate.set(item.id, 'dropped');
      this.expectedEvents.push({ kind: 'dropped', id: item.id, reason: 'dropNewest' });
      return;
    }
    const lowest = this.#indexOf('lowest');
    if (item.priority < this.queue[lowest]!.item.priority) {
      this.fate.set(item.id, 'dropped');
      this.expectedEvents.push({ kind: 'dropped', id: item.id, reason: 'dropOldest' });
      return;
    }
    const [victim] = this.queue.splice(lowest, 1);
    this.#enqueue(item);
    this.fate.set(victim!.item.id, 'dropped');
    this.expectedEvents.push({ kind: 'dropped', id: victim!.item.id, reason: 'dropOldest' });
  }

  /** `offer`: what its promise does, and whether it settled at once (returned the shared RESOLVED). */
  offer(item: Item): { outcome: 'resolved' | 'pending' | 'queueFull' | 'closed'; immediate: boolean } {
    if (this.closure !== undefined) {
      this.fate.set(item.id, 'returned');
      return { outcome: 'closed', immediate: false };
    }
    if (this.offerNow(item)) return { outcome: 'resolved', immediate: true };
    switch (this.strategy) {
      case 'block':
        this.putters.push(item);
        this.fate.set(item.id, 'blocked');
        return { outcome: 'pending', immediate: false };
      case 'reject':
        this.fate.set(item.id, 'rejected');
        this.expectedEvents.push({ kind: 'rejected', id: item.id });
        return { outcome: 'queueFull', immediate: false };
      default:
        this.#dropFor(item);
        return { outcome: 'resolved', immediate: true };
    }
  }

  /** `post`: true / false, or the error it throws. */
  post(item: Item): boolean | 'queueFull' | 'closed' {
    if (this.closure !== undefined) {
      this.fate.set(item.id, 'returned');
      return 'closed';
    }
    if (this.offerNow(item)) return true;
    switch (this.strategy) {
      case 'block':
        this.fate.set(item.id, 'returned');
        return false;
      case 'reject':
        this.fate.set(item.id, 'rejected');
        this.expectedEvents.push({ kind: 'rejected', id: item.id });
        return 'queueFull';
      default:
        this.#dropFor(item);
        return true;
    }
  }

  /** What a waiting take with timeout 0 ends with when nothing is takeable now. */
  takeRefusal(): ErrorRef | 'timeout' {
    if (this.refusal !== undefined) return this.refusal;
    if (this.queue.length === 0 && this.closure !== undefined) return this.closure;
    return 'timeout';
  }

  close(ref: ErrorRef): Item[] {
    this.closure ??= ref;
    const refused = this.putters.splice(0);
    for (const item of refused) this.fate.set(item.id, 'returned');
    return refused;
  }

  drain(): Item[] {
    const items: Item[] = [];
    for (let item = this.#serveAny(); item !== undefined; item = this.#serveAny()) items.push(item);
    for (const item of items) this.fate.set(item.id, 'drained');
    return items;
  }

  /** Next item in service order regardless of gating (drain ignores `takeable`). */
  #serveAny(): Item | undefined {
    if (this.queue.length === 0) return undefined;
    return this.queue.splice(this.#indexOf('next'), 1)[0]!.item;
  }
}

/** How a promise settled, observed without awaiting it. */
type Settlement =
  { state: 'pending' } | { state: 'resolved'; value: unknown } | { state: 'rejected'; error: unknown };

function watch(promise: Promise<unknown>): { readonly current: Settlement } {
  const box: { current: Settlement } = { current: { state: 'pending' } };
  promise.then(
    (value: unknown) => (box.current = { state: 'resolved', value }),
    (error: unknown) => (box.current = { state: 'rejected', error }),
  );
  return box;
}

/** Lets every settled promise's reactions run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ids = (items: readonly (Item | undefined)[]): (number | undefined)[] => items.map((item) => item?.id);

async function settledOf(promise: Promise<unknown>, what: string): Promise<Settlement> {
  const watched = watch(promise);
  await within(
    promise.catch(() => undefined),
    what,
    2000,
  );
  return watched.current;
}

/** Runs `commands` against a fresh mailbox and the model; throws on the first difference. */
async function runScenario(capacity: number, strategy: BackpressureStrategy, commands: readonly Command[]) {
  const model = new Model(capacity, strategy);
  const events: ObserverEvent[] = [];
  const box = new Mailbox<Item>({
    name: 'fuzzed mailbox',
    capacity,
    backpressure: strategy,
    priorityOf: (item) => item.priority,
    observer: {
      dropped: (item, reason) => events.push({ kind: 'dropped', id: item.id, reason }),
      rejected: (item, error) => events.push({ kind: 'rejected', id: item.id, error }),
      expired: () => assert.fail('nothing expires without a ttl'),
    },
  });
  const offers = new Map<number, { readonly current: Settlement }>();
  /** Real observations only, for the final conservation check. */
  const seen = { taken: [] as number[], returned: [] as number[], drained: [] as number[] };
  const thrownQueueFull = new Map<number, unknown>();
  const refs: ErrorRef[] = [];
  let nextId = 0;

  const expectError = (actual: unknown, expected: ErrorRef | 'timeout' | 'queueFull', step: string) => {
    if (expected === 'timeout') assert.ok(actual instanceof TimeoutError, `${step}: expected a TimeoutError`);
    else if (expected === 'queueFull') {
      assert.ok(actual instanceof QueueFullError, `${step}: expected a QueueFullError`);
      assert.equal(actual.capacity, capacity);
    } else assert.equal(actual, expected.expected, `${step}: expected the error given to the mailbox`);
  };

  for (const [index, command] of commands.entries()) {
    const step = `step ${index} ${JSON.stringify(command)}`;
    events.length = 0;
    model.expectedEvents = [];
    switch (command.op) {
      case 'offer': {
        const item = { id: nextId++, priority: command.priority };
        const expected = model.offer(item);
        const promise = box.offer(item);
        assert.equal(promise === RESOLVED, expected.immediate, `${step}: settled at once`);
        offers.set(item.id, watch(promise));
        if (expected.outcome === 'closed') seen.returned.push(item.id);
        if (expected.outcome === 'queueFull') {
          const settled = await settledOf(promise, step);
          assert.equal(settled.state, 'rejected');
          if (settled.state === 'rejected') thrownQueueFull.set(item.id, settled.error);
        }
        break;
      }
      case 'post': {
        const item = { id: nextId++, priority: command.priority };
        const expected = model.post(item);
        let actual: boolean | 'queueFull' | 'closed';
        try {
          actual = box.post(item);
        } catch (error) {
          if (error instanceof QueueFullError) {
            thrownQueueFull.set(item.id, error);
            actual = 'queueFull';
          } else {
            assert.equal(
              error,
              model.closure?.expected,
              `${step}: a closed mailbox throws its closing error`,
            );
            actual = 'closed';
          }
        }
        assert.equal(actual, expected, step);
        if (actual === false || actual === 'closed') seen.returned.push(item.id);
        break;
      }
      case 'offerNow': {
        const item = { id: nextId++, priority: command.priority };
        const expected = model.offerNow(item);
        if (!expected) model.fate.set(item.id, 'returned');
        assert.equal(box.offerNow(item), expected, step);
        if (!expected) seen.returned.push(item.id);
        break;
      }
      case 'takeNow': {
        const expected = model.takeNow();
        const actual = box.takeNow();
        assert.equal(actual?.id, expected?.id, step);
        if (actual !== undefined) seen.taken.push(actual.id);
        break;
      }
      case 'take':
      case 'tryTake': {
        const expected = model.takeNow();
        const settled = await settledOf(
          command.op === 'take' ? box.take({ timeout: 0 }) : box.tryTake({ timeout: 0 }),
          step,
        );
        if (expected !== undefined) {
          assert.equal(settled.state, 'resolved', step);
          if (settled.state === 'resolved') assert.equal((settled.value as Item).id, expected.id, step);
          seen.taken.push(expected.id);
        } else {
          const refusal = model.takeRefusal();
          if (command.op === 'tryTake' && refusal === 'timeout') {
            assert.deepEqual(settled, { state: 'resolved', value: undefined }, step);
          } else {
            assert.equal(settled.state, 'rejected', step);
            if (settled.state === 'rejected') expectError(settled.error, refusal, step);
          }
        }
        break;
      }
      case 'takeBatch': {
        const expected: Item[] = [];
        for (let item = model.takeNow(); item !== undefined; item = model.takeNow()) {
          expected.push(item);
          if (expected.length === command.max) break;
        }
        const settled = await settledOf(box.takeBatch(command.max, { timeout: 0 }), step);
        if (expected.length !== 0) {
          assert.equal(settled.state, 'resolved', step);
          const batch = settled.state === 'resolved' ? (settled.value as Item[]) : [];
          assert.deepEqual(ids(batch), ids(expected), step);
          seen.taken.push(...batch.map((item) => item.id));
        } else {
          assert.equal(settled.state, 'rejected', step);
          if (settled.state === 'rejected') expectError(settled.error, model.takeRefusal(), step);
        }
        break;
      }
      case 'takeable':
        model.takeable = command.value;
        box.takeable = command.value;
        break;
      case 'refuseTakers': {
        const ref = new ErrorRef(`refused at step ${index}`, command.lazy);
        refs.push(ref);
        model.refusal ??= ref;
        box.refuseTakers(ref.source);
        break;
      }
      case 'close': {
        const ref = new ErrorRef(`closed at step ${index}`, command.lazy);
        refs.push(ref);
        for (const item of model.close(ref)) seen.returned.push(item.id);
        box.close(ref.source);
        break;
      }
      case 'drain': {
        // drain() with blocked senders is covered by its own (failing) test below: it returns their
        // items but leaves them blocked. Here it runs only where it is well defined.
        if (model.putters.length !== 0) continue;
        const expected = model.drain();
        const actual = box.drain();
        assert.deepEqual(ids(actual), ids(expected), step);
        seen.drained.push(...actual.map((item) => item.id));
        break;
      }
    }
    await flush();
    // Observer reports: exactly the expected drops (victim and reason) and rejections, in order.
    assert.deepEqual(
      events.map((event) => ({
        kind: event.kind,
        id: event.id,
        ...(event.kind === 'dropped' ? { reason: event.reason } : {}),
      })),
      model.expectedEvents,
      `${step}: observer reports`,
    );
    for (const event of events) {
      if (event.kind !== 'rejected') continue;
      assert.ok(event.error instanceof QueueFullError, `${step}: rejected reports a QueueFullError`);
      assert.equal(event.error, thrownQueueFull.get(event.id), `${step}: the caller got the reported error`);
    }
    assert.equal(box.size, model.queue.length, `${step}: size`);
    assert.equal(box.blockedSenders, model.putters.length, `${step}: blocked senders`);
    assert.equal(box.waitingTakers, 0, `${step}: no taker left waiting`);
    assert.equal(box.takeable, model.takeable, `${step}: takeable`);
    for (const ref of refs) assert.ok(ref.made.length <= 1, `${step}: a lazy error is made at most once`);
    // Every offer's promise: pending while blocked, rejected when refused, resolved otherwise.
    for (const [id, watched] of offers) {
      const fate = model.fate.get(id)!;
      const settlement = watched.current;
      const what = `${step}: offer of item ${id} (${fate})`;
      if (fate === 'blocked') assert.equal(settlement.state, 'pending', what);
      else if (fate === 'rejected') {
        assert.equal(settlement.state, 'rejected', what);
        if (settlement.state === 'rejected') expectError(settlement.error, 'queueFull', what);
      } else if (fate === 'returned') {
        assert.equal(settlement.state, 'rejected', what);
        if (settlement.state === 'rejected') assert.equal(settlement.error, model.closure?.expected, what);
      } else assert.equal(settlement.state, 'resolved', what);
    }
  }

  // Teardown: close, then take back what is left.
  const final = new ErrorRef('closed at teardown', false);
  for (const item of model.close(final)) seen.returned.push(item.id);
  box.close(final.source);
  const leftover = box.drain();
  assert.deepEqual(ids(leftover), ids(model.drain()), 'teardown drain');
  seen.drained.push(...leftover.map((item) => item.id));
  await flush();

  // Conservation, from what the mailbox reported (not from the model): every offered item is in
  // exactly one place.
  const dropped = new Set<number>();
  const rejected = new Set<number>();
  for (const fate of model.fate.values()) assert.notEqual(fate, 'queued');
  for (const [id, fate] of model.fate) {
    if (fate === 'dropped') dropped.add(id);
    if (fate === 'rejected') rejected.add(id);
  }
  const places = [seen.taken, [...dropped], [...rejected], seen.drained, seen.returned];
  const counted = places.flat();
  assert.equal(counted.length, nextId, 'offered = taken + dropped + rejected + drained + returned');
  assert.deepEqual(
    [...new Set(counted)].sort((a, b) => a - b),
    Array.from({ length: nextId }, (_, id) => id),
    'every item is accounted exactly once',
  );
}

const priority = fc.oneof(
  fc.constantFrom(0, 128, 255),
  fc.integer({ min: 126, max: 130 }),
  fc.integer({ min: 0, max: 255 }),
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('offer' as const), priority }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('post' as const), priority }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('offerNow' as const), priority }) },
  { weight: 4, arbitrary: fc.constant({ op: 'takeNow' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'take' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'tryTake' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('takeBatch' as const), max: fc.integer({ min: 1, max: 5 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('takeable' as const), value: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('refuseTakers' as const), lazy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), lazy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'drain' as const }) },
);
const scenario = fc.record({
  capacity: fc.integer({ min: 1, max: 6 }),
  strategy: fc.constantFrom(...backpressureStrategies),
  commands: fc.array(command, { maxLength: 40 }),
});

describe('Mailbox against a reference model', () => {
  test('random command sequences: same order, sizes, drops, rejections and settlements; nothing lost', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, ({ capacity, strategy, commands }) =>
        runScenario(capacity, strategy, commands),
      ),
      fuzzParameters(250, 20_261_201),
    );
  });

  for (const strategy of backpressureStrategies) {
    test(`a full mailbox under '${strategy}' then drained by takes: nothing lost`, async () => {
      // A fixed long run per strategy, so each one sees many full-queue decisions whatever the seed.
      const commands: Command[] = [];
      for (let round = 0; round < 30; round++) {
        for (let i = 0; i < 5; i++)
          commands.push({ op: i % 2 === 0 ? 'offer' : 'post', priority: (round * 37 + i * 11) % 256 });
        commands.push({ op: 'takeNow' }, { op: 'takeBatch', max: 2 });
      }
      await runScenario(4, strategy, commands);
    });
  }
});

describe('Mailbox.drain with blocked senders', () => {
  test('drain() while senders are blocked hands their items over once and leaves a usable mailbox', async () => {
    const box = new Mailbox<Item>({
      name: 'drained mailbox',
      capacity: 1,
      backpressure: 'block',
      priorityOf: (item) => item.priority,
    });
    await box.offer({ id: 0, priority: 1 });
    const blocked = watch(box.offer({ id: 1, priority: 1 }));
    await flush();
    assert.equal(box.blockedSenders, 1);
    // drain() documents that it removes the queued items and those of blocked senders.
    assert.deepEqual(ids(box.drain()), [0, 1]);
    await flush();
    // The blocked sender's item was handed out by drain: it must not stay blocked (it would be
    // refused later by close(), so the same item would be both drained and returned to its sender)...
    assert.equal(box.blockedSenders, 0, 'the drained sender is no longer blocked');
    assert.notEqual(blocked.current.state, 'pending', 'its offer settled');
    // ...and the now empty mailbox takes new items (it is not wedged behind a phantom sender).
    assert.equal(box.offerNow({ id: 2, priority: 1 }), true, 'an empty mailbox accepts an item');
    assert.equal(box.takeNow()?.id, 2);
  });
});
