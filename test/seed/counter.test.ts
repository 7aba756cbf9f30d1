import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { CounterRequest, type CounterResponse, counter } from '../../examples/seed/counter.js';

test('the counter keeps its state across messages and answers each request', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('counter', counter);
  await runtime.activate('counter');
  const actions = ['increment', 'increment', 'increment', 'decrement', 'reset', 'decrement'] as const;
  const counts: number[] = [];
  for (const action of actions) {
    const request = CounterRequest.create({ action });
    const response = await runtime.request<CounterResponse>('counter', request, { timeout: 1000 });
    assert.equal(response.correlationId, request.messageId);
    counts.push(response.count);
  }
  assert.deepEqual(counts, [1, 2, 3, 2, 0, -1]);
  const last = await runtime.request<CounterResponse>(
    'counter',
    CounterRequest.create({ action: 'increment' }),
  );
  assert.equal(last.handled, actions.length + 1);
});

test('the counter keeps its count through deactivation, and requests sent meanwhile wait', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('counter', counter);
  await runtime.activate('counter');
  await runtime.request('counter', CounterRequest.create({ action: 'increment' }));
  await runtime.deactivate('counter');
  const pending = runtime.request<CounterResponse>('counter', CounterRequest.create({ action: 'increment' }));
  await runtime.reactivate('counter');
  assert.equal((await pending).count, 2);
});

test('two launches of the counter have separate counts', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('left', counter);
  await runtime.launch('right', counter);
  await runtime.activate('left');
  await runtime.activate('right');
  for (let index = 0; index < 3; index++)
    await runtime.request('left', CounterRequest.create({ action: 'increment' }));
  const right = await runtime.request<CounterResponse>(
    'right',
    CounterRequest.create({ action: 'increment' }),
  );
  assert.equal(right.count, 1);
});
