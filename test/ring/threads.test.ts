import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RING_EMPTY, RingChannel, SpscByteRing } from '../../src/ring/index.js';
import { firstMessage, frameLengths, patternByte, spawnFixture } from './fixtures/fixture-helpers.js';
import { ACK_WORD, COMMAND_WORD } from './fixtures/interrupt-listener.js';
import type { RandomProducerData } from './fixtures/random-producer.js';
import type { SequenceData } from './fixtures/sequence-producer.js';

// Every wait below has a generous timeout only so that a lost wake-up fails the test instead of
// hanging it; no test sleeps to synchronise.

describe('SpscByteRing across threads', () => {
  test('seeded random frames wrap around intact between two threads; guard bytes stay untouched', async () => {
    const guard = 64;
    const capacity = 256;
    const frames = 40_000;
    const seed = 20_261_125;
    const buffer = new SharedArrayBuffer(guard + SpscByteRing.byteLengthFor(capacity) + guard);
    const all = new Uint8Array(buffer);
    all.fill(0x5a);
    const consumer = SpscByteRing.initialize(buffer, guard, capacity);
    const data: RandomProducerData = { buffer, byteOffset: guard, frames, seed };
    const producer = spawnFixture('random-producer', data);
    const producerReport = firstMessage<{ tryWrite: number; batch: number; reserve: number; waits: number }>(
      producer,
    );

    const expectLength = frameLengths(seed, consumer.maxFrameSize);
    const target = new Uint8Array(consumer.maxFrameSize);
    let read = 0;
    let wrapped = 0;
    const check = (bytes: Uint8Array, offset: number, length: number): void => {
      assert.equal(length, expectLength(), `length of frame ${read}`);
      for (let i = 0; i < length; i++) {
        if (bytes[offset + i] !== patternByte(read, i)) assert.fail(`frame ${read}: byte ${i} differs`);
      }
      read++;
    };
    let step = 0;
    while (read < frames) {
      step++;
      if (step % 3 === 0) {
        const length = consumer.tryRead(target);
        if (length >= 0) check(target, 0, length);
        else await consumer.waitReadableAsync({ timeout: 20_000 });
      } else if (step % 3 === 1) {
        if (consumer.drain(check, 7) === 0) await consumer.waitReadableAsync({ timeout: 20_000 });
      } else {
        let length = consumer.acquireRead();
        if (length === RING_EMPTY) await consumer.waitReadableAsync({ timeout: 20_000 });
        while (length >= 0) {
          if (consumer.frameBytes !== consumer.bytes) wrapped++;
          check(consumer.frameBytes, consumer.frameOffset, length);
          length = read < frames ? consumer.acquireRead() : RING_EMPTY;
        }
        consumer.releaseRead();
      }
    }
    const report = await producerReport;
    await producer.terminate();
    assert.equal(consumer.peekLength(), RING_EMPTY, 'no frame beyond the last one');
    assert.ok(report.tryWrite > 0 && report.batch > 0 && report.reserve > 0, 'every producer API was used');
    assert.ok(wrapped > 0, 'some frames wrapped around the end');
    for (let i = 0; i < guard; i++) {
      assert.equal(all[i], 0x5a, `guard byte ${i} before the ring`);
      assert.equal(all[all.length - 1 - i], 0x5a, `guard byte ${i} after the ring`);
    }
  });

  test('10 million frames between two threads: nothing lost, nothing duplicated, order kept', async () => {
    const frames = 10_000_000;
    const ring = SpscByteRing.allocate(1 << 16);
    const data: SequenceData = { buffer: ring.buffer, frames };
    const consumer = spawnFixture('sequence-consumer', data);
    const producer = spawnFixture('sequence-producer', data);
    const [consumed] = await Promise.all([
      firstMessage<{ received: number; firstError: string | undefined; extra: number }>(consumer),
      firstMessage(producer),
    ]);
    await Promise.all([consumer.terminate(), producer.terminate()]);
    assert.equal(consumed.firstError, undefined);
    assert.equal(consumed.received, frames);
    assert.equal(consumed.extra, RING_EMPTY);
    assert.equal(ring.usedBytes, 0);
  });
});

