import { UnknownBenchmarkError } from './errors.js';
import type { BenchSuite } from './types.js';

/** A suite to run and which of its results to keep. */
export interface BenchSelection {
  readonly suite: BenchSuite;
  /** Whether the result named so passes the filter. */
  readonly keeps: (resultName: string) => boolean;
}

const KEEP_ALL = (): boolean => true;

/**
 * Picks the suites a filter asks for. A term selects every suite whose name starts with it (all
 * of their results), or the suite it is dotted under (`baseline.promise_echo` runs `baseline` and
 * keeps the results whose names start with the term), or a suite that declares a matching
 * `resultPrefixes` entry (keeping the results that start with the term). No terms: every suite,
 * every result.
 *
 * @throws {UnknownBenchmarkError} when a term selects no suite, naming the known suites.
 * @example
 * ```ts
 * selectBenchmarks(benchSuites, ['baseline.queued_echo']);
 * ```
 */
export function selectBenchmarks(
  suites: readonly BenchSuite[],
  filter: readonly string[] = [],
): BenchSelection[] {
  if (filter.length === 0)
    return suites.filter((suite) => suite.optIn !== true).map((suite) => ({ suite, keeps: KEEP_ALL }));
  const prefixesBySuite = new Map<BenchSuite, string[] | 'all'>();
  const unknown: string[] = [];
  for (const term of filter) {
    let matched = false;
    for (const suite of suites) {
      if (suite.name.startsWith(term)) {
        prefixesBySuite.set(suite, 'all');
        matched = true;
      } else if (
        term.startsWith(`${suite.name}.`) ||
        suite.resultPrefixes?.some((prefix) => prefix.startsWith(term) || term.startsWith(prefix)) === true
      ) {
        const prefixes = prefixesBySuite.get(suite) ?? [];
        if (prefixes !== 'all') {
          prefixes.push(term);
          prefixesBySuite.set(suite, prefixes);
        }
        matched = true;
      }
    }
    if (!matched) unknown.push(term);
  }
  if (unknown.length > 0) {
    throw new UnknownBenchmarkError(
      unknown,
      suites.map((suite) => suite.name),
    );
  }
  // Suite order, not filter order, so tables from different filters line up.
  return suites.flatMap((suite) => {
    const prefixes = prefixesBySuite.get(suite);
    if (prefixes === undefined) return [];
    if (prefixes === 'all') return [{ suite, keeps: KEEP_ALL }];
    return [{ suite, keeps: (name: string) => prefixes.some((prefix) => name.startsWith(prefix)) }];
  });
}
