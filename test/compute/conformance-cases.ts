/**
 * The compute conformance cases (run by conformance.test.ts in Node, and in a browser page by
 * test/browser): every standard-library kernel on every available backend, against
 * plain double-precision references, with dtype-aware tolerances (integers exact, floats within
 * an error bound that grows with the accumulation length).
 */
import assert from 'node:assert/strict';
import {
  axpy,
  mapKernel,
  matmul,
  reduceMax,
  reduceMin,
  reduceSum,
  runReduction,
  spmvCsr,
  vectorAdd,
  vectorScale,
  type ComputeOrchestrator,
  type DType,
} from '../../src/compute/index.js';
import { seededRandom } from './helpers.js';

const UNIT_ROUNDOFF: Partial<Record<DType, number>> = { float32: 2 ** -24, float64: 2 ** -53 };

/** Expected values plus, per element, the magnitude the rounding error scales with (Σ|terms|). */
interface Expected {
  readonly values: ArrayLike<number>;
  readonly magnitudes: ArrayLike<number>;
  /** Roundings along the longest accumulation chain. */
  readonly chain: number;
}

interface Case {
  readonly name: string;
  readonly dtypes: readonly DType[];
  run(
    compute: ComputeOrchestrator,
    dtype: DType,
    random: () => number,
  ): Promise<{ actual: ArrayLike<number>; expected: Expected }>;
}

function randomValues(dtype: DType, n: number, random: () => number, full = false): number[] {
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    if (dtype === 'int32') values.push(full ? (random() * 2 ** 32) | 0 : Math.floor(random() * 2001) - 1000);
    else if (dtype === 'uint32') values.push(full ? (random() * 2 ** 32) >>> 0 : Math.floor(random() * 2001));
    else values.push(dtype === 'float32' ? Math.fround(random() * 2 - 1) : random() * 2 - 1);
  }
  return values;
}

/** Integer results wrap modulo 2^32 like WGSL i32/u32. */
function wrap(dtype: DType, value: number): number {
  if (dtype === 'int32') return value | 0;
  if (dtype === 'uint32') return value >>> 0;
  return value;
}

function elementwise(values: number[], magnitudes: number[], chain = 1): Expected {
  return { values, magnitudes, chain };
}

const SIZES = [1, 257, 4099];

