/** The graph's edges on the host, kept so edits can rebuild the CSR. Grows by doubling. */
export class EdgeList {
  nodeCount: number;
  #sources: Uint32Array;
  #targets: Uint32Array;
  #count: number;

  constructor(nodeCount: number, sources: Uint32Array, targets: Uint32Array) {
    this.nodeCount = nodeCount;
    this.#sources = sources.slice();
    this.#targets = targets.slice();
    this.#count = sources.length;
  }

  get count(): number {
    return this.#count;
  }

  get sources(): Uint32Array {
    return this.#sources.subarray(0, this.#count);
  }

  get targets(): Uint32Array {
    return this.#targets.subarray(0, this.#count);
  }

  /** Removes one occurrence of each `sources[i] → targets[i]`; returns how many were found. */
  remove(sources: Uint32Array, targets: Uint32Array): number {
    if (sources.length === 0) return 0;
    const wanted = new Map<string, number>();
    // Most edges fail this cheap test, so only candidates pay for a string key.
    const wantedSources = new Set<number>(sources);
    for (let index = 0; index < sources.length; index++) {
      const key = `${sources[index]},${targets[index]}`;
      wanted.set(key, (wanted.get(key) ?? 0) + 1);
    }
    let kept = 0;
    let removed = 0;
    const edgeSources = this.#sources;
    const edgeTargets = this.#targets;
    for (let edge = 0; edge < this.#count; edge++) {
      const source = edgeSources[edge]!;
      const target = edgeTargets[edge]!;
      if (wantedSources.has(source)) {
        const key = `${source},${target}`;
        const left = wanted.get(key);
        if (left !== undefined && left > 0) {
          wanted.set(key, left - 1);
          removed++;
          continue;
        }
      }
      edgeSources[kept] = source;
      edgeTargets[kept] = target;
      kept++;
    }
    this.#count = kept;
    return removed;
  }

  add(sources: Uint32Array, targets: Uint32Array): void {
    const needed = this.#count + sources.length;
    if (needed > this.#sources.length) {
      const capacity = Math.max(needed, this.#sources.length * 2, 16);
      const grownSources = new Uint32Array(capacity);
      const grownTargets = new Uint32Array(capacity);
      grownSources.set(this.sources);
      grownTargets.set(this.targets);
      this.#sources = grownSources;
      this.#targets = grownTargets;
    }
    this.#sources.set(sources, this.#count);
    this.#targets.set(targets, this.#count);
    this.#count = needed;
  }
}
