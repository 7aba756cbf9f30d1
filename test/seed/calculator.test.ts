import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { CalculateRequest, CalculateResponse, calculator } from '../../examples/seed/calculator.js';

function asResponse(message: unknown): CalculateResponse {
  assert.ok(CalculateResponse.is(message), 'expected a CalculateResponse');
  return message;
}

// The guide's two unit tests, in TypeScript form. No sleep is needed after activate: messages queue.

test('test_calculator_add', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('calculator', calculator);
  await runtime.activate('calculator');

  // Send request
  const request = CalculateRequest.create({ a: 10, b: 5, operation: 'add' });
  await runtime.send('calculator', request);

  // Verify response
  const response = asResponse(await runtime.receive('calculator', { timeout: 1000 }));
  assert.ok(response.success);
  assert.equal(response.result, 15.0);
  assert.equal(response.correlationId, request.messageId);
});

test('test_calculator_divide_by_zero', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('calculator', calculator);
  await runtime.activate('calculator');

  const request = CalculateRequest.create({ a: 10, b: 0, operation: 'div' });
  await runtime.send('calculator', request);

  const response = asResponse(await runtime.receive('calculator', { timeout: 1000 }));
  assert.ok(!response.success);
  assert.equal(response.errorCode, 'DIVIDE_BY_ZERO');
  assert.equal(response.error, 'Division by zero');
  assert.equal(response.correlationId, request.messageId);
});

test('every operation computes, and the default operation is add', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('calculator', calculator);
  await runtime.activate('calculator');
  const cases: [CalculateRequest, number][] = [
    [CalculateRequest.create({ a: 10, b: 5 }), 15],
    [CalculateRequest.create({ a: 10, b: 5, operation: 'sub' }), 5],
    [CalculateRequest.create({ a: 10, b: 5, operation: 'mul' }), 50],
    [CalculateRequest.create({ a: 10, b: 4, operation: 'div' }), 2.5],
  ];
  for (const [request, expected] of cases) {
    const response = await runtime.request<CalculateResponse>('calculator', request, { timeout: 1000 });
    assert.equal(response.success, true);
    assert.equal(response.result, expected);
    assert.equal(response.error, undefined);
    assert.equal(response.errorCode, undefined);
  }
});

test('bad input gets an INVALID_INPUT response, with the request id as correlationId', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('calculator', calculator);
  await runtime.activate('calculator');
  for (const request of [
    CalculateRequest.create({ a: 1, b: 2, operation: 'pow' }),
    CalculateRequest.create({ a: Number.NaN, b: 2 }),
    CalculateRequest.create({ a: 1, b: Number.POSITIVE_INFINITY, operation: 'mul' }),
  ]) {
    await runtime.send('calculator', request);
    const response = asResponse(await runtime.receive('calculator', { timeout: 1000 }));
    assert.equal(response.success, false);
    assert.equal(response.errorCode, 'INVALID_INPUT');
    assert.equal(response.result, 0);
    assert.equal(response.correlationId, request.messageId);
    assert.ok((response.error ?? '').length > 0);
  }
  // Business errors are answers, not kernel errors.
  assert.equal(runtime.getTelemetry('calculator').errors, 0);
  assert.equal(runtime.getState('calculator'), 'active');
});

test('a request that does not fit the schema is refused when it is created, naming the field', () => {
  assert.throws(
    () => CalculateRequest.create({ a: 'ten' as unknown as number, b: 5 }),
    /CalculateRequest\.a: got "ten", expected/,
  );
});

test('the calculator serves many concurrent requests, each answered by its own response', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('calculator', calculator);
  await runtime.activate('calculator');
  const requests = Array.from({ length: 200 }, (_, index) =>
    CalculateRequest.create({ a: index, b: 2, operation: 'mul' }),
  );
  const responses = await Promise.all(
    requests.map((request) => runtime.request<CalculateResponse>('calculator', request, { timeout: 5000 })),
  );
  responses.forEach((response, index) => {
    assert.equal(response.correlationId, requests[index]!.messageId);
    assert.equal(response.result, index * 2);
  });
});
