import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError, TimeoutError } from '../../src/errors.js';
import {
  FrameTooLargeError,
  RING_EMPTY,
  RingLayoutError,
  SpscByteRing,
  TARGET_TOO_SMALL,
} from '../../src/ring/index.js';
import { frameLengths, patternByte, seededRandom } from './fixtures/fixture-helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A producer view and a consumer view of one fresh ring, as two threads would hold them. */
function ringPair(capacity: number): { producer: SpscByteRing; consumer: SpscByteRing } {
  const producer = SpscByteRing.allocate(capacity);
  return { producer, consumer: SpscByteRing.attach(producer.buffer) };
}

function readAll(consumer: SpscByteRing): string[] {
  const target = new Uint8Array(consumer.maxFrameSize);
  const frames: string[] = [];
  for (let length = consumer.tryRead(target); length >= 0; length = consumer.tryRead(target)) {
    frames.push(decoder.decode(target.subarray(0, length)));
  }
  return frames;
}

describe('SpscByteRing allocation', () => {
  test('rejects capacities that are not powers of two in range', () => {
    for (const capacity of [0, 8, 100, 1.5, 2 ** 31, Number.NaN]) {
      assert.throws(() => SpscByteRing.allocate(capacity), InvalidArgumentError);
    }
  });

  test('allocate sizes the buffer for header and data and reports maxFrameSize', () => {
    const ring = SpscByteRing.allocate(1024);
    assert.equal(ring.capacity, 1024);
    assert.equal(ring.maxFrameSize, 1020);
    assert.equal(ring.buffer.byteLength, SpscByteRing.byteLengthFor(1024));
    assert.equal(ring.byteLength, ring.buffer.byteLength);
    assert.equal(ring.bytes.length, 1024);
  });

  test('attach refuses memory that holds no ring, or a region too small', () => {
    assert.throws(() => SpscByteRing.attach(new SharedArrayBuffer(4096)), RingLayoutError);
    const ring = SpscByteRing.allocate(64);
    assert.throws(() => SpscByteRing.attach(ring.buffer, 64), RingLayoutError);
    assert.throws(() => SpscByteRing.attach(ring.buffer, 3), InvalidArgumentError);
    assert.throws(() => SpscByteRing.initialize(new SharedArrayBuffer(100), 0, 64), RingLayoutError);
  });
});

