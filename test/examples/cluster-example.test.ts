import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runClusterExample } from '../../examples/cluster/cluster.js';
import { natsSkipReason } from '../cluster/nats-available.js';

test(
  'the two-node cluster example: a worker killed -9, every job still done, the survivor took over',
  { skip: natsSkipReason() },
  async () => {
    const result = await runClusterExample(3000, () => undefined);
    assert.equal(result.done, result.jobs);
    assert.ok(result.afterKill > 0, 'worker-b worked after the kill');
    assert.ok((result.byNode['worker-a'] ?? 0) > 0 && (result.byNode['worker-b'] ?? 0) > 0);
  },
);
