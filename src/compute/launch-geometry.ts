import { LaunchGeometryError } from './errors.js';

/**
 * Work-groups to dispatch for `workSize` items with `workgroupSize` threads per group, within
 * `maxPerDimension` groups per dimension (65,535 on WebGPU). A 1-D launch that needs more groups
 * is folded into `[x, y]`; the kernel recovers its index with `linear_index` and must
 * bounds-check it (the fold may add up to `x - 1` idle groups).
 *
 * @example
 * ```ts
 * dispatchSize([16_777_216], [256], 65_535); // [32768, 2, 1]
 * ```
 */
export function dispatchSize(
  workSize: readonly number[],
  workgroupSize: readonly number[],
  maxPerDimension: number,
): [number, number, number] {
  if (workSize.length !== workgroupSize.length)
    throw new LaunchGeometryError(
      `workSize has ${workSize.length} dimensions but the workgroup size has ${workgroupSize.length}`,
    );
  for (const items of workSize)
    if (!Number.isSafeInteger(items) || items < 0)
      throw new LaunchGeometryError(`workSize must hold non-negative integers; got [${workSize.join(', ')}]`);
  if (workSize.length === 1) {
    const groups = Math.ceil((workSize[0] ?? 0) / (workgroupSize[0] ?? 1));
    if (groups <= maxPerDimension) return [groups, 1, 1];
    const rows = Math.ceil(groups / maxPerDimension);
    if (rows > maxPerDimension)
      throw new LaunchGeometryError(
        `${workSize[0]} work items need ${groups} work-groups, more than ${maxPerDimension}² in two dimensions; split the launch`,
      );
    return [Math.ceil(groups / rows), rows, 1];
  }
  const x = Math.ceil((workSize[0] ?? 0) / (workgroupSize[0] ?? 1));
  const y = Math.ceil((workSize[1] ?? 0) / (workgroupSize[1] ?? 1));
  if (x > maxPerDimension || y > maxPerDimension)
    throw new LaunchGeometryError(
      `a ${workSize.join('×')} launch needs ${x}×${y} work-groups; the device allows ${maxPerDimension} per dimension`,
    );
  return [x, y, 1];
}
