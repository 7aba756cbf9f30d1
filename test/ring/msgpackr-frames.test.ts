import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Packr, Unpackr } from 'msgpackr';
import { SpscByteRing } from '../../src/ring/index.js';

// How worker kernels are expected to move messages: msgpackr-encode, tryWrite (one copy of the
// encoded bytes), then decode in place from the ring. `copyBuffers: true` matters: without it
// msgpackr hands binary fields back as views of the source, i.e. of ring memory that the producer
// reuses as soon as the frame is released.
test('msgpackr messages decode in place from the ring and outlive the frame they came from', () => {
  const ring = SpscByteRing.allocate(1024);
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false, copyBuffers: true });
  const message = { kind: 'sample', seq: 1, text: 'grüße '.repeat(40), payload: Uint8Array.of(1, 2, 3, 4) };
  assert.equal(ring.tryWrite(packr.pack(message)), true);
  const length = ring.acquireRead();
  const decoded = unpackr.unpack(ring.frameBytes, {
    start: ring.frameOffset,
    end: ring.frameOffset + length,
  }) as typeof message;
  ring.releaseRead();
  const filler = new Uint8Array(ring.maxFrameSize).fill(0xee);
  for (let i = 0; i < 4; i++) {
    assert.equal(ring.tryWrite(filler), true);
    assert.equal(ring.acquireRead(), filler.length);
    ring.releaseRead();
  }
  assert.deepEqual(decoded, message);
  assert.notEqual(decoded.payload.buffer, ring.buffer);
});
