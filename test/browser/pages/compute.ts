/**
 * In-page WebGPU checks on `navigator.gpu`: discovery (a present, a software and a missing
 * adapter), the compute conformance suite, and the flagship GPU ring kernels (anomaly detector,
 * PageRank) giving the CPU backend's answers. Results land in `window.__results`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRegisteredTests } from '../shims/node-test.js';
import { runComputeConformance } from '../../compute/conformance-cases.js';
import {
  PageRankGraph,
  PageRankQuery,
  RingKernelRuntime,
  anomalyDetector,
  browserEnvironment,
  cpuBackend,
  createOrchestrator,
  pageRankKernel,
  randomGraph,
  streamAnomalies,
  syntheticSignal,
  webgpuBackend,
  type ComputeBackend,
  type PageRankRanks,
} from '../../../src/browser/index.js';
import { publishResults } from './publish.js';

const PATIENCE_MS = 60_000;

test('discovery finds the WebGPU adapter behind navigator.gpu and says it is software', async () => {
  const env = await browserEnvironment();
  const gpu = env.accelerators.find((device) => device.backend === 'webgpu');
  assert.ok(gpu, 'discovery lists a webgpu entry');
  assert.equal(gpu.available, true, `webgpu unavailable: ${gpu.reason ?? ''}`);
  assert.equal(gpu.details.entry, 'navigator.gpu');
  // Chromium's --use-webgpu-adapter=swiftshader: a CPU emulation, reported as such.
  assert.equal(
    gpu.software,
    true,
    `${gpu.name} (${gpu.vendor}, ${gpu.architecture}) is SwiftShader: software`,
  );
  assert.ok(env.accelerators.some((device) => device.backend === 'cpu' && device.available));
});

test('without navigator.gpu, discovery reports webgpu unavailable with the reason', async () => {
  const descriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, 'gpu');
  Object.defineProperty(Navigator.prototype, 'gpu', { configurable: true, get: () => undefined });
  try {
    const [info] = await webgpuBackend().discover();
    assert.equal(info?.available, false);
    assert.match(info?.reason ?? '', /navigator\.gpu is missing/);
  } finally {
    if (descriptor !== undefined) Object.defineProperty(Navigator.prototype, 'gpu', descriptor);
  }
});

test('compute conformance on navigator.gpu', async (t) => {
  const compute = await createOrchestrator({ backend: webgpuBackend() });
  try {
    assert.equal(compute.backend.kind, 'webgpu');
    await runComputeConformance(t, compute, 'browser webgpu');
  } finally {
    compute.dispose();
  }
});

async function detect(backend: 'cpu' | 'webgpu', values: Float32Array, batchSize: number) {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('anomaly', anomalyDetector({ batchSize, backend }));
    await runtime.activate('anomaly');
    const result = await streamAnomalies(runtime, 'anomaly', values, { batchSize, timeout: PATIENCE_MS });
    return { result, telemetry: runtime.getTelemetry('anomaly') };
  } finally {
    await runtime.terminateAll();
  }
}

test('gpuRingKernel anomaly detector: WebGPU flags exactly what the CPU backend flags', async () => {
  const signal = syntheticSignal({ points: 12_000, seed: 11 });
  const cpu = await detect('cpu', signal.values, 1000);
  const gpu = await detect('webgpu', signal.values, 1000);
  assert.equal(gpu.telemetry.device?.backend, 'webgpu');
  assert.equal(cpu.telemetry.device?.backend, 'cpu');
  assert.ok(cpu.result.anomalies > 50, `the stream has anomalies (${cpu.result.anomalies})`);
  assert.equal(gpu.result.batches, 12);
  assert.deepEqual(gpu.result.detected, cpu.result.detected);
  assert.ok(
    Math.abs(gpu.result.maxScore - cpu.result.maxScore) <= 1e-3 * cpu.result.maxScore,
    `max |z| ${gpu.result.maxScore} on webgpu, ${cpu.result.maxScore} on cpu`,
  );
});

async function ranks(
  backend: ComputeBackend,
  graph: { nodeCount: number; sources: ArrayLike<number>; targets: ArrayLike<number> },
) {
  const runtime = new RingKernelRuntime();
  try {
    await runtime.launch('pagerank', pageRankKernel({ backend }));
    await runtime.activate('pagerank');
    await runtime.request(
      'pagerank',
      PageRankGraph.create({
        nodeCount: graph.nodeCount,
        sources: Array.from(graph.sources),
        targets: Array.from(graph.targets),
      }),
      { timeout: PATIENCE_MS },
    );
    const all = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({}), {
      timeout: PATIENCE_MS,
    });
    const top = await runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({ top: 5 }), {
      timeout: PATIENCE_MS,
    });
    return { all, top };
  } finally {
    await runtime.terminateAll();
  }
}

test('PageRank kernel: WebGPU ranks match the CPU backend within 1e-6, same top 5', async () => {
  const cpu = await cpuBackend().create();
  const gpu = await webgpuBackend().create();
  try {
    const graph = randomGraph({ nodes: 2000, edges: 12_000, seed: 3 });
    const onCpu = await ranks(cpu, { nodeCount: 2000, sources: graph.sources, targets: graph.targets });
    const onGpu = await ranks(gpu, { nodeCount: 2000, sources: graph.sources, targets: graph.targets });
    assert.equal(onCpu.all.error, '');
    assert.equal(onGpu.all.error, '');
    assert.ok(onGpu.all.converged);
    assert.equal(onGpu.all.ranks.length, 2000);
    let largest = 0;
    for (let node = 0; node < 2000; node++)
      largest = Math.max(largest, Math.abs(onGpu.all.ranks[node]! - onCpu.all.ranks[node]!));
    assert.ok(largest <= 1e-6, `L∞ difference ${largest}`);
    assert.deepEqual([...onGpu.top.nodes], [...onCpu.top.nodes]);
  } finally {
    cpu.dispose();
    gpu.dispose();
  }
});

publishResults(runRegisteredTests());
