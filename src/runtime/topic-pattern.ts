import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * Compiles a topic pattern into a matcher. Topics are dot-separated segments (`sensors.room1.temp`);
 * in patterns `*` matches exactly one segment and `#` matches zero or more (`sensors.#`).
 *
 * @example
 * ```ts
 * topicMatcher('sensors.*')('sensors.temp');     // true
 * topicMatcher('sensors.#')('sensors.a.b.c');    // true
 * ```
 */
export function topicMatcher(pattern: string): (topic: string) => boolean {
  checkTopic(pattern, 'topic pattern', true);
  const segments = pattern.split('.');
  if (!segments.includes('*') && !segments.includes('#')) return (topic) => topic === pattern;
  return (topic) => matchSegments(segments, 0, topic.split('.'), 0);
}

function matchSegments(pattern: readonly string[], p: number, topic: readonly string[], t: number): boolean {
  for (;;) {
    if (p === pattern.length) return t === topic.length;
    const segment = pattern[p]!;
    if (segment === '#') {
      if (p === pattern.length - 1) return true;
      for (let skip = t; skip <= topic.length; skip++)
        if (matchSegments(pattern, p + 1, topic, skip)) return true;
      return false;
    }
    if (t === topic.length) return false;
    if (segment !== '*' && segment !== topic[t]) return false;
    p++;
    t++;
  }
}

/** Throws `InvalidArgumentError` unless `value` is a well-formed topic (or pattern). */
export function checkTopic(value: unknown, what = 'topic', wildcards = false): string {
  if (typeof value === 'string' && value.length > 0) {
    const segments = value.split('.');
    const bad = segments.find((segment) =>
      segment.length === 0
        ? true
        : wildcards
          ? /[*#]/.test(segment) && segment.length > 1
          : /[*#]/.test(segment),
    );
    if (bad === undefined) return value;
  }
  throw new InvalidArgumentError(
    `${what} must be dot-separated non-empty segments${
      wildcards ? " (a segment may be '*' for one segment or '#' for any number)" : ' without wildcards'
    }; got ${describeValue(value)}`,
  );
}
