import { RingKernelError } from '../errors.js';

/** A benchmark filter names neither a suite nor a result under one. */
export class UnknownBenchmarkError extends RingKernelError {
  /** The filter terms that matched nothing. */
  readonly unknownNames: readonly string[];

  constructor(unknownNames: readonly string[], suiteNames: readonly string[]) {
    super(
      'BENCH_UNKNOWN_NAME',
      `no benchmark suite matches ${unknownNames.map((name) => `'${name}'`).join(', ')}; ` +
        `pass a suite name (${suiteNames.join(', ')}) or a result-name prefix under one ('<suite>.<result...>')`,
    );
    this.unknownNames = unknownNames;
  }
}

/** A suite returned a figure that cannot be reported (no name, a non-finite value, a duplicate name...). */
export class InvalidBenchResultError extends RingKernelError {
  constructor(suiteName: string, problem: string) {
    super('BENCH_INVALID_RESULT', `benchmark suite '${suiteName}' ${problem}; fix the suite's run()`);
  }
}

/** The bench command line could not be understood. */
export class BenchUsageError extends RingKernelError {
  constructor(problem: string) {
    super('BENCH_USAGE', `${problem}; run with --help for usage`);
  }
}
