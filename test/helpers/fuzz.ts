/**
 * Settings of the property tests (fast-check). Deterministic by default: a fixed seed and a small
 * number of runs. `FUZZ_RUNS=5000` runs more; `FUZZ_SEED=<n>` varies or replays the seed (a failure
 * prints the seed and the path to replay it); `FUZZ_VERBOSE=1` prints every failing step.
 */
import type fc from 'fast-check';

export function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer; got ${raw}`);
  return value;
}

/** fast-check parameters: `runs` by default (FUZZ_RUNS overrides), `seed` by default (FUZZ_SEED overrides). */
export function fuzzParameters<T>(runs: number, seed: number): fc.Parameters<T> {
  return {
    numRuns: positiveIntegerFromEnv('FUZZ_RUNS', runs),
    seed: positiveIntegerFromEnv('FUZZ_SEED', seed),
    verbose: process.env.FUZZ_VERBOSE === '1' ? 1 : 0,
  };
}
