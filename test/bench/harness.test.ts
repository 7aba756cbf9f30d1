import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSuites, runBenchCommand, runBenchmarks, type BenchProgress } from '../../src/bench/index.js';
import { baselineSuite } from '../../src/bench/suites/baseline.js';

const BASELINE_NAMES = [
  'baseline.timer.call_ns',
  'baseline.timer.min_step_ns',
  'baseline.promise_echo.rtt.p50_us',
  'baseline.promise_echo.rtt.p99_us',
  'baseline.promise_echo.throughput.msgs_per_s',
  'baseline.queued_echo.rtt.p50_us',
  'baseline.queued_echo.rtt.p99_us',
  'baseline.queued_echo.throughput.msgs_per_s',
];

/** Collects what a command writes to a stream. */
function captureStream(isTTY = false): {
  isTTY: boolean;
  columns: number;
  text: () => string;
  write(chunk: string): boolean;
} {
  let text = '';
  return {
    isTTY,
    columns: 100,
    text: () => text,
    write(chunk: string) {
      text += chunk;
      return true;
    },
  };
}

test('the baseline suite runs quick and reports every figure of issue 2, positive and finite', async () => {
  const progress: BenchProgress[] = [];
  const lines: string[] = [];
  const report = await runBenchmarks({
    // Only the baseline suite itself: the peers suite also reports baseline.messageport.* figures.
    suites: benchSuites.filter((suite) => suite.name === 'baseline'),
    quick: true,
    onProgress: (event) => progress.push(event),
    log: (line) => lines.push(line),
  });
  assert.deepEqual(
    report.results.map((result) => result.name),
    BASELINE_NAMES,
  );
  for (const result of report.results) {
    assert.ok(Number.isFinite(result.value) && result.value > 0, `${result.name} = ${result.value}`);
    assert.equal(
      result.unit,
      result.name.endsWith('_us') ? 'us' : result.name.endsWith('_ns') ? 'ns' : 'msgs/s',
    );
  }
  assert.equal(typeof report.machine.cpuModel, 'string');
  assert.ok(report.machine.cores >= 1);
  assert.match(report.machine.nodeVersion, /^v\d+\./);
  assert.ok(report.machine.totalMemoryBytes > 0);
  assert.ok(progress.length > 2, 'the suite reports progress');
  assert.equal(progress.at(-1)?.fraction, 1);
  for (let index = 1; index < progress.length; index++) {
    assert.ok(
      (progress[index]?.fraction ?? 0) >= (progress[index - 1]?.fraction ?? 0),
      'progress never goes back',
    );
  }
  assert.ok(lines.some((line) => line.startsWith('[baseline] performance.now():')));
});

test('the bench command writes exactly { machine, results: [{ name, value, unit }] } and prints a table', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'ringkernel-bench-'));
  try {
    const jsonPath = join(folder, 'nested', 'latest.json');
    const stdout = captureStream();
    const stderr = captureStream();
    const exitCode = await runBenchCommand(['baseline.promise_echo', '--quick', '--json', jsonPath], {
      suites: [baselineSuite],
      stdout,
      stderr,
    });
    assert.equal(exitCode, 0, stderr.text());
    assert.deepEqual(await readdir(join(folder, 'nested')), ['latest.json'], 'no temporary file left behind');
    const written = JSON.parse(await readFile(jsonPath, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(written), ['machine', 'results']);
    assert.deepEqual(Object.keys(written.machine as object).sort(), [
      'arch',
      'cores',
      'cpuModel',
      'nodeVersion',
      'platform',
      'totalMemoryBytes',
    ]);
    const results = written.results as Record<string, unknown>[];
    assert.deepEqual(
      results.map((result) => result.name),
      BASELINE_NAMES.filter((name) => name.startsWith('baseline.promise_echo')),
    );
    for (const result of results) {
      assert.deepEqual(Object.keys(result), ['name', 'value', 'unit']);
      assert.equal(typeof result.value, 'number');
      assert.equal(typeof result.unit, 'string');
    }
    const table = stdout.text().split('\n');
    assert.match(table[0] ?? '', /^name\s+value\s+unit$/);
    assert.match(table[1] ?? '', /^baseline\.promise_echo\.rtt\.p50_us\s+[\d.,]+\s+us$/);
    assert.equal(table.filter((line) => line !== '').length, 1 + results.length);
    assert.ok(!stderr.text().includes('\u001b['), 'no progress bar when stderr is not a terminal');
    assert.match(stderr.text(), /results written to/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test('the telemetry suite runs quick and reports the cost of each record call', async () => {
  const report = await runBenchmarks({ suites: benchSuites, filter: ['telemetry'], quick: true });
  assert.deepEqual(
    report.results.map((result) => `${result.name} ${result.unit}`),
    [
      'telemetry.histogram_record.ns ns',
      'telemetry.meter_record.ns ns',
      'telemetry.meter_record_with_clock.ns ns',
    ],
  );
  for (const result of report.results)
    assert.ok(Number.isFinite(result.value) && result.value > 0, result.name);
});