describe('SpscByteRing frames', () => {
  test('frames come out in order with their exact bytes, then RING_EMPTY', () => {
    const { producer, consumer } = ringPair(256);
    for (const text of ['alpha', '', 'b', 'gamma-delta'])
      assert.equal(producer.tryWrite(encoder.encode(text)), true);
    assert.deepEqual(readAll(consumer), ['alpha', '', 'b', 'gamma-delta']);
    assert.equal(consumer.tryRead(new Uint8Array(16)), RING_EMPTY);
    assert.equal(consumer.peekLength(), RING_EMPTY);
  });

  test('tryWrite returns false when full and succeeds again once the consumer releases space', () => {
    const { producer, consumer } = ringPair(64);
    const frame = new Uint8Array(12); // 16 bytes with its length prefix: four fit in 64
    for (let i = 0; i < 4; i++) assert.equal(producer.tryWrite(frame.fill(i)), true);
    assert.equal(producer.tryWrite(frame), false);
    assert.equal(consumer.usedBytes, 64);
    const target = new Uint8Array(12);
    assert.equal(consumer.tryRead(target), 12);
    assert.deepEqual(target, new Uint8Array(12).fill(0));
    assert.equal(producer.tryWrite(frame.fill(9)), true);
    assert.equal(producer.tryWrite(frame), false);
  });

  test('a frame of maxFrameSize fits an empty ring; a larger one never fits and the boundary says why', async () => {
    const { producer, consumer } = ringPair(64);
    assert.equal(producer.tryWrite(new Uint8Array(61)), false);
    assert.throws(() => producer.checkFrameSize(61), FrameTooLargeError);
    await assert.rejects(producer.write(new Uint8Array(61)), (error: unknown) => {
      assert.ok(error instanceof FrameTooLargeError);
      assert.equal(error.code, 'FRAME_TOO_LARGE');
      assert.equal(error.maxFrameSize, 60);
      assert.match(error.message, /larger capacity/);
      return true;
    });
    const big = Uint8Array.from({ length: 60 }, (_, i) => i);
    assert.equal(producer.tryWrite(big), true);
    const target = new Uint8Array(60);
    assert.equal(consumer.tryRead(target), 60);
    assert.deepEqual(target, big);
  });

  test('TARGET_TOO_SMALL leaves the frame in the ring', () => {
    const { producer, consumer } = ringPair(64);
    producer.tryWrite(bytesOf(1, 2, 3, 4, 5));
    assert.equal(consumer.tryRead(new Uint8Array(4)), TARGET_TOO_SMALL);
    assert.equal(consumer.peekLength(), 5);
    const target = new Uint8Array(8);
    assert.equal(consumer.tryRead(target, 3), 5);
    assert.deepEqual(target, bytesOf(0, 0, 0, 1, 2, 3, 4, 5));
  });

  test('staged frames stay invisible until publish, which makes them visible at once', () => {
    const { producer, consumer } = ringPair(128);
    assert.equal(producer.tryStage(encoder.encode('one')), true);
    assert.equal(producer.tryStage(encoder.encode('two')), true);
    assert.equal(consumer.peekLength(), RING_EMPTY);
    producer.publish();
    assert.deepEqual(readAll(consumer), ['one', 'two']);
  });

  test('tryWriteBatch writes until one frame does not fit and publishes them together', () => {
    const { producer, consumer } = ringPair(64);
    const frames = ['aaaa', 'bbbbbbbb', 'cccccccccccc', 'd'.repeat(28), 'e'].map((text) =>
      encoder.encode(text),
    );
    assert.equal(producer.tryWriteBatch(frames), 3); // 8 + 12 + 16 bytes, then 32 does not fit in the 28 left
    assert.deepEqual(readAll(consumer), ['aaaa', 'bbbbbbbb', 'cccccccccccc']);
    assert.equal(producer.tryWriteBatch(frames, 3), 2);
    assert.deepEqual(readAll(consumer), ['d'.repeat(28), 'e']);
  });

  test('frames wrap around the end of the ring and come back intact', () => {
    const { producer, consumer } = ringPair(32);
    const target = new Uint8Array(28);
    for (let round = 0; round < 50; round++) {
      const frame = Uint8Array.from({ length: 1 + (round % 13) }, (_, i) => patternByte(round, i));
      assert.equal(producer.tryWrite(frame), true);
      assert.equal(consumer.tryRead(target), frame.length);
      assert.deepEqual(target.subarray(0, frame.length), frame);
    }
  });

  test('acquireRead hands frames in place (a private copy when wrapped) and releaseRead frees them', () => {
    const { producer, consumer } = ringPair(32);
    producer.tryWrite(new Uint8Array(12)); // 16 bytes: positions 0..15
    consumer.tryRead(new Uint8Array(12));
    const frame = Uint8Array.from({ length: 20 }, (_, i) => i + 1); // payload 20..35 wraps at 32
    assert.equal(producer.tryWrite(frame), true);
    assert.equal(consumer.acquireRead(), 20);
    assert.notEqual(consumer.frameBytes, consumer.bytes);
    assert.deepEqual(consumer.frameBytes.subarray(consumer.frameOffset, consumer.frameOffset + 20), frame);
    assert.equal(producer.tryWrite(new Uint8Array(5)), false, 'space is held until releaseRead');
    consumer.releaseRead();
    assert.equal(producer.tryWrite(bytesOf(7, 7, 7, 7)), true);
    assert.equal(consumer.acquireRead(), 4);
    assert.equal(consumer.frameBytes, consumer.bytes, 'a contiguous frame is read in place');
    assert.deepEqual(
      consumer.frameBytes.subarray(consumer.frameOffset, consumer.frameOffset + 4),
      bytesOf(7, 7, 7, 7),
    );
    consumer.releaseRead();
  });

  test('drain visits frames in order, honours maxFrames, and counts a throwing frame as consumed', () => {
    const { producer, consumer } = ringPair(256);
    for (const text of ['a', 'bb', 'ccc', 'dddd']) producer.tryWrite(encoder.encode(text));
    const seen: string[] = [];
    const collect = (bytes: Uint8Array, offset: number, length: number): void => {
      seen.push(decoder.decode(bytes.slice(offset, offset + length)));
    };
    assert.equal(consumer.drain(collect, 2), 2);
    assert.deepEqual(seen, ['a', 'bb']);
    assert.throws(() =>
      consumer.drain(() => {
        throw new Error('visitor failed');
      }),
    );
    assert.equal(consumer.drain(collect), 1);
    assert.deepEqual(seen, ['a', 'bb', 'dddd']);
    assert.equal(consumer.drain(collect), 0);
  });

  test('reserve/commit writes in place, may commit less, and pads instead of wrapping', () => {
    const { producer, consumer } = ringPair(64);
    const first = producer.reserve(20);
    assert.equal(first, 4);
    producer.bytes.set(encoder.encode('hello'), first);
    producer.commit(5); // occupies 12 bytes: positions 0..11
    producer.publish();
    assert.deepEqual(readAll(consumer), ['hello']);
    // 12 + 44 = 56: a reservation of 12 (16 with its prefix) no longer fits before the end.
    producer.tryWrite(new Uint8Array(40));
    readAll(consumer);
    const wrapped = producer.reserve(12);
    assert.equal(wrapped, 4, 'the frame restarts at the beginning of the ring');
    producer.bytes.set(encoder.encode('contiguous!!'), wrapped);
    producer.commit(12);
    producer.publish();
    assert.equal(consumer.acquireRead(), 12);
    assert.equal(consumer.frameBytes, consumer.bytes);
    assert.equal(
      decoder.decode(consumer.frameBytes.subarray(consumer.frameOffset, consumer.frameOffset + 12)),
      'contiguous!!',
    );
    consumer.releaseRead();
  });

  test('padding skipped by a consumer that finds the ring empty goes back to the producer at once', () => {
    const { producer, consumer } = ringPair(64);
    producer.tryWrite(new Uint8Array(40)); // positions 0..43
    consumer.tryRead(new Uint8Array(40));
    assert.equal(producer.reserve(48), -1, 'padding 44..63 is written, the frame needs the whole ring');
    assert.equal(consumer.acquireRead(), RING_EMPTY);
    assert.equal(producer.reserve(48), 4, 'no releaseRead needed: nothing was held');
  });

  test('reserve returns -1 without room; commit needs a reservation of at least that length', () => {
    const { producer } = ringPair(32);
    assert.equal(producer.reserve(29), -1);
    assert.throws(() => producer.commit(1), InvalidArgumentError);
    assert.ok(producer.reserve(8) >= 0);
    assert.throws(() => producer.commit(9), InvalidArgumentError);
    producer.commit(8);
    assert.equal(producer.reserve(24), -1);
  });

  test('seeded random frames keep every byte and never touch the guard bytes around the ring', () => {
    const guard = 64;
    const capacity = 128;
    const buffer = new SharedArrayBuffer(guard + SpscByteRing.byteLengthFor(capacity) + guard);
    const all = new Uint8Array(buffer);
    all.fill(0xa5);
    const producer = SpscByteRing.initialize(buffer, guard, capacity);
    const consumer = SpscByteRing.attach(buffer, guard);
    const nextLength = frameLengths(42, producer.maxFrameSize);
    const expectLength = frameLengths(42, producer.maxFrameSize);
    const chooseWriter = seededRandom(7);
    const target = new Uint8Array(producer.maxFrameSize);
    let written = 0;
    let read = 0;
    while (read < 3000) {
      const length = nextLength();
      const sequence = written++;
      const useReserve = chooseWriter() < 0.5;
      while (true) {
        if (useReserve) {
          const offset = producer.reserve(length);
          if (offset >= 0) {
            for (let i = 0; i < length; i++) producer.bytes[offset + i] = patternByte(sequence, i);
            producer.commit(length);
            producer.publish();
            break;
          }
        } else {
          const frame = Uint8Array.from({ length }, (_, i) => patternByte(sequence, i));
          if (producer.tryWrite(frame)) break;
        }
        const got = consumer.tryRead(target);
        if (got === RING_EMPTY) continue; // only padding was left: the next reservation fits
        assert.equal(got, expectLength(), `length of frame ${read}`);
        for (let i = 0; i < got; i++) assert.equal(target[i], patternByte(read, i));
        read++;
      }
    }
    for (let i = 0; i < guard; i++) {
      assert.equal(all[i], 0xa5, `guard byte ${i} before the ring`);
      assert.equal(all[all.length - 1 - i], 0xa5, `guard byte ${i} after the ring`);
    }
  });
});

