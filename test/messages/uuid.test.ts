import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUuid, randomMessageId } from '../../src/messages/uuid.js';

const HEX = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) HEX['0123456789abcdef'.charCodeAt(digit)] = digit;

/** The four 32-bit words of a UUID's 128 bits (dashes skipped). */
function wordsOf(id: string, out: Uint32Array, at: number): void {
  let word = 0;
  let digits = 0;
  let index = 0;
  for (let char = 0; char < 36; char++) {
    const code = id.charCodeAt(char);
    if (code === 45) continue;
    word = (word << 4) | HEX[code]!;
    if (++digits === 8) {
      out[at + index++] = word >>> 0;
      word = 0;
      digits = 0;
    }
  }
}

test('message ids are RFC 4122 version 4 UUIDs, lowercase, with the variant bits set', () => {
  for (let index = 0; index < 10_000; index++) {
    const id = randomMessageId();
    assert.ok(isUuid(id), id);
    assert.equal(id, id.toLowerCase());
    assert.equal(id[14], '4');
    assert.ok('89ab'.includes(id[19]!), id);
  }
});

test('10 million message ids are all different (exact check of all 128 bits)', () => {
  const count = 10_000_000;
  // Open addressing over 2^24 slots of four words each (256 MiB off-heap): exact, not probabilistic.
  const slots = 1 << 24;
  const table = new Uint32Array(slots * 4);
  const used = new Uint8Array(slots);
  const words = new Uint32Array(4);
  for (let index = 0; index < count; index++) {
    wordsOf(randomMessageId(), words, 0);
    let slot = words[3]! & (slots - 1);
    for (;;) {
      if (used[slot] === 0) {
        used[slot] = 1;
        table.set(words, slot * 4);
        break;
      }
      const at = slot * 4;
      if (
        table[at] === words[0] &&
        table[at + 1] === words[1] &&
        table[at + 2] === words[2] &&
        table[at + 3] === words[3]
      ) {
        assert.fail(`id ${index} repeats an earlier one`);
      }
      slot = (slot + 1) & (slots - 1);
    }
  }
});
