import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BenchUsageError,
  DEFAULT_RESULTS_PATH,
  createProgressBar,
  parseBenchArguments,
  runBenchCommand,
  type BenchSuite,
} from '../../src/bench/index.js';

function captureStream(isTTY = false): {
  isTTY: boolean;
  columns: number;
  text: () => string;
  write(chunk: string): boolean;
} {
  let text = '';
  return {
    isTTY,
    columns: 60,
    text: () => text,
    write(chunk: string) {
      text += chunk;
      return true;
    },
  };
}

test('arguments: names, --quick, --json in both spellings, --markdown, --help', () => {
  assert.deepEqual(parseBenchArguments([]), {
    names: [],
    quick: false,
    markdown: false,
    help: false,
    jsonPath: DEFAULT_RESULTS_PATH,
  });
  assert.deepEqual(
    parseBenchArguments(['runtime', '--json', 'out.json', 'baseline.promise_echo', '--markdown']),
    {
      names: ['runtime', 'baseline.promise_echo'],
      quick: false,
      markdown: true,
      help: false,
      jsonPath: 'out.json',
    },
  );
  assert.equal(parseBenchArguments(['--json=x.json']).jsonPath, 'x.json');
  assert.equal(parseBenchArguments(['-h']).help, true);
});

test('a quick run writes no file unless --json is given', () => {
  assert.equal(parseBenchArguments(['--quick']).jsonPath, undefined);
  assert.equal(parseBenchArguments(['--quick', '--json', 'q.json']).jsonPath, 'q.json');
});

test('bad arguments throw BenchUsageError', () => {
  assert.throws(
    () => parseBenchArguments(['--fast']),
    (error: unknown) => {
      assert.ok(error instanceof BenchUsageError);
      assert.equal(error.code, 'BENCH_USAGE');
      assert.match(error.message, /unknown option '--fast'; run with --help/);
      return true;
    },
  );
  assert.throws(() => parseBenchArguments(['--json']), /--json needs a file name/);
  assert.throws(() => parseBenchArguments(['--json', '--quick']), /--json needs a file name/);
  assert.throws(() => parseBenchArguments(['--json=']), /--json needs a file name/);
});

const SUITE: BenchSuite = {
  name: 'fake',
  description: 'fake',
  run: (context) => {
    context.progress(0.5, 'working');
    context.log('a diagnostic line');
    return Promise.resolve([{ name: 'fake.value_us', value: 1.5, unit: 'us' }]);
  },
};

test('the command exits 2 with a message for usage errors and unknown names, 0 for --help', async () => {
  const stderr = captureStream();
  assert.equal(await runBenchCommand(['--bogus'], { suites: [SUITE], stdout: captureStream(), stderr }), 2);
  assert.match(stderr.text(), /unknown option '--bogus'/);

  const unknown = captureStream();
  assert.equal(
    await runBenchCommand(['nothing', '--quick'], {
      suites: [SUITE],
      stdout: captureStream(),
      stderr: unknown,
    }),
    2,
  );
  assert.match(unknown.text(), /no benchmark suite matches 'nothing'/);

  const help = captureStream();
  assert.equal(
    await runBenchCommand(['--help'], { suites: [SUITE], stdout: help, stderr, command: 'ringkernel bench' }),
    0,
  );
  assert.match(help.text(), /^Usage: ringkernel bench \[names\.\.\.\]/);
});

test('the command exits 1 and reports the error when a suite throws', async () => {
  const failing: BenchSuite = {
    name: 'boom',
    description: 'x',
    run: () => Promise.reject(new Error('kaput')),
  };
  const stderr = captureStream();
  const stdout = captureStream();
  assert.equal(await runBenchCommand(['--quick'], { suites: [failing], stdout, stderr }), 1);
  assert.match(stderr.text(), /benchmark failed: Error: kaput/);
  assert.equal(stdout.text(), '');
});

test('on a terminal the progress bar draws on stderr and is erased; the table goes to stdout', async () => {
  const stderr = captureStream(true);
  const stdout = captureStream();
  assert.equal(await runBenchCommand(['--quick', '--markdown'], { suites: [SUITE], stdout, stderr }), 0);
  assert.ok(stderr.text().includes('\r\u001b[K[############------------]  50% fake: working'), stderr.text());
  assert.match(stderr.text(), /a diagnostic line\n/);
  assert.ok(stderr.text().endsWith('\r\u001b[K'), 'the bar is erased at the end');
  assert.equal(
    stdout.text(),
    '| name | value | unit |\n| --- | ---: | --- |\n| fake.value_us | 1.50 | us |\n',
  );
});

test('off a terminal the progress bar writes log lines only', () => {
  const stream = captureStream(false);
  const bar = createProgressBar(stream);
  bar.update({ suite: 's', suiteIndex: 0, suiteCount: 1, fraction: 0.5 });
  bar.log('line');
  bar.finish();
  assert.equal(stream.text(), 'line\n');
});

test('the bar fits the terminal width and redraws only on change', () => {
  const stream = captureStream(true);
  const bar = createProgressBar(stream);
  const event = {
    suite: 'a-suite-with-a-long-name',
    suiteIndex: 0,
    suiteCount: 1,
    fraction: 0.25,
    label: 'x'.repeat(80),
  };
  bar.update(event);
  bar.update(event);
  const draws = stream
    .text()
    .split('\r\u001b[K')
    .filter((part) => part !== '');
  assert.equal(draws.length, 1);
  assert.equal(draws[0]?.length, 59);
  assert.ok(draws[0]?.startsWith('[######------------------]  25% a-suite'));
});
