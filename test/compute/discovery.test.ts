import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  BackendUnavailableError,
  cpuBackend,
  createBackend,
  createOrchestrator,
  getAccelerator,
  listAccelerators,
  loadDawnCandidates,
  webgpuBackend,
  type BackendFactory,
  type GpuCandidate,
} from '../../src/compute/index.js';
import { nodeCpuBackend } from '../../src/compute/node.js';
import { probeWebgpu } from './helpers.js';

const dawnMissing = webgpuBackend({
  importModule: () => Promise.reject(new Error("Cannot find package 'webgpu' imported from ringkernel")),
});
const noAdapter = webgpuBackend({
  loadGPU: () =>
    Promise.resolve([
      {
        gpu: { requestAdapter: () => Promise.resolve(null) } as unknown as GPU,
        adapterOptions: {},
        label: 'fake gpu',
      },
    ] satisfies GpuCandidate[]),
});
const adapterThrows = webgpuBackend({
  loadGPU: () =>
    Promise.resolve([
      {
        gpu: { requestAdapter: () => Promise.reject(new Error('driver exploded')) } as unknown as GPU,
        adapterOptions: {},
        label: 'broken gpu',
      },
    ] satisfies GpuCandidate[]),
});

test('discovery with the Dawn package absent reports webgpu unavailable with the reason and never throws', async () => {
  const devices = await listAccelerators({ factories: [dawnMissing, cpuBackend()] });
  const webgpu = devices.find((device) => device.backend === 'webgpu');
  assert.ok(webgpu);
  assert.equal(webgpu.available, false);
  assert.match(webgpu.reason ?? '', /optional 'webgpu' package .*could not be loaded.*Cannot find package/);
  assert.match(webgpu.reason ?? '', /npm install webgpu/);
  const cpu = devices.find((device) => device.backend === 'cpu');
  assert.equal(cpu?.available, true);
  assert.equal(cpu?.name, 'CPU');
});

test('discovery reports a missing adapter and a throwing driver as reasons', async () => {
  const [none] = await noAdapter.discover();
  assert.equal(none?.available, false);
  assert.match(none?.reason ?? '', /no WebGPU adapter found \(fake gpu: no adapter\)/);
  const [broken] = await adapterThrows.discover();
  assert.equal(broken?.available, false);
  assert.match(broken?.reason ?? '', /broken gpu: driver exploded/);
});

test('a factory whose discover() throws still yields an unavailable entry', async () => {
  const rogue: BackendFactory = {
    kind: 'rogue',
    priority: 5,
    discover: () => Promise.reject(new Error('boom')),
    create: () => Promise.reject(new Error('boom')),
  };
  const devices = await listAccelerators({ factories: [rogue, cpuBackend()] });
  assert.deepEqual(
    devices.map((device) => [device.backend, device.available]),
    [
      ['rogue', false],
      ['cpu', true],
    ],
  );
  assert.match(devices[0]?.reason ?? '', /discovery failed: boom/);
});

test("getAccelerator('auto') falls back to the CPU when WebGPU is unavailable", async () => {
  const device = await getAccelerator({ backend: 'auto', factories: [dawnMissing, cpuBackend()] });
  assert.equal(device.backend, 'cpu');
  assert.equal(device.available, true);
});

test("getAccelerator('webgpu') without Dawn resolves to an unavailable entry with reasons", async () => {
  const device = await getAccelerator({ backend: 'webgpu', factories: [dawnMissing, cpuBackend()] });
  assert.equal(device.available, false);
  assert.match(device.reason ?? '', /^webgpu: .*Cannot find package/);
});

test('createBackend: a named unavailable backend throws BackendUnavailableError, auto falls back', async () => {
  await assert.rejects(
    createBackend({ backend: 'webgpu', factories: [noAdapter, cpuBackend()] }),
    (error) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.equal(error.code, 'BACKEND_UNAVAILABLE');
      assert.match(error.message, /no WebGPU adapter/);
      return true;
    },
  );
  const backend = await createBackend({ backend: 'auto', factories: [noAdapter, cpuBackend()] });
  assert.equal(backend.kind, 'cpu');
  const compute = await createOrchestrator({ backend: 'auto', factories: [dawnMissing, cpuBackend()] });
  assert.equal(compute.backend.kind, 'cpu');
  compute.dispose();
  await assert.rejects(createBackend({ backend: 'cpu', factories: [noAdapter] }), BackendUnavailableError);
});

