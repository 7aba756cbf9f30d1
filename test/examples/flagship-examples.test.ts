import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAnomalyExample } from '../../examples/anomaly/anomaly.js';
import { runPageRankExample } from '../../examples/pagerank/pagerank.js';
import { runPipelineExample } from '../../examples/streaming-pipeline/pipeline.js';
import { runVectorAddExample } from '../../examples/vector-add/vector-add.js';
import { runFlagshipDemo, syntheticSignal } from '../../src/gpu-kernels/index.js';
import { probeWebgpu } from '../gpu-kernels/helpers.js';

const webgpu = await probeWebgpu();

for (const backend of ['cpu', 'webgpu'] as const) {
  const skip = backend === 'webgpu' ? webgpu.skip : false;

  test(
    `vector-add on ${backend}: the Python example's pairs, a batched burst, and buffers`,
    { skip },
    async () => {
      const lines: string[] = [];
      const result = await runVectorAddExample(backend, (line) => lines.push(line), 2000);
      assert.deepEqual(
        result.pairs.map((pair) => pair.result),
        [3, 31, 0, 0, 300],
      );
      assert.ok(result.burstBatches >= 2 && result.burstBatches < 2000, `${result.burstBatches} batches`);
      assert.ok(result.vectorCorrect);
      assert.ok(lines.some((line) => line.includes('100 + 200 = 300')));
    },
  );

  test(
    `streaming-pipeline on ${backend}: every reading is classified and every spike raises an alert`,
    { skip },
    async () => {
      const readings = backend === 'cpu' ? 2000 : 600;
      const result = await runPipelineExample(backend, readings);
      assert.equal(result.levels[0] + result.levels[1] + result.levels[2], readings);
      for (let seq = 96; seq < readings; seq += 97)
        assert.ok(result.alertSeqs.includes(seq), `spike ${seq} missed`);
    },
  );
}

test('anomaly example prints a row per batch size with precision and recall >= 0.95', async () => {
  const lines: string[] = [];
  const results = await runAnomalyExample({
    backend: 'cpu',
    batchSizes: [100, 1000],
    points: 100_000,
    log: (line) => lines.push(line),
    makeSignal: syntheticSignal,
  });
  assert.deepEqual(
    results.map((result) => result.batchSize),
    [100, 1000],
  );
  for (const result of results) assert.ok(result.precision >= 0.95 && result.recall >= 0.95);
  assert.ok(lines.some((line) => line.startsWith('1000 ')));
});

test('pagerank example: 3-node ranks sum to 1 and an edit is re-solved from the resident ranks', async () => {
  const result = await runPageRankExample('cpu', () => {}, { nodes: 2000, edges: 10_000 });
  assert.ok(Math.abs(result.threeNodes.reduce((sum, rank) => sum + rank, 0) - 1) < 1e-6);
  assert.equal(result.randomTop.length, 5);
  assert.ok(result.afterUpdate[0]! > result.randomTop[0]!.rank, 'the top node gained a link');
  assert.ok(result.large !== undefined && result.large.iterations > 0 && result.large.edgesPerSecond > 0);
});

test('runFlagshipDemo streams through both kernels with a progress bar and reports results', async () => {
  let output = '';
  const result = await runFlagshipDemo({
    backend: 'cpu',
    write: (text) => (output += text),
    interactive: true,
    points: 50_000,
    nodes: 5_000,
    edges: 25_000,
  });
  assert.equal(result.backend, 'cpu');
  assert.ok(result.anomaly.precision >= 0.95 && result.anomaly.recall >= 0.95);
  assert.ok(result.pagerank.iterations > 0 && result.pagerank.updateIterations > 0);
  assert.equal(result.pagerank.top.length, 5);
  assert.match(output, /\r.*\[#{30}\] 100%/);
  assert.match(output, /precision 1\.0000|precision 0\.9/);
  // Says what was flagged against what was injected, never "found N of M" (N may exceed M).
  assert.match(
    output,
    new RegExp(`${result.anomaly.detected} points flagged, ${result.anomaly.injected} anomalies injected`),
  );
  assert.doesNotMatch(output, /found \d+ of \d+/);
  assert.match(output, /edges\/s/);
});

test('runFlagshipDemo reports progress to a callback instead of drawing its own bar', async () => {
  let output = '';
  const fractions: number[] = [];
  await runFlagshipDemo({
    backend: 'cpu',
    write: (text) => (output += text),
    onProgress: (fraction) => fractions.push(fraction),
    points: 20_000,
    nodes: 2_000,
    edges: 10_000,
  });
  assert.doesNotMatch(output, /\[#/);
  assert.equal(fractions.at(-1), 1);
  assert.ok(fractions.every((fraction, index) => index === 0 || fraction >= fractions[index - 1]!));
});
