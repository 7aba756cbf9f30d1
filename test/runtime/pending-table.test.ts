import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingTable } from '../../src/runtime/pending-table.js';
import { randomMessageId } from '../../src/messages/uuid.js';

test('the pending table keeps every entry through bursts of adds and removals, UUID keys or not', () => {
  const table = new PendingTable<number>();
  const reference = new Map<string, number>();
  let counter = 0;
  for (let round = 0; round < 50; round++) {
    const keys = Array.from({ length: 1 + ((round * 37) % 700) }, (_, index) =>
      index % 5 === 0 ? `plain-${counter++}` : randomMessageId(),
    );
    for (const key of keys) {
      assert.equal(table.has(key), false);
      table.set(key, counter);
      reference.set(key, counter++);
    }
    assert.equal(table.size, reference.size);
    // Take half of everything, in a scrambled order; check the rest is still found.
    const present = [...reference.keys()];
    for (let index = 0; index < present.length; index += 2) {
      const key = present[(index * 7919) % present.length]!;
      assert.equal(table.take(key), reference.get(key));
      reference.delete(key);
    }
    for (const [key, value] of reference) assert.equal(table.get(key), value);
    assert.equal(table.size, reference.size);
  }
  assert.deepEqual(table.values().sort(), [...reference.values()].sort());
  table.deleteIf([...reference.keys()][0]!, -1);
  assert.equal(table.size, reference.size, 'deleteIf leaves an entry mapped to another value');
});
