/**
 * Model-based property test of {@link SpscByteRing} (producer and consumer views of one ring, driven
 * from one thread): random interleavings of tryWrite, tryStage + publish, tryWriteBatch,
 * reserve + commit, oversize frames, tryRead (with targets too small), peekLength, acquireRead /
 * releaseRead and drain, against a model of the free-running indices (write, published tail, read,
 * released head) and of the frames between them. After every command: same results, same bytes in
 * the same order, same `usedBytes`. Oversize frames are refused (false / -1 on the hot path,
 * `FrameTooLargeError` at the boundary) without touching the ring. Indices start anywhere, near the
 * 32-bit wrap included. At the end every accepted frame has come out once, in order.
 *
 * Deterministic by default; `FUZZ_RUNS` / `FUZZ_SEED` (see test/helpers/fuzz.ts) for more.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameTooLargeError, RING_EMPTY, SpscByteRing, TARGET_TOO_SMALL } from '../../src/ring/index.js';
import { HEAD_WORD, TAIL_WORD, frameFootprint } from '../../src/ring/layout.js';
import { fuzzParameters } from '../helpers/fuzz.js';

type Command =
  | { readonly op: 'write' | 'stage'; readonly length: number }
  | { readonly op: 'batch'; readonly lengths: readonly number[] }
  | { readonly op: 'reserve'; readonly maxLength: number; readonly shrinkBy: number }
  | { readonly op: 'oversize'; readonly extra: number }
  | { readonly op: 'read'; readonly targetLength: number | 'max'; readonly targetOffset: number }
  | { readonly op: 'publish' | 'peek' | 'acquire' | 'release' }
  | { readonly op: 'drain'; readonly max: number };

interface Entry {
  /** Frame number (in write order), or -1 for a padding marker. */
  readonly id: number;
  readonly footprint: number;
  readonly bytes: Uint8Array | undefined;
}

/** Content byte `index` of frame `id`: every frame's bytes differ from its neighbours'. */
const contentByte = (id: number, index: number): number => (id * 131 + index * 7 + 3) & 0xff;

function frameOf(id: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = contentByte(id, index);
  return bytes;
}

/**
 * The ring as four int32 indices and the list of entries from the released head on: the first
 * `acquired` are read and not yet released, up to `published` are visible to the consumer, the rest
 * are staged.
 */
class RingModel {
  readonly capacity: number;
  write: number;
  tail: number;
  read: number;
  head: number;
  entries: Entry[] = [];
  acquired = 0;
  published = 0;

  constructor(capacity: number, start: number) {
    this.capacity = capacity;
    this.write = this.tail = this.read = this.head = start;
  }

  get usedBytes(): number {
    return (this.tail - this.head) | 0;
  }

  #room(footprint: number): boolean {
    return ((this.write - this.head) | 0) + footprint <= this.capacity;
  }

  stage(id: number, bytes: Uint8Array): boolean {
    const footprint = frameFootprint(bytes.length);
    if (!this.#room(footprint)) return false;
    this.entries.push({ id, footprint, bytes });
    this.write = (this.write + footprint) | 0;
    return true;
  }

  publish(): void {
    this.tail = this.write;
    this.published = this.entries.length;
  }

  /** `reserve(maxLength)`: the payload offset, or -1; may leave a (published) padding marker. */
  reserve(maxLength: number): number {
    const footprint = frameFootprint(maxLength);
    if (footprint > this.capacity) return -1;
    let position = this.write & (this.capacity - 1);
    if (position + footprint > this.capacity) {
      const padding = this.capacity - position;
      if (!this.#room(padding)) return -1;
      this.entries.push({ id: -1, footprint: padding, bytes: undefined });
      this.write = (this.write + padding) | 0;
      this.publish();
      position = 0;
    }
    return this.#room(footprint) ? position + 4 : -1;
  }

  release(): void {
    this.head = this.read;
    this.entries.splice(0, this.acquired);
    this.published -= this.acquired;
    this.acquired = 0;
  }

  #skipPadding(): void {
    while (this.acquired < this.published && this.entries[this.acquired]!.id === -1) {
      const holdsNothing = this.acquired === 0;
      this.read = (this.read + this.entries[this.acquired]!.footprint) | 0;
      this.acquired++;
      if (holdsNothing) this.release();
    }
  }

  /** The next readable frame (after skipping padding), or undefined. */
  peek(): Entry | undefined {
    this.#skipPadding();
    return this.acquired < this.published ? this.entries[this.acquired] : undefined;
  }

  acquire(): Entry | undefined {
    const entry = this.peek();
    if (entry === undefined) return undefined;
    this.acquired++;
    this.read = (this.read + entry.footprint) | 0;
    return entry;
  }

  /** `tryRead` into room for `room` bytes. */
  tryRead(room: number): Entry | typeof RING_EMPTY | typeof TARGET_TOO_SMALL {
    const entry = this.peek();
    if (entry === undefined) {
      this.release();
      return RING_EMPTY;
    }
    if (entry.bytes!.length > room) return TARGET_TOO_SMALL;
    this.acquire();
    this.release();
    return entry;
  }
}

