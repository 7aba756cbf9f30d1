import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBenchValue, formatResultsTable, type BenchResult } from '../../src/bench/index.js';

test('values keep three significant digits below 1,000 and group thousands above', () => {
  assert.equal(formatBenchValue(0.21349), '0.213');
  assert.equal(formatBenchValue(0.2), '0.200');
  assert.equal(formatBenchValue(12.449), '12.4');
  assert.equal(formatBenchValue(153.4), '153');
  assert.equal(formatBenchValue(999.4), '999');
  assert.equal(formatBenchValue(999.7), '1,000');
  assert.equal(formatBenchValue(2_345_678.9), '2,345,679');
  assert.equal(formatBenchValue(42), '42');
  assert.equal(formatBenchValue(0), '0');
  assert.equal(formatBenchValue(0.000123456), '0.000123');
  assert.equal(formatBenchValue(-3.14159), '-3.14');
  assert.equal(formatBenchValue(2.5e-9), '2.50e-9');
});

const RESULTS: BenchResult[] = [
  { name: 'runtime.rtt.p50_us', value: 1.2345, unit: 'us', target: '<= 2 us' },
  { name: 'runtime.throughput.msgs_per_s', value: 2_500_000, unit: 'msgs/s' },
];

test('the text table aligns columns and adds a target column when a result has a target', () => {
  assert.equal(
    formatResultsTable(RESULTS),
    [
      'name                               value  unit    target',
      'runtime.rtt.p50_us                  1.23  us      <= 2 us',
      'runtime.throughput.msgs_per_s  2,500,000  msgs/s',
    ].join('\n'),
  );
});

test('no target column when no result has one; markdown style for the README', () => {
  const plain = RESULTS.map(({ name, value, unit }) => ({ name, value, unit }));
  assert.equal(formatResultsTable(plain).split('\n')[0], 'name                               value  unit');
  assert.equal(
    formatResultsTable(RESULTS, { style: 'markdown' }),
    [
      '| name | value | unit | target |',
      '| --- | ---: | --- | --- |',
      '| runtime.rtt.p50_us | 1.23 | us | <= 2 us |',
      '| runtime.throughput.msgs_per_s | 2,500,000 | msgs/s |  |',
    ].join('\n'),
  );
  assert.equal(formatResultsTable([]), 'name  value  unit');
});