export const cases: Case[] = [
  {
    name: 'vector_add',
    dtypes: ['float32', 'float64', 'int32', 'uint32'],
    async run(compute, dtype, random) {
      const results: { actual: number[]; expected: number[]; magnitudes: number[] } = {
        actual: [],
        expected: [],
        magnitudes: [],
      };
      for (const n of SIZES) {
        const a = randomValues(dtype, n, random, true);
        const b = randomValues(dtype, n, random, true);
        const out = compute.buffer([n], dtype);
        await compute.run(vectorAdd, {
          a: compute.buffer([n], dtype, a),
          b: compute.buffer([n], dtype, b),
          out,
        });
        results.actual.push(...(await out.toArray()));
        a.forEach((value, i) => {
          results.expected.push(wrap(dtype, value + b[i]!));
          results.magnitudes.push(Math.abs(value) + Math.abs(b[i]!));
        });
      }
      return { actual: results.actual, expected: elementwise(results.expected, results.magnitudes) };
    },
  },
  {
    name: 'vector_scale',
    dtypes: ['float32', 'float64', 'int32', 'uint32'],
    async run(compute, dtype, random) {
      const n = 1000;
      const x = randomValues(dtype, n, random, true);
      const alpha = dtype === 'float32' || dtype === 'float64' ? 1.5 : 3;
      const out = compute.buffer([n], dtype);
      await compute.run(vectorScale, { x: compute.buffer([n], dtype, x), out, alpha });
      const expected = x.map((value) =>
        dtype === 'int32' || dtype === 'uint32' ? wrap(dtype, Math.imul(value, alpha)) : alpha * value,
      );
      return { actual: await out.toArray(), expected: elementwise(expected, expected.map(Math.abs)) };
    },
  },
  {
    name: 'axpy',
    dtypes: ['float32', 'float64'],
    async run(compute, dtype, random) {
      const n = 3001;
      const x = randomValues(dtype, n, random);
      const y = randomValues(dtype, n, random);
      const out = compute.buffer([n], dtype);
      await compute.run(axpy, {
        x: compute.buffer([n], dtype, x),
        y: compute.buffer([n], dtype, y),
        out,
        alpha: -0.75,
      });
      const expected = x.map((value, i) => -0.75 * value + y[i]!);
      return {
        actual: await out.toArray(),
        expected: elementwise(
          expected,
          x.map((value, i) => Math.abs(0.75 * value) + Math.abs(y[i]!)),
          2,
        ),
      };
    },
  },
  {
    name: 'map',
    dtypes: ['float32', 'float64'],
    async run(compute, dtype, random) {
      const n = 2000;
      const kernel = mapKernel({
        name: 'poly',
        wgsl: 'x * x * 3.0 - x + 0.5',
        cpu: (x) => x * x * 3 - x + 0.5,
      });
      const input = randomValues(dtype, n, random);
      const output = compute.buffer([n], dtype);
      await compute.run(kernel, { input: compute.buffer([n], dtype, input), output });
      const expected = input.map((x) => x * x * 3 - x + 0.5);
      return {
        actual: await output.toArray(),
        expected: elementwise(
          expected,
          input.map((x) => 3 * x * x + Math.abs(x) + 0.5),
          4,
        ),
      };
    },
  },
  ...(['sum', 'min', 'max'] as const).map((operation): Case => ({
    name: `reduce_${operation}`,
    dtypes: ['float32', 'float64', 'int32', 'uint32'],
    async run(compute, dtype, random) {
      const kernel = { sum: reduceSum, min: reduceMin, max: reduceMax }[operation];
      const actual: number[] = [];
      const values: number[] = [];
      const magnitudes: number[] = [];
      let chain = 1;
      for (const n of [1, 1000, 5003]) {
        const input = randomValues(dtype, n, random, operation === 'sum');
        const output = compute.buffer([1], dtype);
        await compute.run(kernel, { input: compute.buffer([n], dtype, input), output });
        actual.push((await output.toArray())[0]!);
        if (operation === 'sum') {
          values.push(
            wrap(
              dtype,
              input.reduce((sum, value) => sum + value, 0),
            ),
          );
          magnitudes.push(input.reduce((sum, value) => sum + Math.abs(value), 0));
          chain = Math.max(chain, n);
        } else {
          values.push(operation === 'min' ? Math.min(...input) : Math.max(...input));
          magnitudes.push(0);
        }
      }
      return { actual, expected: { values, magnitudes, chain } };
    },
  })),
  ...(['sum', 'min', 'max'] as const).map((operation): Case => ({
    name: `run_reduction_${operation}`,
    dtypes: ['float32', 'int32', 'uint32'],
    async run(compute, dtype, random) {
      const actual: number[] = [];
      const values: number[] = [];
      const magnitudes: number[] = [];
      let chain = 1;
      // 300_007 goes through the two-pass path on a GPU (many work-groups, then one).
      for (const n of [10, 300_007]) {
        const input = randomValues(dtype, n, random, operation === 'sum');
        const output = compute.buffer([1], dtype);
        await runReduction(compute, compute.buffer([n], dtype, input), operation, output);
        actual.push((await output.toArray())[0]!);
        if (operation === 'sum') {
          values.push(
            wrap(
              dtype,
              input.reduce((sum, value) => sum + value, 0),
            ),
          );
          magnitudes.push(input.reduce((sum, value) => sum + Math.abs(value), 0));
          chain = Math.max(chain, n);
        } else {
          values.push(
            input.reduce((best, value) =>
              operation === 'min' ? Math.min(best, value) : Math.max(best, value),
            ),
          );
          magnitudes.push(0);
        }
      }
      return { actual, expected: { values, magnitudes, chain } };
    },
  })),
  {
    name: 'spmv_csr',
    dtypes: ['float32', 'float64'],
    async run(compute, dtype, random) {
      const rows = 700;
      const columns = 500;
      const rowPointers = [0];
      const columnIndices: number[] = [];
      for (let row = 0; row < rows; row++) {
        const count = row % 17 === 0 ? 0 : Math.floor(random() * 12); // some empty rows
        for (let k = 0; k < count; k++) columnIndices.push(Math.floor(random() * columns));
        rowPointers.push(columnIndices.length);
      }
      const values = randomValues(dtype, columnIndices.length, random);
      const x = randomValues(dtype, columns, random);
      const y = compute.buffer([rows], dtype);
      const indexType = random() < 0.5 ? 'int32' : 'uint32';
      await compute.run(spmvCsr, {
        rowPointers: compute.buffer([rows + 1], indexType, rowPointers),
        columnIndices: compute.buffer([columnIndices.length], indexType, columnIndices),
        values: compute.buffer([values.length], dtype, values),
        x: compute.buffer([columns], dtype, x),
        y,
      });
      const expected: number[] = [];
      const magnitudes: number[] = [];
      for (let row = 0; row < rows; row++) {
        let sum = 0;
        let magnitude = 0;
        for (let k = rowPointers[row]!; k < rowPointers[row + 1]!; k++) {
          sum += values[k]! * x[columnIndices[k]!]!;
          magnitude += Math.abs(values[k]! * x[columnIndices[k]!]!);
        }
        expected.push(sum);
        magnitudes.push(magnitude);
      }
      return { actual: await y.toArray(), expected: { values: expected, magnitudes, chain: 13 } };
    },
  },
  {
    name: 'matmul',
    dtypes: ['float32', 'float64'],
    async run(compute, dtype, random) {
      const actual: number[] = [];
      const values: number[] = [];
      const magnitudes: number[] = [];
      let chain = 1;
      for (const [m, k, n] of [
        [1, 1, 1],
        [33, 17, 45],
        [64, 70, 32],
      ] as const) {
        const a = randomValues(dtype, m * k, random);
        const b = randomValues(dtype, k * n, random);
        const out = compute.buffer([m, n], dtype);
        await compute.run(matmul, {
          a: compute.buffer([m, k], dtype, a),
          b: compute.buffer([k, n], dtype, b),
          out,
        });
        actual.push(...(await out.toArray()));
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let sum = 0;
            let magnitude = 0;
            for (let p = 0; p < k; p++) {
              sum += a[i * k + p]! * b[p * n + j]!;
              magnitude += Math.abs(a[i * k + p]! * b[p * n + j]!);
            }
            values.push(sum);
            magnitudes.push(magnitude);
          }
        chain = Math.max(chain, k);
      }
      return { actual, expected: { values, magnitudes, chain: chain + 1 } };
    },
  },
];

