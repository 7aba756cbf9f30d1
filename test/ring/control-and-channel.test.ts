import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError, TimeoutError } from '../../src/errors.js';
import { ControlBlock, RingChannel, RingLayoutError, SpscByteRing } from '../../src/ring/index.js';

describe('ControlBlock', () => {
  test('words are shared between views and support atomic updates and flags', () => {
    const control = ControlBlock.allocate(4);
    const mirror = ControlBlock.attach(control.buffer, 0, 4);
    control.store(0, 7);
    assert.equal(mirror.load(0), 7);
    assert.equal(mirror.add(1, 5), 0);
    assert.equal(control.load(1), 5);
    assert.equal(control.compareExchange(1, 4, 9), 5, 'no swap when the expected value differs');
    assert.equal(control.compareExchange(1, 5, 9), 5);
    assert.equal(mirror.load(1), 9);
    control.setFlags(2, 0b101);
    assert.equal(mirror.hasFlags(2, 0b001), true);
    assert.equal(mirror.hasFlags(2, 0b011), false);
    mirror.clearFlags(2, 0b001);
    assert.equal(control.load(2), 0b100);
    assert.equal(ControlBlock.byteLengthFor(17), 128, 'rounded up to whole cache lines');
  });

  test('rejects word indices and sizes out of range', () => {
    const control = ControlBlock.allocate(2);
    assert.throws(() => control.load(2), InvalidArgumentError);
    assert.throws(() => control.store(-1, 0), InvalidArgumentError);
    assert.throws(() => ControlBlock.attach(control.buffer, 0, 100), InvalidArgumentError);
    assert.throws(() => ControlBlock.allocate(0), InvalidArgumentError);
  });

  test('waitForChange returns the new value, or undefined on timeout', () => {
    const control = ControlBlock.allocate(1);
    assert.equal(control.waitForChange(0, 0, 1), undefined);
    control.store(0, 3);
    assert.equal(control.waitForChange(0, 0, 1), 3);
  });

  test('waitForChangeAsync resolves on a store and rejects on timeout or abort', async () => {
    const control = ControlBlock.allocate(2);
    const waiting = control.waitForChangeAsync(0, 0, { timeout: 10_000 });
    setImmediate(() => control.store(0, 42));
    assert.equal(await waiting, 42);
    await assert.rejects(control.waitForChangeAsync(1, 0, { timeout: 1 }), TimeoutError);
    const controller = new AbortController();
    const aborted = control.waitForChangeAsync(1, 0, { signal: controller.signal });
    const reason = new Error('cancelled');
    setImmediate(() => controller.abort(reason));
    await assert.rejects(aborted, (error: unknown) => error === reason);
  });
});

describe('RingChannel', () => {
  test('host and worker sides see each other through crossed rings in one buffer', () => {
    const host = RingChannel.allocate({ toWorkerCapacity: 128, toHostCapacity: 256, controlWords: 3 });
    const worker = RingChannel.attach(host.buffer, 'worker');
    assert.equal(
      host.buffer.byteLength,
      RingChannel.byteLengthFor({ toWorkerCapacity: 128, toHostCapacity: 256, controlWords: 3 }),
    );
    assert.equal(host.outgoing.capacity, 128);
    assert.equal(worker.incoming.capacity, 128);
    assert.equal(worker.outgoing.capacity, 256);
    assert.equal(host.outgoing.tryWrite(Uint8Array.of(1, 2)), true);
    const target = new Uint8Array(8);
    assert.equal(worker.incoming.tryRead(target), 2);
    assert.equal(worker.outgoing.tryWrite(Uint8Array.of(9)), true);
    assert.equal(host.incoming.tryRead(target), 1);
    assert.equal(target[0], 9);
    host.control.store(2, 11);
    assert.equal(worker.control.load(2), 11);
    assert.equal(worker.control.wordCount, 3);
  });

  test('signal stores a control word and interrupts the peer wherever it waits', async () => {
    const host = RingChannel.allocate({ toWorkerCapacity: 64, toHostCapacity: 64 });
    const worker = RingChannel.attach(host.buffer, 'worker');
    const reading = worker.incoming.waitReadableAsync({ timeout: 10_000 });
    worker.outgoing.tryWrite(new Uint8Array(56));
    const writing = worker.outgoing.waitWritableAsync(56, { timeout: 10_000 });
    setImmediate(() => host.signal(0, 1));
    assert.deepEqual(await Promise.all([reading, writing]), ['interrupted', 'interrupted']);
    assert.equal(worker.control.load(0), 1);
  });

  test('attach refuses a buffer that holds no channel or a bad side', () => {
    assert.throws(() => RingChannel.attach(new SharedArrayBuffer(4096), 'worker'), RingLayoutError);
    assert.throws(() => RingChannel.attach(SpscByteRing.allocate(64).buffer, 'host'), RingLayoutError);
    const host = RingChannel.allocate();
    assert.throws(() => RingChannel.attach(host.buffer, 'guest' as 'host'), InvalidArgumentError);
  });
});