function ringAt(capacity: number, start: number): { producer: SpscByteRing; consumer: SpscByteRing } {
  const buffer = SpscByteRing.allocate(capacity).buffer;
  // Free-running indices start wherever a long-lived ring might be, e.g. just before the 32-bit wrap.
  const header = new Int32Array(buffer, 0, 64);
  Atomics.store(header, TAIL_WORD, start);
  Atomics.store(header, HEAD_WORD, start);
  return { producer: SpscByteRing.attach(buffer), consumer: SpscByteRing.attach(buffer) };
}

async function runScenario(capacity: number, start: number, commands: readonly Command[]): Promise<void> {
  const { producer, consumer } = ringAt(capacity, start);
  const model = new RingModel(capacity, start);
  const maxFrame = capacity - 4;
  assert.equal(producer.maxFrameSize, maxFrame);
  let nextId = 0;
  const accepted: number[] = [];
  const delivered: number[] = [];

  const checkFrame = (entry: Entry, bytes: Uint8Array, offset: number, length: number, step: string) => {
    assert.equal(length, entry.bytes!.length, `${step}: length of frame ${entry.id}`);
    assert.deepEqual(
      bytes.subarray(offset, offset + length),
      entry.bytes,
      `${step}: bytes of frame ${entry.id}`,
    );
    delivered.push(entry.id);
  };
  const lengthOf = (length: number) => Math.min(length, maxFrame + 8);

  for (const [index, command] of commands.entries()) {
    const step = `step ${index} ${JSON.stringify(command)}`;
    switch (command.op) {
      case 'write':
      case 'stage': {
        const id = nextId++;
        const frame = frameOf(id, lengthOf(command.length));
        const expected = model.stage(id, frame);
        if (expected && command.op === 'write') model.publish();
        const actual = command.op === 'write' ? producer.tryWrite(frame) : producer.tryStage(frame);
        assert.equal(actual, expected, step);
        if (expected) accepted.push(id);
        break;
      }
      case 'batch': {
        const frames = command.lengths.map((length) => {
          const id = nextId++;
          return { id, frame: frameOf(id, lengthOf(length)) };
        });
        let expected = 0;
        while (expected < frames.length && model.stage(frames[expected]!.id, frames[expected]!.frame))
          expected++;
        model.publish();
        assert.equal(producer.tryWriteBatch(frames.map((item) => item.frame)), expected, step);
        accepted.push(...frames.slice(0, expected).map((item) => item.id));
        break;
      }
      case 'reserve': {
        const maxLength = Math.min(command.maxLength, maxFrame);
        const length = Math.max(0, maxLength - command.shrinkBy);
        const expected = model.reserve(maxLength);
        const offset = producer.reserve(maxLength);
        assert.equal(offset, expected, step);
        if (offset >= 0) {
          const id = nextId++;
          const frame = frameOf(id, length);
          producer.bytes.set(frame, offset); // reservations are contiguous
          producer.commit(length);
          assert.ok(model.stage(id, frame), `${step}: the reserved room holds the committed frame`);
          accepted.push(id);
        }
        break;
      }
      case 'oversize': {
        const frame = frameOf(nextId++, maxFrame + command.extra);
        const used = producer.usedBytes;
        const isTooLarge = (error: unknown) =>
          error instanceof FrameTooLargeError &&
          error.code === 'FRAME_TOO_LARGE' &&
          error.frameLength === frame.length &&
          error.maxFrameSize === maxFrame;
        assert.throws(() => producer.checkFrameSize(frame.length), isTooLarge, step);
        assert.throws(() => producer.waitWritable(frame.length, { timeout: 0 }), isTooLarge, step);
        assert.equal(producer.tryWrite(frame), false, step);
        assert.equal(producer.tryStage(frame), false, step);
        assert.equal(producer.reserve(frame.length), -1, step);
        // The async boundary form refuses it too, at once (no waiting for room that never comes).
        await assert.rejects(producer.write(frame, { timeout: 0 }), isTooLarge, step);
        assert.equal(producer.usedBytes, used, `${step}: the ring is untouched`);
        break;
      }
      case 'publish':
        model.publish();
        producer.publish();
        break;
      case 'read': {
        const room = command.targetLength === 'max' ? maxFrame : command.targetLength;
        const target = new Uint8Array(command.targetOffset + room).fill(0xee);
        const expected = model.tryRead(room);
        const actual = consumer.tryRead(target, command.targetOffset);
        if (typeof expected === 'number') assert.equal(actual, expected, step);
        else {
          checkFrame(expected, target, command.targetOffset, actual, step);
          assert.ok(
            target.subarray(0, command.targetOffset).every((byte) => byte === 0xee),
            `${step}: nothing written before targetOffset`,
          );
        }
        break;
      }
      case 'peek':
        assert.equal(consumer.peekLength(), model.peek()?.bytes?.length ?? RING_EMPTY, step);
        break;
      case 'acquire': {
        const expected = model.acquire();
        const length = consumer.acquireRead();
        if (expected === undefined) assert.equal(length, RING_EMPTY, step);
        else checkFrame(expected, consumer.frameBytes, consumer.frameOffset, length, step);
        break;
      }
      case 'release':
        model.release();
        consumer.releaseRead();
        break;
      case 'drain': {
        const expected: Entry[] = [];
        for (let entry = model.acquire(); entry !== undefined; entry = model.acquire()) {
          expected.push(entry);
          if (expected.length === command.max) break;
        }
        model.release();
        let visited = 0;
        const count = consumer.drain((bytes, offset, length) => {
          const entry = expected[visited++];
          assert.ok(entry !== undefined, `${step}: drain visited more frames than expected`);
          checkFrame(entry, bytes, offset, length, step);
        }, command.max);
        assert.equal(count, expected.length, step);
        break;
      }
    }
    assert.equal(producer.usedBytes, model.usedBytes, `${step}: usedBytes`);
    assert.equal(consumer.usedBytes, model.usedBytes, `${step}: usedBytes (consumer view)`);
    assert.ok(model.usedBytes >= 0 && model.usedBytes <= capacity, `${step}: usedBytes within capacity`);
  }

  // Everything staged becomes visible; the consumer reads the rest; the ring ends empty.
  producer.publish();
  model.publish();
  const rest: Entry[] = [];
  for (let entry = model.acquire(); entry !== undefined; entry = model.acquire()) rest.push(entry);
  model.release();
  let visited = 0;
  consumer.drain((bytes, offset, length) =>
    checkFrame(rest[visited++]!, bytes, offset, length, 'final drain'),
  );
  assert.equal(visited, rest.length, 'final drain');
  assert.equal(consumer.tryRead(new Uint8Array(maxFrame)), RING_EMPTY);
  assert.equal(producer.usedBytes, 0, 'the ring ends empty');
  assert.deepEqual(delivered, accepted, 'every accepted frame came out exactly once, in order');
}

