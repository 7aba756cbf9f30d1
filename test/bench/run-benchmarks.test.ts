import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidBenchResultError,
  UnknownBenchmarkError,
  runBenchmarks,
  selectBenchmarks,
  toResultsFile,
  type BenchContext,
  type BenchResult,
  type BenchSuite,
  type MachineDescription,
} from '../../src/bench/index.js';

const MACHINE: MachineDescription = {
  cpuModel: 'Test CPU',
  cores: 2,
  nodeVersion: 'v20.0.0',
  platform: 'linux',
  arch: 'x64',
  totalMemoryBytes: 1024,
};

/** A suite that reports fixed figures and remembers how it was run. */
function fakeSuite(name: string, results: readonly BenchResult[]): BenchSuite & { contexts: BenchContext[] } {
  const contexts: BenchContext[] = [];
  return {
    name,
    description: `fake ${name}`,
    contexts,
    run(context) {
      contexts.push(context);
      context.progress(0.5, 'half way');
      context.log('hello');
      return Promise.resolve([...results]);
    },
  };
}

function suites(): ReturnType<typeof fakeSuite>[] {
  return [
    fakeSuite('runtime', [
      { name: 'runtime.rtt.p50_us', value: 1, unit: 'us' },
      { name: 'runtime.rtt.p99_us', value: 5, unit: 'us' },
      { name: 'runtime.throughput.msgs_per_s', value: 2e6, unit: 'msgs/s', target: '>= 2,000,000' },
    ]),
    fakeSuite('mailbox', [{ name: 'mailbox.offer_poll.ns', value: 20, unit: 'ns' }]),
    fakeSuite('baseline', [{ name: 'baseline.promise_echo.rtt.p50_us', value: 0.2, unit: 'us' }]),
  ];
}

test('no filter runs every suite in order and passes quick, progress and log through', async () => {
  const all = suites();
  const progress: string[] = [];
  const lines: string[] = [];
  const report = await runBenchmarks({
    suites: all,
    quick: true,
    machine: MACHINE,
    onProgress: (event) =>
      progress.push(
        `${event.suite} ${event.suiteIndex}/${event.suiteCount} ${event.fraction.toFixed(3)} ${event.label ?? ''}`.trim(),
      ),
    log: (line) => lines.push(line),
  });
  assert.equal(report.machine, MACHINE);
  assert.deepEqual(
    report.results.map((result) => result.name),
    [
      'runtime.rtt.p50_us',
      'runtime.rtt.p99_us',
      'runtime.throughput.msgs_per_s',
      'mailbox.offer_poll.ns',
      'baseline.promise_echo.rtt.p50_us',
    ],
  );
  assert.equal(report.results[2]?.target, '>= 2,000,000');
  for (const suite of all) assert.equal(suite.contexts[0]?.quick, true);
  assert.deepEqual(progress, [
    'runtime 0/3 0.000',
    'runtime 0/3 0.167 half way',
    'runtime 0/3 0.333',
    'mailbox 1/3 0.333',
    'mailbox 1/3 0.500 half way',
    'mailbox 1/3 0.667',
    'baseline 2/3 0.667',
    'baseline 2/3 0.833 half way',
    'baseline 2/3 1.000',
  ]);
  assert.deepEqual(lines, ['[runtime] hello', '[mailbox] hello', '[baseline] hello']);
});

test('a suite name runs that suite whole; a dotted prefix keeps only the matching results', async () => {
  const all = suites();
  const report = await runBenchmarks({ suites: all, filter: ['runtime.rtt', 'baseline'], machine: MACHINE });
  assert.deepEqual(
    report.results.map((result) => result.name),
    ['runtime.rtt.p50_us', 'runtime.rtt.p99_us', 'baseline.promise_echo.rtt.p50_us'],
  );
  assert.equal(all[1]?.contexts.length, 0, 'the mailbox suite did not run');
  assert.equal(all[0]?.contexts[0]?.quick, false, 'quick defaults to false');
});

