/**
 * Every example's command line: `--help` prints the usage and exits 0; an unknown flag or a bad
 * value is one line on stderr (no stack trace) and exit 2. Also runs the worker-thread example the
 * README shows.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = readdirSync(`${root}examples`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${root}examples/${entry.name}/main.ts`))
  .map((entry) => entry.name)
  .sort();

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runExample(example: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${example}/main.ts`, ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `jobs` with at most `limit` processes at a time (the CI box has few cores). */
async function pooled<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

const runs = new Map<string, Run>();
const cases: [example: string, args: string[]][] = examples.flatMap((example): [string, string[]][] => [
  [example, ['--help']],
  [example, ['--no-such-flag']],
  [example, ['stray-argument']],
]);

function result(example: string, args: readonly string[]): Run {
  const run = runs.get(`${example} ${args.join(' ')}`);
  assert.ok(run !== undefined, `${example} ${args.join(' ')} was not run`);
  return run;
}

function assertOneLineUsageError(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, pattern);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, `more than one line:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /ERR_PARSE_ARGS|^\s+at /m);
}

describe('examples/*/main.ts command lines', () => {
  before(async () => {
    const all: [string, string[]][] = [
      ...cases,
      ['anomaly', ['--backend', 'quantum']],
      ['pagerank', ['--nodes', 'many']],
      ['streaming-pipeline', ['--readings', '0']],
    ];
    const done = await pooled(
      all.map(
        ([example, args]) =>
          () =>
            runExample(example, args),
      ),
      4,
    );
    all.forEach(([example, args], index) => runs.set(`${example} ${args.join(' ')}`, done[index]!));
  });

  it('finds the examples', () => {
    for (const example of ['anomaly', 'handler-kernels', 'pagerank', 'streaming-pipeline', 'vector-add'])
      assert.ok(examples.includes(example), `examples/${example}/main.ts is missing`);
  });

  for (const example of examples) {
    it(`${example}: --help prints the usage and exits 0`, () => {
      const run = result(example, ['--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: npm run example:${example} --`));
      assert.match(run.stdout, /--help/);
      assert.equal(run.stderr, '');
    });

    it(`${example}: an unknown flag or a stray argument is one line and exit 2`, () => {
      assertOneLineUsageError(result(example, ['--no-such-flag']), /unknown option '--no-such-flag'/);
      assertOneLineUsageError(result(example, ['stray-argument']), /unexpected argument 'stray-argument'/);
    });
  }

  it('a bad value is a usage error that names the flag', () => {
    assertOneLineUsageError(
      result('anomaly', ['--backend', 'quantum']),
      /--backend must be cpu, webgpu or auto/,
    );
    assertOneLineUsageError(result('pagerank', ['--nodes', 'many']), /--nodes must be an integer >= 0/);
    assertOneLineUsageError(
      result('streaming-pipeline', ['--readings', '0']),
      /--readings must be an integer >= 1/,
    );
  });
});

it('the worker-thread example (the README sample) answers from another thread', async () => {
  const run = await runExample('worker-echo', []);
  assert.equal(run.code, 0, run.stderr);
  const match = /'hello' echoed by thread (\d+) \(main thread is (\d+)\)/.exec(run.stdout);
  assert.ok(match !== null, run.stdout);
  assert.notEqual(match[1], match[2]);
  assert.match(run.stdout, /'pool' echoed by pool thread [1-9]\d*/);
});

it("the README's worker sample is examples/worker-echo's messages.ts and echo-kernel.ts, verbatim", async () => {
  const readme = await readFile(`${root}README.md`, 'utf8');
  for (const file of ['messages.ts', 'echo-kernel.ts']) {
    const source = await readFile(`${root}examples/worker-echo/${file}`, 'utf8');
    const withoutHeader = source.replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
    assert.ok(readme.includes(`// ${file}\n${withoutHeader}`), `README does not show ${file} as it is`);
  }
});
