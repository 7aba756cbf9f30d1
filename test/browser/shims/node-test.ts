/**
 * `node:test` for a browser page: the `describe` / `test` / `it` / `before` / `after` subset the
 * shared suites use (with `t.test` subtests and `{ skip }`). Tests register as in Node, then
 * {@link runRegisteredTests} runs them in order and returns one result per test.
 */
export interface TestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly skipped: boolean;
  readonly error?: string;
  readonly ms: number;
}

type Body = (context: TestContext) => unknown;
interface Options {
  readonly skip?: string | boolean;
}

interface Suite {
  readonly name: string;
  readonly skip: string | boolean;
  readonly children: (Suite | Case)[];
  readonly before: (() => unknown)[];
  readonly after: (() => unknown)[];
}
interface Case {
  readonly name: string;
  readonly skip: string | boolean;
  readonly body: Body;
}

const rootSuite: Suite = { name: '', skip: false, children: [], before: [], after: [] };
let current = rootSuite;

function split(a: unknown, b: unknown): { options: Options; fn: unknown } {
  return typeof a === 'function' ? { options: {}, fn: a } : { options: a ?? {}, fn: b };
}

export function describe(name: string, a?: unknown, b?: unknown): void {
  const { options, fn } = split(a, b);
  const suite: Suite = { name, skip: options.skip ?? false, children: [], before: [], after: [] };
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    (fn as () => void)();
  } finally {
    current = parent;
  }
}

export function test(name: string, a?: unknown, b?: unknown): void {
  const { options, fn } = split(a, b);
  current.children.push({ name, skip: options.skip ?? false, body: (fn ?? (() => {})) as Body });
}

export const it = test;
export const suite = describe;

export function before(fn: () => unknown): void {
  current.before.push(fn);
}
export function after(fn: () => unknown): void {
  current.after.push(fn);
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}

export class TestContext {
  readonly #prefix: string;
  readonly #results: TestResult[];
  constructor(prefix: string, results: TestResult[]) {
    this.#prefix = prefix;
    this.#results = results;
  }
  async test(name: string, a?: unknown, b?: unknown): Promise<void> {
    const { options, fn } = split(a, b);
    await runCase(`${this.#prefix} > ${name}`, options.skip ?? false, fn as Body, this.#results);
  }
}

async function runCase(
  name: string,
  skip: string | boolean,
  body: Body,
  results: TestResult[],
): Promise<void> {
  if (skip !== false) {
    results.push({ name, ok: true, skipped: true, ms: 0 });
    return;
  }
  const start = performance.now();
  try {
    await body(new TestContext(name, results));
    results.push({ name, ok: true, skipped: false, ms: performance.now() - start });
  } catch (error) {
    results.push({ name, ok: false, skipped: false, error: message(error), ms: performance.now() - start });
  }
}

async function runSuite(suite: Suite, prefix: string, results: TestResult[]): Promise<void> {
  const name = (child: { name: string }) => (prefix === '' ? child.name : `${prefix} > ${child.name}`);
  if (suite.skip !== false) {
    results.push({ name: prefix, ok: true, skipped: true, ms: 0 });
    return;
  }
  try {
    for (const hook of suite.before) await hook();
  } catch (error) {
    results.push({ name: `${prefix} (before)`, ok: false, skipped: false, error: message(error), ms: 0 });
    return;
  }
  for (const child of suite.children) {
    if ('body' in child) await runCase(name(child), child.skip, child.body, results);
    else await runSuite(child, name(child), results);
  }
  for (const hook of suite.after) {
    try {
      await hook();
    } catch (error) {
      results.push({ name: `${prefix} (after)`, ok: false, skipped: false, error: message(error), ms: 0 });
    }
  }
}

/** Runs every test registered so far (then forgets them) and returns the results. */
export async function runRegisteredTests(): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const suiteToRun = { ...rootSuite, children: rootSuite.children.splice(0) };
  await runSuite(suiteToRun, '', results);
  return results;
}

export default { describe, test, it, before, after, suite };
