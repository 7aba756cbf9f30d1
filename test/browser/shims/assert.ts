/**
 * `node:assert/strict` for a browser page: the subset the shared suites use, with Node's strict
 * semantics (Object.is for equal, structural deep equality with prototypes and typed arrays).
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

function show(value: unknown): string {
  try {
    return typeof value === 'string'
      ? JSON.stringify(value)
      : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value));
  } catch {
    return String(value);
  }
}

function fail(text?: string | Error): never {
  if (text instanceof Error) throw text;
  throw new AssertionError(text ?? 'Failed');
}

function isDeepEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return b instanceof RegExp && a.source === b.source && a.flags === b.flags;
  if (ArrayBuffer.isView(a)) {
    const left = a as unknown as ArrayLike<unknown>;
    const right = b as unknown as ArrayLike<unknown>;
    if (left.length !== right.length) return false;
    for (let i = 0; i < left.length; i++) if (!Object.is(left[i], right[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    if (a.size !== other.size) return false;
    for (const [key, value] of a)
      if (!other.has(key) || !isDeepEqual(value, other.get(key), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    const other = b as Set<unknown>;
    if (a.size !== other.size) return false;
    for (const value of a) if (!other.has(value)) return false;
    return true;
  }
  if (a instanceof Error && (a.message !== (b as Error).message || a.name !== (b as Error).name))
    return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!isDeepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], seen))
      return false;
  }
  return true;
}

type Validator = RegExp | ((error: unknown) => unknown) | (new (...args: never[]) => unknown) | object;

function check(error: unknown, validator: Validator | undefined, text?: string): void {
  if (validator === undefined) return;
  if (validator instanceof RegExp) {
    const subject = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (!validator.test(subject) && !(error instanceof Error && validator.test(error.message)))
      fail(text ?? `the error ${show(subject)} does not match ${String(validator)}`);
    return;
  }
  if (typeof validator === 'function') {
    if (validator.prototype !== undefined && (validator === Error || validator.prototype instanceof Error)) {
      if (!(error instanceof (validator as new () => Error)))
        fail(
          text ??
            `expected a ${validator.name}, got ${error instanceof Error ? error.name : show(error)}: ${String(error)}`,
        );
      return;
    }
    if ((validator as (error: unknown) => unknown)(error) !== true)
      fail(text ?? `the error validation function did not return true for ${String(error)}`);
    return;
  }
  for (const [key, value] of Object.entries(validator)) {
    const actual = (error as Record<string, unknown>)[key];
    if (value instanceof RegExp ? !value.test(String(actual)) : !isDeepEqual(actual, value))
      fail(text ?? `error.${key} is ${show(actual)}, expected ${show(value)}`);
  }
}

function ok(value: unknown, text?: string | Error): asserts value {
  if (!value) fail(text ?? `expected a truthy value, got ${show(value)}`);
}

const assert = Object.assign(ok, {
  ok,
  fail,
  AssertionError,
  equal(actual: unknown, expected: unknown, text?: string | Error): void {
    if (!Object.is(actual, expected)) fail(text ?? `${show(actual)} !== ${show(expected)}`);
  },
  strictEqual(actual: unknown, expected: unknown, text?: string | Error): void {
    if (!Object.is(actual, expected)) fail(text ?? `${show(actual)} !== ${show(expected)}`);
  },
  notEqual(actual: unknown, expected: unknown, text?: string | Error): void {
    if (Object.is(actual, expected)) fail(text ?? `${show(actual)} === ${show(expected)}`);
  },
  deepEqual(actual: unknown, expected: unknown, text?: string | Error): void {
    if (!isDeepEqual(actual, expected))
      fail(text ?? `not deep-equal:\n  actual   ${show(actual)}\n  expected ${show(expected)}`);
  },
  deepStrictEqual(actual: unknown, expected: unknown, text?: string | Error): void {
    if (!isDeepEqual(actual, expected))
      fail(text ?? `not deep-equal:\n  actual   ${show(actual)}\n  expected ${show(expected)}`);
  },
  notDeepEqual(actual: unknown, expected: unknown, text?: string | Error): void {
    if (isDeepEqual(actual, expected)) fail(text ?? `unexpectedly deep-equal: ${show(actual)}`);
  },
  match(actual: string, pattern: RegExp, text?: string | Error): void {
    if (!pattern.test(actual)) fail(text ?? `${show(actual)} does not match ${String(pattern)}`);
  },
  doesNotMatch(actual: string, pattern: RegExp, text?: string | Error): void {
    if (pattern.test(actual)) fail(text ?? `${show(actual)} matches ${String(pattern)}`);
  },
  throws(fn: () => unknown, validator?: Validator, text?: string): void {
    try {
      fn();
    } catch (error) {
      check(error, validator, text);
      return;
    }
    fail(text ?? 'Missing expected exception.');
  },
  doesNotThrow(fn: () => unknown): void {
    fn();
  },
  async rejects(
    subject: Promise<unknown> | (() => Promise<unknown>),
    validator?: Validator,
    text?: string,
  ): Promise<void> {
    try {
      await (typeof subject === 'function' ? subject() : subject);
    } catch (error) {
      check(error, validator, text);
      return;
    }
    fail(text ?? 'Missing expected rejection.');
  },
  async doesNotReject(subject: Promise<unknown> | (() => Promise<unknown>)): Promise<void> {
    await (typeof subject === 'function' ? subject() : subject);
  },
});

export default assert;
