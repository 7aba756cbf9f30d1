import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, MessageRegistry, RingKernelRuntime } from '../../src/index.js';
import { ClusterLinkError, connectCluster, parseAddress } from '../../src/cluster.js';

test('a failed connect is a ClusterLinkError naming the servers, never the credentials', async () => {
  const runtime = new RingKernelRuntime();
  await assert.rejects(
    connectCluster(runtime, {
      servers: 'nats://127.0.0.1:1',
      node: 'a',
      registry: new MessageRegistry(),
      connection: { user: 'someone', pass: 's3cr3t-pass', maxReconnectAttempts: 0, reconnect: false },
    }),
    (error: unknown) =>
      error instanceof ClusterLinkError &&
      error.code === 'CLUSTER_LINK' &&
      error.message.includes('nats://127.0.0.1:1') &&
      !JSON.stringify({ message: error.message, stack: error.stack }).includes('s3cr3t-pass'),
  );
});

test('addresses are kernel@node or kernel@*; names are NATS subject tokens', () => {
  assert.deepEqual(parseAddress('echo@node-a'), { kernel: 'echo', node: 'node-a' });
  assert.deepEqual(parseAddress('echo@*'), { kernel: 'echo', node: '*' });
  for (const bad of ['echo', '@node', 'echo@', 'ec.ho@node', 'echo@no de', 'echo@a.b']) {
    assert.throws(() => parseAddress(bad), InvalidArgumentError, bad);
  }
});
