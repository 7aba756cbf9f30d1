import { InvalidArgumentError, describeValue } from '../errors.js';

/** Dimensions of a buffer, outermost first. A bare number means a 1-D shape. */
export type Shape = number | readonly number[];

/** Normalises and validates a shape (non-negative safe integers, at least one dimension). */
export function normalizeShape(shape: Shape): readonly number[] {
  const dims = typeof shape === 'number' ? [shape] : [...shape];
  if (dims.length === 0) throw new InvalidArgumentError('shape needs at least one dimension; got []');
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0)
      throw new InvalidArgumentError(
        `shape dimensions must be non-negative integers; got ${describeValue(dim)} in [${dims.join(', ')}]`,
      );
  }
  return Object.freeze(dims);
}

/** Number of elements in a normalised shape. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** `[2, 3]` → `"[2, 3]"` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
