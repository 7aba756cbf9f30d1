import { WebgpuBackend } from '../../compute/index.js';
import { RingKernelError } from '../../errors.js';
import type { Message } from '../../messages/index.js';
import {
  type KernelDefinition,
  type KernelExecution,
  type KernelOptions,
  type KernelPort,
  isStopping,
} from '../../runtime/index.js';
import { checkKernelOptions } from '../../runtime/ring-kernel.js';
import { resolveKernelBackend, type KernelBackendOption } from '../backend-selection.js';
import { GpuKernelDefinitionError, GpuKernelInputError } from '../errors.js';
import { buildCsrGraph, type CsrGraph } from './csr-graph.js';
import { CpuPageRankSolver } from './cpu-pagerank-solver.js';
import { EdgeList } from './edge-list.js';
import {
  PageRankEdgeUpdate,
  PageRankGraph,
  PageRankGraphInfo,
  PageRankQuery,
  PageRankRanks,
} from './pagerank-messages.js';
import type { PageRankSettings, PageRankSolveOutcome, PageRankSolver } from './pagerank-solver.js';
import { WebgpuPageRankSolver } from './webgpu-pagerank-solver.js';

/** Options of {@link pageRankKernel}. */
export interface PageRankKernelOptions extends KernelOptions {
  /** Default 0.85. */
  readonly damping?: number;
  /** L∞ change per iteration under which a solve stops. Default 1e-10 (float32 devices stop at 1e-6 / N). */
  readonly tolerance?: number;
  /** Default 200. */
  readonly maxIterations?: number;
  /** Where the graph lives. Default `'cpu'`. */
  readonly backend?: KernelBackendOption;
}

/**
 * A PageRank ring kernel that keeps its graph (CSR by target) and ranks on the device across
 * requests. Send a `PageRankGraph` to load a graph, `PageRankEdgeUpdate`s to edit it, and
 * `PageRankQuery`s for ranks; each gets one reply (`PageRankGraphInfo` or `PageRankRanks`), with
 * `error` set instead of a silent drop when the request is malformed.
 *
 * Ranks are computed lazily: a query after a load or an edit runs power iteration on the device,
 * starting from the previous ranks when the node count is unchanged (an edit typically converges in
 * a few iterations); queries on an unchanged graph are answered from the device-resident ranks.
 *
 * Dangling nodes (no out-edges) redistribute their rank evenly over all nodes, as if they linked to
 * every node: `rank'[v] = (1 − d)/N + d·(Σ_{u→v} rank[u]/outDegree[u] + D/N)` with D the dangling
 * nodes' total rank, so the ranks always sum to 1. Duplicate edges count as separate links.
 *
 * @example
 * ```ts
 * await runtime.launch('pagerank', pageRankKernel({ backend: 'auto' }));
 * await runtime.activate('pagerank');
 * await runtime.request('pagerank', PageRankGraph.create({ nodeCount: 3, sources: [0, 1, 2, 2, 0], targets: [1, 2, 0, 1, 2] }));
 * const { ranks } = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({}));
 * ```
 */
export function pageRankKernel(options: PageRankKernelOptions = {}): KernelDefinition<Message, Message> {
  const checked = checkKernelOptions({ ...options, kernelId: options.kernelId ?? 'pagerank' });
  const settings: PageRankSettings = {
    damping: options.damping ?? 0.85,
    tolerance: options.tolerance ?? 1e-10,
    maxIterations: options.maxIterations ?? 200,
  };
  if (!(settings.damping > 0 && settings.damping < 1))
    throw new GpuKernelDefinitionError(
      checked.kernelId,
      `damping must be in (0, 1), got ${settings.damping}`,
    );
  if (!(settings.tolerance >= 0))
    throw new GpuKernelDefinitionError(checked.kernelId, `tolerance must be >= 0, got ${settings.tolerance}`);
  if (!Number.isSafeInteger(settings.maxIterations) || settings.maxIterations < 1)
    throw new GpuKernelDefinitionError(checked.kernelId, `maxIterations must be a positive integer`);
  const backendOption = options.backend ?? 'cpu';
  return {
    kernelId: checked.kernelId,
    options: checked,
    async start(port: KernelPort): Promise<KernelExecution> {
      const { backend, owned } = await resolveKernelBackend(backendOption);
      let solver: PageRankSolver;
      try {
        solver =
          backend instanceof WebgpuBackend
            ? await WebgpuPageRankSolver.create(port.kernelId, backend)
            : new CpuPageRankSolver(backend);
      } catch (error) {
        if (owned) backend.dispose();
        throw error;
      }
      const finished = new PageRankService(port, solver, settings).serve().finally(() => {
        solver.dispose();
        if (owned) backend.dispose();
      });
      return { finished };
    },
  };
}

class PageRankService {
  readonly #port: KernelPort;
  readonly #solver: PageRankSolver;
  readonly #settings: PageRankSettings;
  #edges: EdgeList | undefined;
  #stale = false;
  #lastSolve: PageRankSolveOutcome | undefined;

  constructor(port: KernelPort, solver: PageRankSolver, settings: PageRankSettings) {
    this.#port = port;
    this.#solver = solver;
    this.#settings = settings;
  }

  async serve(): Promise<void> {
    const port = this.#port;
    const takeOptions = { signal: port.signal };
    while (!isStopping(port.state)) {
      let request: Message;
      try {
        request = await port.input.take(takeOptions);
      } catch (error) {
        if (port.signal.aborted) return;
        throw error;
      }
      const takenAt = performance.now();
      const reply = await this.#handle(request);
      if (reply !== undefined) await port.emit(reply);
      const now = performance.now();
      if (port.timing) port.telemetry.recordProcessed(1, now - takenAt, now);
      else port.telemetry.processed++;
      if (port.inspector?.watchingMessages === true) {
        port.inspector.processed(port.kernelId, 1, port.timing ? now - takenAt : undefined);
      }
    }
  }

