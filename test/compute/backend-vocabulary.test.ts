import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  cpuBackend,
  createBackend,
  getAccelerator,
  webgpuBackend,
  type AcceleratorInfo,
  type BackendFactory,
  type ComputeBackend,
  type DeviceScope,
  type GpuCandidate,
} from '../../src/compute/index.js';

const run = promisify(execFile);

/** A factory that reports one device and records what it was asked for. */
function fakeFactory(kind: 'webgpu' | 'cpu', software: boolean, priority = 10) {
  const calls: { discover: (DeviceScope | undefined)[]; create: (DeviceScope | undefined)[] } = {
    discover: [],
    create: [],
  };
  const info = (scope?: DeviceScope): AcceleratorInfo => ({
    backend: kind,
    name: software ? 'llvmpipe (fake)' : 'Fake RTX',
    vendor: 'fake',
    architecture: 'fake',
    available: !(scope?.hardwareOnly === true && software),
    software,
    ...(scope?.hardwareOnly === true && software ? { reason: 'only a software adapter' } : {}),
    limits: {
      maxWorkgroupsPerDimension: 1,
      maxWorkgroupInvocations: 1,
      maxStorageBufferBindingSize: 1,
      maxBufferSize: 1,
      minStorageBufferOffsetAlignment: 1,
      maxStorageBuffersPerStage: 1,
      maxWorkgroupStorageSize: 1,
    },
    features: [],
    details: {},
  });
  const factory: BackendFactory = {
    kind,
    priority,
    discover(scope) {
      calls.discover.push(scope);
      return Promise.resolve([info(scope)]);
    },
    create(scope) {
      calls.create.push(scope);
      if (scope?.hardwareOnly === true && software) return Promise.reject(new Error('software only'));
      return Promise.resolve({ kind, accelerator: info(scope) } as unknown as ComputeBackend);
    },
  };
  return { factory, calls };
}

test("'auto' passes over a software GPU and picks the CPU; naming 'webgpu' still gets it", async () => {
  const software = fakeFactory('webgpu', true);
  const factories = [software.factory, cpuBackend()];
  assert.equal((await createBackend({ backend: 'auto', factories })).kind, 'cpu');
  assert.equal((await getAccelerator({ backend: 'auto', factories })).backend, 'cpu');
  assert.ok(software.calls.discover.every((scope) => scope?.hardwareOnly === true));
  assert.deepEqual(software.calls.create, [], 'auto never created the software GPU');
  const named = await createBackend({ backend: 'webgpu', factories });
  assert.equal(named.kind, 'webgpu');
  assert.equal(named.accelerator.software, true);
});

test("'auto' picks a hardware GPU over the CPU", async () => {
  const hardware = fakeFactory('webgpu', false);
  const factories = [cpuBackend(), hardware.factory];
  assert.equal((await createBackend({ backend: 'auto', factories })).kind, 'webgpu');
  const device = await getAccelerator({ backend: 'auto', factories });
  assert.equal(device.backend, 'webgpu');
  assert.equal(device.software, false);
});

test("'auto' falls back to a software GPU when it is the only backend", async () => {
  const software = fakeFactory('webgpu', true);
  const backend = await createBackend({ backend: 'auto', factories: [software.factory] });
  assert.equal(backend.kind, 'webgpu');
  assert.deepEqual(software.calls.create, [{}]);
});

test('naming the CPU never probes the GPU backend', async () => {
  const gpu = fakeFactory('webgpu', false);
  const factories = [gpu.factory, cpuBackend()];
  assert.equal((await getAccelerator({ backend: 'cpu', factories })).backend, 'cpu');
  assert.equal((await createBackend({ backend: 'cpu', factories })).kind, 'cpu');
  assert.deepEqual(gpu.calls.discover, []);
  assert.deepEqual(gpu.calls.create, []);
});

test("the old 'best' and unknown names are refused with the accepted vocabulary", async () => {
  for (const backend of ['best', 'gpu', '']) {
    await assert.rejects(
      // @ts-expect-error: not a backend name
      createBackend({ backend, factories: [cpuBackend()] }),
      (error: unknown) =>
        error instanceof InvalidArgumentError && /backend must be one of 'auto', 'cpu'/.test(error.message),
    );
  }
});

/** A WebGPU entry point whose only adapter is Mesa's llvmpipe, as Dawn reports it. */
const llvmpipe: GpuCandidate = {
  gpu: {
    requestAdapter: () =>
      Promise.resolve({
        info: {
          description: 'llvmpipe (LLVM 15.0.6, 256 bits)',
          vendor: 'mesa',
          architecture: '',
          device: '',
        },
        features: new Set<string>(),
        limits: {
          maxComputeWorkgroupsPerDimension: 65535,
          maxComputeInvocationsPerWorkgroup: 256,
          maxStorageBufferBindingSize: 1 << 27,
          maxBufferSize: 1 << 28,
          minStorageBufferOffsetAlignment: 256,
          maxStorageBuffersPerShaderStage: 8,
          maxComputeWorkgroupStorageSize: 16384,
        },
      }),
  } as unknown as GPU,
  adapterOptions: {},
  label: 'fake dawn',
};

test('the WebGPU factory marks a software adapter and hides it from a hardware-only probe', async () => {
  const factory = webgpuBackend({ loadGPU: () => Promise.resolve([llvmpipe]) });
  const [listed] = await factory.discover();
  assert.equal(listed?.available, true);
  assert.equal(listed?.software, true);
  const [hardware] = await factory.discover({ hardwareOnly: true });
  assert.equal(hardware?.available, false);
  assert.match(hardware?.reason ?? '', /only a software adapter \(llvmpipe/);
  await assert.rejects(factory.create({ hardwareOnly: true }), /only a software adapter/);
});

test("choosing 'auto' or 'cpu' prints no Dawn driver warnings (Mesa's GL path is never probed)", async () => {
  const script = `
    import { createBackend, getAccelerator } from './src/compute/index.ts';
    const cpu = await createBackend({ backend: 'cpu' });
    const auto = await createBackend({ backend: 'auto' });
    const device = await getAccelerator({ backend: 'auto' });
    console.log(cpu.kind, auto.kind, device.software);
    process.exit(0);
  `;
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: new URL('../../', import.meta.url),
    },
  );
  assert.match(stdout, /^cpu (cpu|webgpu) false$/m);
  assert.doesNotMatch(stderr, /artificially reduced|Warning:/);
});
