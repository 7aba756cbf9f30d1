import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import {
  Job,
  type JobDone,
  accountableWorker,
  patientWorker,
  privateCounter,
  sleep,
} from '../../examples/seed/anti-patterns.js';
import { calculator, CalculateRequest, type CalculateResponse } from '../../examples/seed/calculator.js';
import { pollUntil } from '../helpers/bounded.js';

test('a kernel in a non-blocking sleep leaves other kernels responsive, and terminate cuts the sleep short', async () => {
  await using runtime = new RingKernelRuntime();
  // An hour-long job: the test can only finish if the sleep neither blocks nor outlives terminate.
  await runtime.launch('sleepy', patientWorker(3_600_000));
  await runtime.launch('calculator', calculator);
  await runtime.activate('sleepy');
  await runtime.activate('calculator');
  const job = runtime.request<JobDone>('sleepy', Job.create({ value: 1 }));
  // Wait until the sleepy kernel has taken the job and is sleeping on it.
  await pollUntil(
    () => runtime.getTelemetry('sleepy').inputQueueDepth === 0,
    'the sleepy kernel to take the job',
  );
  for (let index = 0; index < 10; index++) {
    const response = await runtime.request<CalculateResponse>(
      'calculator',
      CalculateRequest.create({ a: index, b: 1 }),
      { timeout: 5000 },
    );
    assert.equal(response.result, index + 1);
  }
  const report = await runtime.terminate('sleepy', { timeout: 5000 });
  assert.equal(report.graceful, true);
  await assert.rejects(job, { code: 'KERNEL_TERMINATED' });
});

test('sleep resolves after its delay and rejects at once with the abort reason', async () => {
  const controller = new AbortController();
  await sleep(1, controller.signal);
  const pending = sleep(3_600_000, controller.signal);
  controller.abort(new Error('woken'));
  await assert.rejects(pending, /woken/);
  await assert.rejects(sleep(1, controller.signal), /woken/);
});

test('private state: two instances of the same worker count separately', async () => {
  await using runtime = new RingKernelRuntime();
  await runtime.launch('worker-1', privateCounter);
  await runtime.launch('worker-2', privateCounter);
  await runtime.activate('worker-1');
  await runtime.activate('worker-2');
  const counts = async (id: string, times: number) => {
    let last = 0;
    for (let index = 0; index < times; index++)
      last = (await runtime.request<JobDone>(id, Job.create({}))).handled;
    return last;
  };
  const [first, second] = await Promise.all([counts('worker-1', 5), counts('worker-2', 3)]);
  assert.equal(first, 5);
  assert.equal(second, 3);
});

test('errors are reported and counted, never swallowed, and the worker keeps serving', async () => {
  await using runtime = new RingKernelRuntime();
  const reported: { error: unknown; fatal: boolean }[] = [];
  runtime.on('kernelError', (event) => reported.push({ error: event.error, fatal: event.fatal }));
  await runtime.launch('accountable_worker', accountableWorker);
  await runtime.activate('accountable_worker');
  const values = [4, -1, 9, -2, 16];
  const results: number[] = [];
  for (const value of values) {
    results.push((await runtime.request<JobDone>('accountable_worker', Job.create({ value }))).value);
  }
  assert.deepEqual(results, [2, Number.NaN, 3, Number.NaN, 4]);
  const telemetry = runtime.getTelemetry('accountable_worker');
  assert.equal(telemetry.errors, 2);
  assert.equal(telemetry.lastError?.name, 'RangeError');
  assert.equal(runtime.getState('accountable_worker'), 'active');
  assert.equal(reported.length, 2);
  assert.ok(reported.every((entry) => !entry.fatal && entry.error instanceof RangeError));
});