export function compare(label: string, dtype: DType, actual: ArrayLike<number>, expected: Expected): void {
  assert.equal(actual.length, expected.values.length, `${label}: result length`);
  const unit = UNIT_ROUNDOFF[dtype];
  for (let i = 0; i < actual.length; i++) {
    const got = actual[i]!;
    const want = expected.values[i]!;
    if (unit === undefined) {
      if (got !== want) assert.fail(`${label}[${i}]: got ${got}, want ${want} (integers must match exactly)`);
      continue;
    }
    // Standard forward error bound γ_n·Σ|terms|, with slack for the final rounding and FMA contraction.
    const tolerance =
      2 * (expected.chain + 2) * unit * (expected.magnitudes[i]! + Math.abs(want)) + Number.MIN_VALUE;
    if (!(Math.abs(got - want) <= tolerance))
      assert.fail(
        `${label}[${i}]: got ${got}, want ${want} (|error| ${Math.abs(got - want)} > tolerance ${tolerance})`,
      );
  }
}

/**
 * Runs every case on `compute`'s backend as subtests of `t` (a node:test context, or the browser
 * page's stand-in for it).
 */
export async function runComputeConformance(
  t: { test(name: string, fn: () => Promise<void>): Promise<void> },
  compute: ComputeOrchestrator,
  label: string,
): Promise<void> {
  for (const testCase of cases) {
    for (const dtype of testCase.dtypes) {
      if (!compute.backend.supportsDtype(dtype)) continue;
      await t.test(`${testCase.name} ${dtype}`, async () => {
        const random = seededRandom(testCase.name.length * 7919 + dtype.length);
        const { actual, expected } = await testCase.run(compute, dtype, random);
        compare(`${label} ${testCase.name} ${dtype}`, dtype, actual, expected);
      });
    }
  }
}
