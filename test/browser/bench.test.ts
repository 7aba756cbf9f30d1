/**
 * The browser bench suite (`npm run bench -- --browser`) in quick mode: the page's three figures
 * and Node's, named and positive (no timing is asserted).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchArguments } from '../../src/bench/command-node.js';
import { selectBenchmarks } from '../../src/bench/filter.js';
import { benchSuites } from '../../src/bench/suites/index.js';
import { browserSuite } from '../../src/bench/suites/browser.js';
import { skipWithoutChromium } from './harness.js';

describe('the browser bench suite', () => {
  it('is opt-in: --browser selects it, a run of every suite leaves it out', () => {
    assert.deepEqual(parseBenchArguments(['--browser', '--quick']).names, ['browser']);
    assert.ok(!selectBenchmarks(benchSuites).some((selection) => selection.suite === browserSuite));
    assert.deepEqual(
      selectBenchmarks(benchSuites, ['browser']).map((selection) => selection.suite),
      [browserSuite],
    );
  });

  it('reports the page figures and the same figures from Node', { skip: skipWithoutChromium }, async () => {
    const logs: string[] = [];
    const results = await browserSuite.run({
      quick: true,
      progress: () => {},
      log: (line) => logs.push(line),
    });
    assert.deepEqual(
      results.map((result) => `${result.name} ${result.unit}`),
      [
        'browser.runtime.rtt.p50_us us',
        'browser.worker.request.msgs_per_s msgs/s',
        'browser.webgpu.anomaly.points_per_s points/s',
        'browser.worker_postmessage.request.msgs_per_s msgs/s',
        'browser.node.runtime.rtt.p50_us us',
        'browser.node.worker.request.msgs_per_s msgs/s',
        'browser.node.webgpu.anomaly.points_per_s points/s',
      ],
    );
    for (const result of results.slice(0, 4)) assert.ok(result.value > 0, `${result.name} = ${result.value}`);
    assert.ok(results[4]!.value > 0 && results[5]!.value > 0);
    assert.match(logs.join('\n'), /page: cross-origin isolated true/);
    assert.match(logs.join('\n'), /second page: cross-origin isolated false/);
  });
});