  async #handle(request: Message): Promise<Message | undefined> {
    try {
      if (PageRankGraph.is(request)) return await this.#load(request);
      if (PageRankEdgeUpdate.is(request)) return await this.#edit(request);
      if (PageRankQuery.is(request)) return await this.#query(request);
      this.#port.reportError(
        new GpuKernelInputError(
          this.#port.kernelId,
          'it takes PageRankGraph, PageRankEdgeUpdate and PageRankQuery messages',
        ),
      );
      return undefined;
    } catch (error) {
      // Malformed requests get an answer saying why (the Python port dropped them silently).
      if (!(error instanceof RingKernelError)) throw error;
      this.#port.reportError(error);
      if (PageRankQuery.is(request))
        return PageRankRanks.reply(request, {
          nodes: [],
          ranks: [],
          iterations: 0,
          converged: false,
          residual: 0,
          error: error.message,
        });
      return PageRankGraphInfo.reply(request, {
        nodeCount: this.#edges?.nodeCount ?? 0,
        edgeCount: this.#edges?.count ?? 0,
        error: error.message,
      });
    }
  }

  async #load(request: PageRankGraph): Promise<Message> {
    const graph = buildCsrGraph(this.#port.kernelId, request.nodeCount, request.sources, request.targets);
    await this.#upload(graph);
    this.#edges = new EdgeList(request.nodeCount, request.sources, request.targets);
    this.#stale = true;
    return PageRankGraphInfo.reply(request, { nodeCount: graph.nodeCount, edgeCount: graph.edgeCount });
  }

  async #edit(request: PageRankEdgeUpdate): Promise<Message> {
    const edges = this.#edges;
    const kernelId = this.#port.kernelId;
    if (edges === undefined)
      throw new GpuKernelInputError(kernelId, 'no graph yet; send a PageRankGraph first');
    const nodeCount = Math.max(edges.nodeCount, request.nodeCount);
    if (
      request.addSources.length !== request.addTargets.length ||
      request.removeSources.length !== request.removeTargets.length
    )
      throw new GpuKernelInputError(
        kernelId,
        'give one target per source in addSources/addTargets and removeSources/removeTargets',
      );
    for (let index = 0; index < request.addSources.length; index++)
      if (request.addSources[index]! >= nodeCount || request.addTargets[index]! >= nodeCount)
        throw new GpuKernelInputError(
          kernelId,
          `added edge ${request.addSources[index]} → ${request.addTargets[index]} names a node outside 0..${nodeCount - 1}; raise nodeCount`,
        );
    const removed = edges.remove(request.removeSources, request.removeTargets);
    edges.add(request.addSources, request.addTargets);
    edges.nodeCount = nodeCount;
    const graph = buildCsrGraph(kernelId, nodeCount, edges.sources, edges.targets);
    await this.#upload(graph);
    this.#stale = true;
    return PageRankGraphInfo.reply(request, { nodeCount, edgeCount: graph.edgeCount, removed });
  }

  /** Puts the graph on the device; the upload counts as a device batch. */
  async #upload(graph: CsrGraph): Promise<void> {
    const started = performance.now();
    const { bytesToDevice } = await this.#solver.load(graph);
    this.#port.telemetry.recordDeviceBatch(
      this.#solver.backendKind,
      1,
      performance.now() - started,
      bytesToDevice,
      0,
    );
  }

  async #query(request: PageRankQuery): Promise<Message> {
    const edges = this.#edges;
    if (edges === undefined)
      throw new GpuKernelInputError(this.#port.kernelId, 'no graph yet; send a PageRankGraph first');
    let iterations = 0;
    if (this.#stale) {
      const outcome = await this.#solver.solve(this.#settings);
      this.#port.telemetry.recordDeviceBatch(
        this.#solver.backendKind,
        1,
        outcome.deviceMs,
        outcome.bytesToDevice,
        outcome.bytesFromDevice,
      );
      this.#lastSolve = outcome;
      this.#stale = false;
      iterations = outcome.iterations;
    }
    const all = await this.#solver.ranks();
    const last = this.#lastSolve!;
    let nodes: Uint32Array;
    if (request.top > 0) nodes = topNodes(all, Math.min(request.top, all.length));
    else if (request.nodes.length > 0) {
      nodes = request.nodes;
      for (const node of nodes)
        if (node >= all.length)
          throw new GpuKernelInputError(this.#port.kernelId, `node ${node} is outside 0..${all.length - 1}`);
    } else nodes = Uint32Array.from({ length: all.length }, (_, index) => index);
    const ranks = new Float64Array(nodes.length);
    for (let index = 0; index < nodes.length; index++) ranks[index] = all[nodes[index]!]!;
    return PageRankRanks.reply(request, {
      nodes,
      ranks,
      iterations,
      converged: last.converged,
      residual: last.residual,
    });
  }
}

/** Indices of the `count` largest ranks, highest first (ties: lower index first). */
function topNodes(ranks: Float64Array, count: number): Uint32Array {
  const chosen: number[] = [];
  for (let node = 0; node < ranks.length; node++) {
    const rank = ranks[node]!;
    if (chosen.length === count && rank <= ranks[chosen[count - 1]!]!) continue;
    let at = chosen.length;
    while (at > 0 && ranks[chosen[at - 1]!]! < rank) at--;
    chosen.splice(at, 0, node);
    if (chosen.length > count) chosen.pop();
  }
  return Uint32Array.from(chosen);
}
