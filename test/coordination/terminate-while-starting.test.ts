import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime, type KernelDefinition, type KernelPort } from '../../src/runtime/index.js';

test('terminate during a slow start waits for the start, then stops the execution it produced', async () => {
  await using runtime = new RingKernelRuntime();
  let release!: () => void;
  const ready = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  const slowStart: KernelDefinition = {
    kernelId: 'slow',
    options: {},
    async start(port: KernelPort) {
      await ready;
      const finished = (async () => {
        await port.waitActive();
        seen.push(`ended while ${port.state}`);
      })();
      return { finished, stateChanged: (state) => seen.push(`told ${state}`) };
    },
  };
  const launched = runtime.launch('slow', slowStart);
  const terminated = runtime.terminate('slow', { timeout: 5000 });
  release();
  await launched;
  const report = await terminated;
  assert.equal(report.graceful, true);
  assert.ok(seen.includes('ended while terminating'), seen.join(', '));
});