test('an unknown backend name is an InvalidArgumentError', async () => {
  await assert.rejects(getAccelerator({ backend: 'cuda' as 'cpu' }), InvalidArgumentError);
  await assert.rejects(createBackend({ backend: 'tpu' as 'cpu' }), InvalidArgumentError);
});

test('the Dawn loader honours an explicit backend flag and sets EGL_PLATFORM', async () => {
  const created: string[][] = [];
  const fakeModule = {
    create: (flags: string[]) => {
      created.push(flags);
      return { requestAdapter: () => Promise.resolve(null) };
    },
  };
  const candidates = await loadDawnCandidates({
    backend: 'vulkan-test',
    importModule: () => Promise.resolve(fakeModule),
  });
  assert.deepEqual(
    candidates.map((candidate) => candidate.label),
    ['dawn backend=vulkan-test'],
  );
  assert.deepEqual(created, [['backend=vulkan-test']]);
  assert.ok(process.env.EGL_PLATFORM !== undefined);
  const defaults = await loadDawnCandidates({ importModule: () => Promise.resolve(fakeModule) });
  assert.equal(defaults.length, 2, 'without a choice both the software and the default path are tried');
});

test('an orchestrator given a backend instance does not dispose it; one given a choice does', async () => {
  const backend = await cpuBackend().create();
  let disposed = 0;
  const tracked = Object.assign(Object.create(backend) as typeof backend, {
    dispose: () => {
      disposed++;
    },
  });
  const borrowed = await createOrchestrator({ backend: tracked });
  assert.equal(borrowed.backend, tracked);
  borrowed.dispose();
  assert.equal(disposed, 0);
});

test('RINGKERNEL_WEBGPU_BACKEND picks the Dawn backend when no option is given', async () => {
  const fakeModule = { create: () => ({ requestAdapter: () => Promise.resolve(null) }) };
  const saved = process.env.RINGKERNEL_WEBGPU_BACKEND;
  process.env.RINGKERNEL_WEBGPU_BACKEND = 'd3d12';
  try {
    const candidates = await loadDawnCandidates({ importModule: () => Promise.resolve(fakeModule) });
    assert.deepEqual(
      candidates.map((candidate) => candidate.label),
      ['dawn backend=d3d12'],
    );
  } finally {
    if (saved === undefined) delete process.env.RINGKERNEL_WEBGPU_BACKEND;
    else process.env.RINGKERNEL_WEBGPU_BACKEND = saved;
  }
});

test('the Node CPU factory reports the host memory and cores', async () => {
  const [cpu] = await nodeCpuBackend().discover();
  assert.ok(cpu);
  assert.equal(cpu.backend, 'cpu');
  assert.ok((cpu.memoryBytes ?? 0) > 0);
  assert.ok(Number(cpu.details.logicalCores) >= 1);
  assert.match(cpu.name, /^CPU/);
});

const { factory: webgpu, skipReason } = await probeWebgpu();

test(
  'default discovery lists the CPU and, here, a WebGPU adapter with limits',
  { skip: skipReason ?? false },
  async () => {
    const devices = await listAccelerators();
    assert.equal(devices[0]?.backend, 'webgpu', 'WebGPU has the higher priority');
    const gpu = devices.find((device) => device.backend === 'webgpu' && device.available);
    assert.ok(gpu);
    assert.ok(gpu.limits.maxWorkgroupsPerDimension >= 65535);
    assert.ok(gpu.limits.maxStorageBufferBindingSize >= 128 * 1024 * 1024);
    assert.ok(gpu.name.length > 0);
    assert.ok(devices.some((device) => device.backend === 'cpu' && device.available));
    const chosen = await getAccelerator();
    assert.equal(chosen.backend, gpu.software ? 'cpu' : 'webgpu', "'auto' takes a hardware GPU only");
    assert.ok(webgpu);
  },
);