test('a prefix of a suite name selects the whole suite; suite order wins over filter order', () => {
  const all = suites();
  const selected = selectBenchmarks(all, ['base', 'mail']);
  assert.deepEqual(
    selected.map((selection) => selection.suite.name),
    ['mailbox', 'baseline'],
  );
  assert.equal(selected[0]?.keeps('anything'), true);
  const narrowed = selectBenchmarks(all, ['runtime.rtt.p99', 'runtime']);
  assert.equal(narrowed[0]?.keeps('runtime.throughput.msgs_per_s'), true, 'the whole-suite term wins');
});

test('results outside the suite name are found through resultPrefixes', async () => {
  const runtime: BenchSuite = {
    name: 'runtime',
    description: 'runtime and mailbox',
    resultPrefixes: ['mailbox.'],
    run: () =>
      Promise.resolve([
        { name: 'runtime.rtt.p50_us', value: 1, unit: 'us' },
        { name: 'mailbox.offer_poll.ns', value: 20, unit: 'ns' },
      ]),
  };
  for (const term of ['mailbox', 'mailbox.offer']) {
    const report = await runBenchmarks({
      suites: [runtime, ...suites().slice(2)],
      filter: [term],
      machine: MACHINE,
    });
    assert.deepEqual(
      report.results.map((result) => result.name),
      ['mailbox.offer_poll.ns'],
    );
  }
  const none = await runBenchmarks({ suites: [runtime], filter: ['mailbox.other'], machine: MACHINE });
  assert.deepEqual(none.results, [], 'the suite ran, and nothing it reported starts with the term');
  await assert.rejects(
    runBenchmarks({ suites: [runtime], filter: ['queue'], machine: MACHINE }),
    UnknownBenchmarkError,
  );
});

test('a filter term that selects nothing throws UnknownBenchmarkError naming the suites', async () => {
  await assert.rejects(
    runBenchmarks({ suites: suites(), filter: ['runtime', 'nope', 'gpu.x'], machine: MACHINE }),
    (error: unknown) => {
      assert.ok(error instanceof UnknownBenchmarkError);
      assert.equal(error.code, 'BENCH_UNKNOWN_NAME');
      assert.deepEqual(error.unknownNames, ['nope', 'gpu.x']);
      assert.match(error.message, /'nope', 'gpu\.x'.*runtime, mailbox, baseline/);
      return true;
    },
  );
});

test('a suite reporting an unwritable figure fails the run with InvalidBenchResultError', async () => {
  const bad: [string, unknown][] = [
    ['NaN', [{ name: 'x.a', value: Number.NaN, unit: 'us' }]],
    ['Infinity', [{ name: 'x.a', value: Infinity, unit: 'us' }]],
    ['without a name', [{ name: '', value: 1, unit: 'us' }]],
    ['no unit', [{ name: 'x.a', value: 1 }]],
    [
      'already reported',
      [
        { name: 'x.a', value: 1, unit: 'us' },
        { name: 'x.a', value: 2, unit: 'us' },
      ],
    ],
    ['not return an array', { name: 'x.a' }],
  ];
  for (const [problem, results] of bad) {
    const suite: BenchSuite = {
      name: 'x',
      description: 'broken',
      run: () => Promise.resolve(results as BenchResult[]),
    };
    await assert.rejects(runBenchmarks({ suites: [suite], machine: MACHINE }), (error: unknown) => {
      assert.ok(error instanceof InvalidBenchResultError, problem);
      assert.equal(error.code, 'BENCH_INVALID_RESULT');
      assert.match(error.message, new RegExp(`suite 'x' .*${problem}`));
      return true;
    });
  }
});

test('the results file keeps exactly name, value and unit', () => {
  const file = toResultsFile({
    machine: MACHINE,
    results: [{ name: 'runtime.rtt.p50_us', value: 1.5, unit: 'us', target: '<= 2 us' }],
  });
  assert.deepEqual(file, {
    machine: MACHINE,
    results: [{ name: 'runtime.rtt.p50_us', value: 1.5, unit: 'us' }],
  });
});

test('without a machine, runBenchmarks describes this one', async () => {
  const report = await runBenchmarks({ suites: suites(), filter: ['mailbox'] });
  assert.ok(report.machine.cores >= 1);
  assert.equal(typeof report.machine.platform, 'string');
});
