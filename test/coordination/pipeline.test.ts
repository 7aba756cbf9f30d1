import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineMessage, field } from '../../src/messages/index.js';
import { RingKernelRuntime, StageResult } from '../../src/runtime/index.js';
import { within } from '../helpers/bounded.js';

const Reading = defineMessage('PipelineReading', {
  value: field.f64(),
  sensor: field.string({ default: 's' }),
});
const Normalized = defineMessage('PipelineNormalized', {
  value: field.f64(),
  sensor: field.string({ default: 's' }),
});
const Scored = defineMessage('PipelineScored', { score: field.f64(), by: field.string({ default: '' }) });
const Classified = defineMessage('PipelineClassified', { level: field.string(), score: field.f64() });
const Summary = defineMessage('PipelineSummary', { count: field.i32(), total: field.f64() });

test('a linear pipeline keeps correlation end to end and reports per-stage telemetry', async () => {
  await using runtime = new RingKernelRuntime();
  const pipeline = await runtime
    .pipeline('p')
    .stage('normalize', (reading: ReturnType<typeof Reading.create>) =>
      Normalized.create({ value: Math.min(1, Math.max(0, reading.value / 100)) }),
    )
    .stage('score', (normalized: ReturnType<typeof Normalized.create>) =>
      Scored.create({ score: normalized.value ** 2 }),
    )
    .stage('classify', (scored: ReturnType<typeof Scored.create>) =>
      Classified.create({
        level: scored.score < 0.3 ? 'low' : scored.score < 0.7 ? 'medium' : 'high',
        score: scored.score,
      }),
    )
    .start();
  const values = [10, 25, 50, 75, 90, 100, 0, -10, 150];
  const first = Reading.create({ value: 10 });
  const direct = await pipeline.request(first, { timeout: 5000 });
  assert.ok(Classified.is(direct), 'outputs stay instances of their definition');
  assert.equal(direct.correlationId, first.messageId);
  assert.ok(Object.isFrozen(direct));
  const replies = await Promise.all(
    values.map((value) =>
      pipeline.request<ReturnType<typeof Classified.create>>(Reading.create({ value }), { timeout: 5000 }),
    ),
  );
  assert.deepEqual(
    replies.map((reply) => reply.level),
    ['low', 'low', 'low', 'medium', 'high', 'high', 'low', 'low', 'high'],
  );
  const telemetry = pipeline.telemetry();
  assert.deepEqual(Object.keys(telemetry), ['normalize', 'score', 'classify']);
  for (const [stage, [snapshot]] of Object.entries(telemetry))
    assert.equal(snapshot!.messagesProcessed, 10, stage);
});

test('a failing stage yields a StageResult naming the stage, with the correlation, not a lost message', async () => {
  await using runtime = new RingKernelRuntime();
  const pipeline = await runtime
    .pipeline('q')
    .stage('parse', (reading: ReturnType<typeof Reading.create>) => {
      if (reading.value < 0) throw Object.assign(new Error('negative reading'), { code: 'NEGATIVE' });
      return Normalized.create({ value: reading.value });
    })
    .stage('score', (normalized: ReturnType<typeof Normalized.create>) =>
      Scored.create({ score: normalized.value }),
    )
    .start();
  const bad = Reading.create({ value: -1 });
  const result = await pipeline.request(bad, { timeout: 5000 });
  assert.ok(StageResult.is(result));
  assert.equal(result.stage, 'parse');
  assert.equal(result.success, false);
  assert.equal(result.errorCode, 'NEGATIVE');
  assert.equal(result.correlationId, bad.messageId);
  assert.equal(pipeline.telemetry()['parse']![0]!.errors, 1);
});

test('fan-out over replicas (keyHash) merges back, and an aggregator flushes on count and on time', async () => {
  await using runtime = new RingKernelRuntime();
  const pipeline = await runtime
    .pipeline('r')
    .stage(
      'score',
      (reading: ReturnType<typeof Reading.create>, ctx) =>
        Scored.create({ score: reading.value, by: ctx.kernelId }),
      {
        replicas: 3,
        distribute: 'keyHash',
        key: (message) => (message as ReturnType<typeof Reading.create>).sensor,
      },
    )
    .aggregate('sum', { count: 4, timeMs: 30 }, (batch: readonly ReturnType<typeof Scored.create>[]) =>
      Summary.create({ count: batch.length, total: batch.reduce((sum, scored) => sum + scored.score, 0) }),
    )
    .start();
  assert.deepEqual(
    pipeline.stages.map((stage) => stage.kernelIds.length),
    [3, 1],
  );
  for (let value = 1; value <= 6; value++)
    await pipeline.send(Reading.create({ value, sensor: `s${value % 2}` }));
  const first = await pipeline.receive<ReturnType<typeof Summary.create>>({ timeout: 5000 });
  const second = await pipeline.receive<ReturnType<typeof Summary.create>>({ timeout: 5000 });
  assert.equal(first.count, 4, 'flushed on count');
  assert.equal(second.count, 2, 'the rest flushed on time');
  assert.equal(first.total + second.total, 21);
  const scoreStage = pipeline.telemetry().score!;
  const replicasUsed = scoreStage.filter((snapshot) => snapshot.messagesProcessed > 0).length;
  assert.ok(replicasUsed >= 1 && replicasUsed <= 2, 'two keys use at most two replicas');
});

test('terminate resolves with the termination reports of every stage, keyed by stage, replicas in order', async () => {
  await using runtime = new RingKernelRuntime();
  let entered: () => void = () => undefined;
  const stuck = new Promise<void>((resolve) => (entered = resolve));
  const pipeline = await runtime
    .pipeline('t')
    .stage('normalize', (reading: ReturnType<typeof Reading.create>) =>
      Normalized.create({ value: reading.value }),
    )
    .stage(
      'score',
      async (normalized: ReturnType<typeof Normalized.create>) => {
        if (normalized.value === 13) {
          entered();
          // Stands for a replica that stops responding: only a forced stop ends it.
          await new Promise(() => undefined);
        }
        return Scored.create({ score: normalized.value });
      },
      {
        replicas: 2,
        distribute: 'keyHash',
        key: (message) => (message as ReturnType<typeof Normalized.create>).value,
      },
    )
    .start();
  const warmUp = Reading.create({ value: 1 });
  assert.equal((await pipeline.request(warmUp, { timeout: 5000 })).correlationId, warmUp.messageId);
  const unlucky = Reading.create({ value: 13 });
  await pipeline.send(unlucky);
  await within(stuck, 'the score replica to take the message it hangs on');
  const reports = await pipeline.terminate({ timeout: 50 });
  assert.deepEqual(Object.keys(reports), ['normalize', 'score', 'out']);
  assert.deepEqual(
    Object.values(reports).map((replicas) => replicas.map((report) => report.kernelId)),
    pipeline.stages.map((stage) => stage.kernelIds),
  );
  assert.deepEqual(
    reports.normalize!.map((report) => report.graceful),
    [true],
  );
  const score = reports.score!;
  const hung = score.filter((report) => !report.graceful);
  assert.equal(hung.length, 1, 'the stuck replica was force-stopped');
  assert.equal(hung[0]!.interruptedInputs.length, 1, 'the message it was stuck on is reported');
  assert.equal((hung[0]!.interruptedInputs[0] as ReturnType<typeof Normalized.create>).value, 13);
  assert.equal(await pipeline.terminate(), reports, 'a second call returns the same reports');
  assert.deepEqual(runtime.kernelIds, []);
});