describe('SpscByteRing waits on one thread', () => {
  test('waitReadable reports ready when a frame is there and timed-out when none comes', () => {
    const { producer, consumer } = ringPair(64);
    assert.equal(consumer.waitReadable({ timeout: 1 }), 'timed-out');
    producer.tryWrite(bytesOf(1));
    assert.equal(consumer.waitReadable({ timeout: 1 }), 'ready');
    assert.equal(producer.waitWritable(60, { timeout: 1 }), 'timed-out');
    assert.equal(producer.waitWritable(8, { timeout: 1 }), 'ready');
  });

  test('an interrupt raised before the wait is not lost: the wait returns interrupted', async () => {
    const { producer, consumer } = ringPair(64);
    producer.interruptConsumer();
    assert.equal(consumer.waitReadable({ timeout: 10_000 }), 'interrupted');
    producer.interruptConsumer();
    assert.equal(await consumer.waitReadableAsync({ timeout: 10_000 }), 'interrupted');
    producer.tryWrite(new Uint8Array(56));
    consumer.interruptProducer();
    assert.equal(producer.waitWritable(8, { timeout: 10_000 }), 'interrupted');
  });

  test('overlapping async waits on one side all see an interrupt, and one leaving does not hide the other', async () => {
    const { producer, consumer } = ringPair(64);
    const first = consumer.waitReadableAsync({ timeout: 10_000 });
    const second = consumer.waitReadableAsync({ timeout: 10_000 });
    setImmediate(() => producer.interruptConsumer());
    assert.deepEqual(await Promise.all([first, second]), ['interrupted', 'interrupted']);
    const short = consumer.waitReadableAsync({ timeout: 1 }).catch((error: unknown) => error);
    const long = consumer.waitReadableAsync({ timeout: 10_000 });
    assert.ok((await short) instanceof TimeoutError);
    producer.tryWrite(bytesOf(1));
    assert.equal(await long, 'ready', 'the remaining sleeper is still woken by the next publish');
  });

  test('waitReadableAsync resolves when the producer publishes later', async () => {
    const { producer, consumer } = ringPair(64);
    const waiting = consumer.waitReadableAsync({ timeout: 10_000 });
    setImmediate(() => producer.tryWrite(bytesOf(3)));
    assert.equal(await waiting, 'ready');
    assert.equal(consumer.peekLength(), 1);
  });

  test('waitWritableAsync resolves when the consumer releases space', async () => {
    const { producer, consumer } = ringPair(32);
    producer.tryWrite(new Uint8Array(20));
    const waiting = producer.waitWritableAsync(20, { timeout: 10_000 });
    setImmediate(() => consumer.tryRead(new Uint8Array(20)));
    assert.equal(await waiting, 'ready');
  });

  test('async waits reject with TimeoutError, or with signal.reason when aborted', async () => {
    const { consumer } = ringPair(64);
    await assert.rejects(consumer.waitReadableAsync({ timeout: 1 }), (error: unknown) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.operation, 'ring read');
      return true;
    });
    const controller = new AbortController();
    const waiting = consumer.waitReadableAsync({ signal: controller.signal });
    const reason = new Error('stop');
    setImmediate(() => controller.abort(reason));
    await assert.rejects(waiting, (error: unknown) => error === reason);
    await assert.rejects(
      consumer.waitReadableAsync({ signal: AbortSignal.abort(reason) }),
      (error: unknown) => error === reason,
    );
    assert.throws(() => consumer.waitReadable({ timeout: -1 }), InvalidArgumentError);
  });

  test('read and write wait for their frame; an interrupt makes them give up', async () => {
    const { producer, consumer } = ringPair(32);
    const target = new Uint8Array(28);
    const reading = consumer.read(target, 0, { timeout: 10_000 });
    setImmediate(() => void producer.write(bytesOf(4, 5, 6)));
    assert.equal(await reading, 3);
    assert.deepEqual(target.subarray(0, 3), bytesOf(4, 5, 6));
    const interrupted = consumer.read(target, 0, { timeout: 10_000 });
    setImmediate(() => producer.interruptConsumer());
    assert.equal(await interrupted, RING_EMPTY);
    producer.tryWrite(new Uint8Array(20));
    const writing = producer.write(new Uint8Array(20), { timeout: 10_000 });
    setImmediate(() => consumer.interruptProducer());
    assert.equal(await writing, false);
    await assert.rejects(consumer.read(new Uint8Array(4)), InvalidArgumentError);
  });
});