describe('doorbell across threads', () => {
  test('ping-pong with both sides sleeping between frames loses no wake-up (blocking waits)', async () => {
    const channel = RingChannel.allocate({ toWorkerCapacity: 256, toHostCapacity: 256 });
    const worker = spawnFixture('echo', channel.buffer);
    const report = firstMessage<{ echoed: number; sleeps: number }>(worker);
    const target = new Uint8Array(channel.incoming.maxFrameSize);
    const frame = new Uint8Array(8);
    const iterations = 20_000;
    for (let i = 0; i < iterations; i++) {
      frame[0] = i;
      frame[1] = i >>> 8;
      assert.equal(channel.outgoing.tryWrite(frame), true);
      let length = channel.incoming.tryRead(target);
      while (length === RING_EMPTY) {
        assert.equal(channel.incoming.waitReadable({ timeout: 20_000 }), 'ready', `reply ${i} never woke us`);
        length = channel.incoming.tryRead(target);
      }
      assert.equal(length, 8);
      assert.equal(target[0]! | (target[1]! << 8), i & 0xffff);
    }
    channel.outgoing.tryWrite(new Uint8Array(0));
    const { echoed, sleeps } = await report;
    await worker.terminate();
    assert.equal(echoed, iterations);
    assert.ok(sleeps > 0, 'the worker went to sleep at least once');
  });

  test('ping-pong where the host waits with Atomics.waitAsync loses no wake-up', async () => {
    const channel = RingChannel.allocate({ toWorkerCapacity: 256, toHostCapacity: 256 });
    const worker = spawnFixture('echo', channel.buffer);
    const report = firstMessage<{ echoed: number }>(worker);
    const target = new Uint8Array(channel.incoming.maxFrameSize);
    const iterations = 5_000;
    for (let i = 0; i < iterations; i++) {
      assert.equal(channel.outgoing.tryWrite(Uint8Array.of(i & 0xff, 1, 2)), true);
      let length = channel.incoming.tryRead(target);
      while (length === RING_EMPTY) {
        assert.equal(await channel.incoming.waitReadableAsync({ timeout: 20_000 }), 'ready');
        length = channel.incoming.tryRead(target);
      }
      assert.equal(length, 3);
      assert.equal(target[0], i & 0xff);
    }
    channel.outgoing.tryWrite(new Uint8Array(0));
    assert.equal((await report).echoed, iterations);
    await worker.terminate();
  });

  test('a tiny ring makes producer and consumer sleep in turn; every frame arrives in order', async () => {
    const frames = 100_000;
    const ring = SpscByteRing.allocate(64); // three 12-byte frames fit
    const data: SequenceData = { buffer: ring.buffer, frames };
    const producer = spawnFixture('sequence-producer', data);
    const consumer = spawnFixture('sequence-consumer', data);
    const [consumed, produced] = await Promise.all([
      firstMessage<{ received: number; firstError: string | undefined; waits: number }>(consumer),
      firstMessage<{ waits: number }>(producer),
    ]);
    await Promise.all([consumer.terminate(), producer.terminate()]);
    assert.equal(consumed.firstError, undefined);
    assert.equal(consumed.received, frames);
    assert.ok(produced.waits > 0, 'the producer had to wait for room');
    assert.ok(consumed.waits > 0, 'the consumer had to wait for frames');
  });

  test('control signals wake a worker asleep on an empty ring, every time', async () => {
    const channel = RingChannel.allocate({ toWorkerCapacity: 64, toHostCapacity: 64, controlWords: 4 });
    const last = 2_000;
    const worker = spawnFixture('interrupt-listener', { buffer: channel.buffer, last });
    const report = firstMessage<{ seen: number; interrupted: number; failure: string | undefined }>(worker);
    for (let command = 1; command <= last; command++) {
      channel.signal(COMMAND_WORD, command);
      let ack = channel.control.load(ACK_WORD);
      while (ack !== command) {
        const changed = channel.control.waitForChange(ACK_WORD, ack, 20_000);
        assert.notEqual(changed, undefined, `command ${command} was never acknowledged`);
        ack = changed!;
      }
    }
    const { seen, interrupted, failure } = await report;
    await worker.terminate();
    assert.equal(failure, undefined);
    assert.equal(seen, last);
    assert.ok(interrupted > 0);
  });
});