const start = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 64 }).map((k) => (2 ** 31 - 4 * k) | 0), // wraps to negative soon
  fc.integer({ min: 1, max: 64 }).map((k) => -4 * k), // crosses zero soon
  fc.integer({ min: -(2 ** 29), max: 2 ** 29 - 1 }).map((k) => k * 4),
);

/** Commands for a ring of `capacity` bytes: frame lengths scale with it. */
function commandsFor(capacity: number): fc.Arbitrary<Command[]> {
  const maxFrame = capacity - 4;
  const frameLength = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: Math.min(12, maxFrame) }) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: maxFrame }) },
    { weight: 1, arbitrary: fc.constant(maxFrame) },
    { weight: 1, arbitrary: fc.integer({ min: maxFrame + 1, max: maxFrame + 8 }) }, // oversize
  );
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('write' as const), length: frameLength }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('stage' as const), length: frameLength }) },
    { weight: 2, arbitrary: fc.constant({ op: 'publish' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('batch' as const),
        lengths: fc.array(frameLength, { minLength: 1, maxLength: 5 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('reserve' as const),
        maxLength: fc.integer({ min: 0, max: maxFrame }),
        shrinkBy: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 16 })),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('oversize' as const),
        extra: fc.integer({ min: 1, max: capacity }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('read' as const),
        targetLength: fc.oneof(fc.constant('max' as const), fc.integer({ min: 0, max: 16 })),
        targetOffset: fc.integer({ min: 0, max: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'peek' as const }) },
    { weight: 3, arbitrary: fc.constant({ op: 'acquire' as const }) },
    { weight: 2, arbitrary: fc.constant({ op: 'release' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('drain' as const), max: fc.integer({ min: 1, max: 6 }) }),
    },
  );
  return fc.array(command, { maxLength: 80 });
}

const scenario = fc
  .constantFrom(16, 32, 64, 128, 256)
  .chain((capacity) =>
    fc.record({ capacity: fc.constant(capacity), start, commands: commandsFor(capacity) }),
  );

describe('SpscByteRing against a model of its indices', () => {
  test('random interleavings: same results, bytes, order and usedBytes; oversize refused; nothing lost', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, ({ capacity, start, commands }) => runScenario(capacity, start, commands)),
      fuzzParameters(400, 20_261_202),
    );
  });

  test('a long fixed run at every capacity keeps the model and the ring in step across the 32-bit wrap', async () => {
    for (const size of [16, 64, 256]) {
      const commands: Command[] = [];
      for (let round = 0; round < 400; round++) {
        commands.push(
          { op: 'reserve', maxLength: (round * 13) % size, shrinkBy: round % 5 },
          { op: 'write', length: (round * 7) % (size - 3) },
          { op: 'batch', lengths: [round % 9, (round * 3) % size] },
          { op: 'read', targetLength: 'max', targetOffset: round % 4 },
          { op: 'acquire' },
          { op: round % 3 === 0 ? 'release' : 'peek' },
          { op: 'drain', max: 1 + (round % 3) },
        );
      }
      await runScenario(size, (2 ** 31 - 4 * size) | 0, commands);
    }
  });
});
