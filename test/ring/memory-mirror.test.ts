import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControlBlock, RING_EMPTY, RingChannel, SpscByteRing } from '../../src/ring/index.js';
import { MemoryMirror, type MirrorPatch } from '../../src/ring/memory-mirror.js';

/** Two mirrors joined like two threads: every patch is structured-cloned and delivered as a task. */
function pair(
  build: (send: (patch: MirrorPatch) => void) => MemoryMirror,
  buildOther: (send: (patch: MirrorPatch) => void) => MemoryMirror,
): [MemoryMirror, MemoryMirror] {
  let b: MemoryMirror | undefined = undefined;
  const a: MemoryMirror = build((patch) => {
    const copy = structuredClone(patch);
    setImmediate(() => b!.apply(copy));
  });
  b = buildOther((patch) => {
    const copy = structuredClone(patch);
    setImmediate(() => a.apply(copy));
  });
  return [a, b];
}

test('a ring in per-thread ArrayBuffers kept in step by mirrors carries 3,000 frames of 1..61 bytes in order, wrapping and filling it', async () => {
  const producer = SpscByteRing.allocate(1024, 'mirrored');
  assert.ok(producer.buffer instanceof ArrayBuffer);
  const copy = producer.buffer.slice(0);
  const consumer = SpscByteRing.attach(copy);
  const [mirrorA, mirrorB] = pair(
    (send) => new MemoryMirror([producer], [], send),
    (send) => new MemoryMirror([consumer], [], send),
  );
  mirrorA.start();
  mirrorB.start();
  try {
    const frames = 3_000;
    const writing = (async () => {
      for (let seq = 0; seq < frames; seq++) {
        const frame = new Uint8Array(1 + (seq % 61));
        frame.fill(seq & 0xff);
        await producer.write(frame, { timeout: 10_000 });
      }
    })();
    const target = new Uint8Array(256);
    for (let seq = 0; seq < frames;) {
      const length = consumer.tryRead(target);
      if (length === RING_EMPTY) {
        await consumer.waitReadableAsync({ timeout: 10_000 });
        continue;
      }
      assert.equal(length, 1 + (seq % 61), `frame ${seq} length`);
      for (let i = 0; i < length; i++) assert.equal(target[i], seq & 0xff);
      seq++;
    }
    await writing;
    assert.ok(mirrorA.sent > 0 && mirrorB.applied > 0);
  } finally {
    mirrorA.stop();
    mirrorB.stop();
  }
});

test('control words and a channel mirror both ways; a waiter wakes on the peer change', async () => {
  const host = RingChannel.allocate({
    toWorkerCapacity: 1024,
    toHostCapacity: 1024,
    controlWords: 4,
    memory: 'mirrored',
  });
  const worker = RingChannel.attach(host.buffer.slice(0), 'worker');
  const parts = (channel: RingChannel) => {
    const [toWorker, toHost] =
      channel.side === 'host' ? [channel.outgoing, channel.incoming] : [channel.incoming, channel.outgoing];
    return [[toWorker, toHost], [channel.control]] as const;
  };
  const [hostMirror, workerMirror] = pair(
    (send) => new MemoryMirror(...parts(host), send),
    (send) => new MemoryMirror(...parts(worker), send),
  );
  hostMirror.start();
  workerMirror.start();
  try {
    const changed = worker.control.waitForChangeAsync(0, 0, { timeout: 5000 });
    host.control.store(0, 3);
    assert.equal(await changed, 3);
    worker.control.store(1, 42);
    const seen = await host.control.waitForChangeAsync(1, 0, { timeout: 5000 });
    assert.equal(seen, 42);
    assert.ok(host.outgoing.tryWrite(new Uint8Array([1, 2, 3])));
    await worker.incoming.waitReadableAsync({ timeout: 5000 });
    const target = new Uint8Array(8);
    assert.equal(worker.incoming.tryRead(target), 3);
    assert.deepEqual([...target.subarray(0, 3)], [1, 2, 3]);
  } finally {
    hostMirror.stop();
    workerMirror.stop();
  }
  assert.ok(ControlBlock.allocate(1, 'mirrored').buffer instanceof ArrayBuffer);
});
