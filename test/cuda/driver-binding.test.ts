/**
 * The koffi driver binding and the CUDA device link, end to end against a stand-in libcuda
 * (fixtures/fake-libcuda.c, built here with the C compiler): discovery, device memory, mapped host
 * memory seen as an ArrayBuffer, module load, kernel launch with arguments, and a persistent ring
 * kernel whose "device" is a thread of the stand-in following the region protocol. No GPU needed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MessageOf } from '../../src/messages/index.js';
import type { AddReply as AddReplyType } from './kernels.js';

function buildStandIn(): string | undefined {
  const compiler = ['cc', 'gcc', 'clang'].find((name) => {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (compiler === undefined) return undefined;
  const library = join(mkdtempSync(join(tmpdir(), 'fake-libcuda-')), 'libcuda.so');
  const source = fileURLToPath(new URL('./fixtures/fake-libcuda.c', import.meta.url));
  execFileSync(compiler, ['-shared', '-fPIC', '-O1', '-o', library, source, '-lpthread']);
  return library;
}

// CI installs gcc (.ci/run), so there a missing compiler fails; elsewhere the test skips without one.
const library = process.platform === 'linux' ? buildStandIn() : undefined;
if (library === undefined && process.platform === 'linux' && process.env['CI'] === 'true')
  throw new Error('CI=true but no C compiler to build the stand-in libcuda: .ci/run installs gcc');
const skip =
  library === undefined
    ? 'no C compiler (cc/gcc/clang) on Linux to build the stand-in libcuda: install build-essential'
    : false;
if (library !== undefined) process.env['RINGKERNEL_LIBCUDA'] = library;

// Imported after RINGKERNEL_LIBCUDA is set: the driver is loaded once per process.
const { cudaBackend, createBackend, listAccelerators, cpuBackend } = await import('../../src/node.js');
const { CONTROL, DEVICE_MODE, DEVICE_STATE, probeCudaDevice } =
  await import('../../src/gpu-kernels/cuda/index.js');
const { RingKernelRuntime } = await import('../../src/runtime/index.js');
const { AddRequest, adderKernel } = await import('./kernels.js');
type Sum = MessageOf<typeof AddReplyType>;
const { definePersistentConformance } = await import('./persistent-conformance.js');

const FAKE_PTX = '// stand-in PTX\n.visible .entry rk_ring_kernel(\n)';

function adder(ringCapacity = 16) {
  return adderKernel('cuda', { ptx: FAKE_PTX, ringCapacity });
}

test(
  'discovery says why CUDA is unusable and never throws: no libcuda, driver too old, no device',
  { skip },
  async () => {
    const reasonWith = async (environment: Record<string, string>): Promise<string | undefined> => {
      const saved = { ...process.env };
      Object.assign(process.env, environment);
      try {
        const [entry, ...rest] = await cudaBackend().discover();
        assert.equal(rest.length, 0);
        assert.equal(entry?.available, false);
        assert.equal(entry?.backend, 'cuda');
        await assert.rejects(cudaBackend().create(), /not available/);
        return entry?.reason;
      } finally {
        for (const key of Object.keys(environment)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    };
    assert.match(
      (await reasonWith({ RINGKERNEL_LIBCUDA: '/nonexistent/libcuda.so.1' }))!,
      /no CUDA driver: .*could not be loaded/,
    );
    assert.match(
      (await reasonWith({ FAKE_CUDA_VERSION: '11080' }))!,
      /driver is too old: version 11\.8, ringkernel needs 12\.0/,
    );
    assert.match((await reasonWith({ FAKE_CUDA_NO_DEVICE: '1' }))!, /no CUDA device/);
    const probe = await probeCudaDevice();
    assert.equal(probe.available, true, 'the stand-in itself is usable');
  },
);

before(() => {
  delete process.env['FAKE_CUDA_WATCHDOG'];
});
after(() => {
  delete process.env['FAKE_CUDA_WATCHDOG'];
});

test('discovery lists the device with its attributes; the cuda backend moves bytes', { skip }, async () => {
  const devices = await listAccelerators({ factories: [cudaBackend(), cpuBackend()] });
  const cuda = devices.find((device) => device.backend === 'cuda');
  assert.ok(cuda !== undefined);
  assert.equal(cuda.available, true, cuda.reason);
  assert.equal(cuda.name, 'Fake GPU');
  assert.equal(cuda.architecture, 'sm_90');
  assert.equal(cuda.memoryBytes, 2 ** 30);
  assert.equal(cuda.limits.maxWorkgroupInvocations, 1024);
  assert.ok(cuda.features.includes('mapped-host-memory'));
  assert.ok(cuda.features.includes('persistent-kernels'));
  assert.equal(cuda.details['driverVersion'], '13.0');

  // 'auto' passes the cuda backend by (no standard-library kernels yet) ...
  const auto = await createBackend({ backend: 'auto', factories: [cudaBackend(), cpuBackend()] });
  assert.equal(auto.kind, 'cpu');
  auto.dispose();
  // ... and by name it gives device memory through the driver.
  const backend = await cudaBackend().create();
  try {
    assert.equal(backend.kind, 'cuda');
    const allocation = backend.allocate(10);
    assert.equal(allocation.byteLength, 12);
    assert.equal(typeof allocation.native, 'bigint');
    backend.upload(allocation, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    const back = new Uint8Array(12);
    await backend.download(allocation, back);
    assert.deepEqual([...back], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(backend.liveAllocations(), 1);
    backend.free(allocation);
    assert.equal(backend.liveAllocations(), 0);
  } finally {
    backend.dispose();
  }
});

for (const mode of ['persistent', 'relaunch'] as const)
  test(`a ring kernel through koffi and mapped memory (${mode} mode)`, { skip }, async () => {
    if (mode === 'relaunch') process.env['FAKE_CUDA_WATCHDOG'] = '1';
    else delete process.env['FAKE_CUDA_WATCHDOG'];
    const probe = await probeCudaDevice();
    assert.ok(probe.available);
    assert.equal(probe.persistent, mode === 'persistent');
    const runtime = new RingKernelRuntime();
    const kernel = adder();
    await runtime.launch('adder', kernel);
    const region = kernel.device!.region;
    assert.ok(region.buffer instanceof ArrayBuffer, 'the ring region is the mapped memory, viewed by koffi');
    assert.equal(kernel.device!.kind, 'cuda');
    const requests = Array.from({ length: 100 }, (_, index) => AddRequest.create({ a: index, b: 0.25 }));
    const replies = requests.map((request) => runtime.request<Sum>('adder', request, { timeout: 10_000 }));
    await runtime.activate('adder');
    const answered = await Promise.all(replies);
    answered.forEach((reply, index) => {
      assert.equal(reply.correlationId, requests[index]!.messageId);
      assert.equal(reply.sum, index + 0.25);
    });
    assert.equal(region.load(CONTROL.processed), 100);
    assert.equal(
      region.load(CONTROL.deviceMode),
      mode === 'persistent' ? DEVICE_MODE.persistent : DEVICE_MODE.relaunch,
    );
    if (mode === 'persistent') assert.equal(region.load(CONTROL.launches), 1, 'launched once');
    else assert.ok(region.load(CONTROL.launches) >= 1);
    const report = await runtime.terminate('adder');
    assert.equal(report.graceful, true);
    assert.equal(region.load(CONTROL.deviceState), DEVICE_STATE.terminated);
  });

// The stand-in's device thread runs only the adder: the suite's adder tests run on it.
definePersistentConformance({
  name: 'CUDA link over the stand-in libcuda',
  skip,
  adder: (options) => adderKernel('cuda', { ptx: FAKE_PTX, ...options }),
});
