import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  BufferDisposedError,
  BufferStateError,
  CpuBackend,
  ShapeMismatchError,
  UnifiedBuffer,
  UnsupportedDtypeError,
  createOrchestrator,
  fromFloat16Bits,
  toFloat16Bits,
  vectorScale,
} from '../../src/compute/index.js';
import { RecordingBackend, probeWebgpu } from './helpers.js';

function deviceBuffer(values: number[]): { buffer: UnifiedBuffer<'float32'>; backend: RecordingBackend } {
  const backend = new RecordingBackend();
  return { buffer: new UnifiedBuffer([values.length], 'float32', { backend, data: values }), backend };
}

test('a new buffer is host-only, zero-filled, with shape, size and byte length', () => {
  const buffer = new UnifiedBuffer([2, 3], 'int32');
  assert.deepEqual(buffer.shape, [2, 3]);
  assert.equal(buffer.size, 6);
  assert.equal(buffer.byteLength, 24);
  assert.equal(buffer.state, 'host-only');
  assert.deepEqual([...buffer.host], [0, 0, 0, 0, 0, 0]);
  assert.ok(buffer.host instanceof Int32Array);
  assert.ok(new UnifiedBuffer(4, 'float64').host instanceof Float64Array);
  assert.ok(new UnifiedBuffer(4, 'uint8').host instanceof Uint8Array);
  assert.ok(new UnifiedBuffer(4, 'float16').host instanceof Uint16Array);
});

test('bad shapes and dtypes are InvalidArgumentErrors', () => {
  assert.throws(() => new UnifiedBuffer([2, -1]), InvalidArgumentError);
  assert.throws(() => new UnifiedBuffer([]), InvalidArgumentError);
  assert.throws(() => new UnifiedBuffer([1.5]), InvalidArgumentError);
  assert.throws(() => new UnifiedBuffer([2], 'complex64' as 'float32'), InvalidArgumentError);
});

test('residency: first ensureOnDevice allocates and uploads once, then nothing until the host changes', () => {
  const { buffer, backend } = deviceBuffer([1, 2, 3]);
  assert.equal(buffer.state, 'host-dirty', 'the device copy does not exist yet: it is stale');
  assert.equal(backend.liveAllocations(), 0, 'device memory is allocated lazily');
  buffer.ensureOnDevice();
  assert.equal(buffer.state, 'synchronized');
  assert.equal(backend.uploads, 1);
  buffer.ensureOnDevice();
  assert.equal(backend.uploads, 1, 'synchronized: no second upload');
  assert.deepEqual([...new Float32Array(buffer.device.native as ArrayBuffer, 0, 3)], [1, 2, 3]);
});

test('residency: .host marks host-dirty (writes reach the device), readHost() does not', () => {
  const { buffer, backend } = deviceBuffer([1, 2, 3]);
  buffer.ensureOnDevice();
  assert.deepEqual([...buffer.readHost()], [1, 2, 3]);
  assert.equal(buffer.state, 'synchronized');
  buffer.host[0] = 10;
  assert.equal(buffer.state, 'host-dirty');
  buffer.ensureOnDevice();
  assert.equal(backend.uploads, 2);
  assert.equal(buffer.state, 'synchronized');
  assert.equal(new Float32Array(buffer.device.native as ArrayBuffer)[0], 10);
  buffer.markHostDirty();
  assert.equal(buffer.state, 'host-dirty');
  void buffer.device; // .device uploads lazily too
  assert.equal(buffer.state, 'synchronized');
  assert.equal(backend.uploads, 3);
});

test('residency: a device write makes host access throw until ensureOnHost downloads it', async () => {
  const { buffer, backend } = deviceBuffer([1, 2, 3]);
  buffer.ensureOnDevice();
  backend.writeDevice(buffer.device, new Float32Array([7, 8, 9]));
  buffer.markDeviceDirty();
  assert.equal(buffer.state, 'device-dirty');
  assert.throws(() => buffer.host, BufferStateError);
  assert.throws(() => buffer.readHost(), /await buffer.ensureOnHost\(\) first/);
  assert.throws(() => buffer.markHostDirty(), BufferStateError);
  buffer.ensureOnDevice();
  assert.equal(backend.uploads, 1, 'device-dirty: nothing to upload');
  await buffer.ensureOnHost();
  assert.equal(buffer.state, 'synchronized');
  assert.equal(backend.downloads, 1);
  assert.deepEqual([...buffer.readHost()], [7, 8, 9]);
  await buffer.ensureOnHost();
  assert.equal(backend.downloads, 1, 'synchronized: no second download');
});

test('residency: markDeviceDirty over unsynced host writes throws instead of dropping them', () => {
  const { buffer } = deviceBuffer([1, 2]);
  buffer.ensureOnDevice();
  buffer.host[1] = 5;
  assert.throws(() => buffer.markDeviceDirty(), /host holds writes not yet on the device/);
  assert.equal(buffer.state, 'host-dirty');
});

test('residency: copyTo and toArray download first; concurrent ensureOnHost calls share one download', async () => {
  const { buffer, backend } = deviceBuffer([1, 2, 3]);
  buffer.ensureOnDevice();
  backend.writeDevice(buffer.device, new Float32Array([4, 5, 6]));
  buffer.markDeviceDirty();
  const [copy] = await Promise.all([buffer.toArray(), buffer.ensureOnHost(), buffer.ensureOnHost()]);
  assert.equal(backend.downloads, 1);
  assert.deepEqual([...copy], [4, 5, 6]);
  copy[0] = 100;
  assert.equal(buffer.readHost()[0], 4, 'toArray returns a copy');
  const target = new Float32Array(3);
  await buffer.copyTo(target);
  assert.deepEqual([...target], [4, 5, 6]);
  await assert.rejects(buffer.copyTo(new Float32Array(2)), ShapeMismatchError);
});

test('copyFrom and fill: whole-buffer overwrites are allowed over device data; lengths must match', () => {
  const { buffer, backend } = deviceBuffer([1, 2, 3, 4]);
  buffer.ensureOnDevice();
  buffer.markDeviceDirty();
  buffer.copyFrom([9, 9, 9, 9]);
  assert.equal(buffer.state, 'host-dirty');
  assert.deepEqual([...buffer.readHost()], [9, 9, 9, 9]);
  buffer.ensureOnDevice();
  buffer.markDeviceDirty();
  buffer.fill(2);
  assert.equal(buffer.state, 'host-dirty');
  assert.throws(() => buffer.copyFrom([1, 2]), ShapeMismatchError);
  const source = new UnifiedBuffer([4], 'float32', { data: [5, 6, 7, 8] });
  buffer.copyFrom(source);
  assert.deepEqual([...buffer.readHost()], [5, 6, 7, 8]);
  assert.ok(backend.uploads >= 2);
});

test('views and slices share memory and residency; a partial overwrite over device data throws', () => {
  const { buffer, backend } = deviceBuffer([0, 1, 2, 3, 4, 5]);
  const matrix = buffer.view([3, 2]);
  assert.deepEqual(matrix.shape, [3, 2]);
  assert.ok(matrix.isView);
  const rows = matrix.slice(1, 3);
  assert.deepEqual(rows.shape, [2, 2]);
  assert.equal(rows.byteOffset, 8);
  assert.deepEqual([...rows.readHost()], [2, 3, 4, 5]);
  rows.host[0] = 20;
  assert.equal(buffer.readHost()[2], 20, 'writes through a view land in the root');
  buffer.ensureOnDevice();
  assert.equal(rows.state, 'synchronized');
  buffer.markDeviceDirty();
  assert.equal(rows.state, 'device-dirty');
  assert.throws(() => rows.copyFrom([1, 1, 1, 1]), /rest of this buffer's root/);
  assert.throws(() => buffer.view([4, 2]), ShapeMismatchError);
  assert.throws(() => matrix.slice(2, 4), InvalidArgumentError);
  assert.equal(backend.uploads, 1);
});

test('dispose frees the device allocation; any later use is a BufferDisposedError; views die with the root', async () => {
  const { buffer, backend } = deviceBuffer([1, 2]);
  const view = buffer.view([2]);
  buffer.ensureOnDevice();
  assert.equal(backend.liveAllocations(), 1);
  {
    using scoped = buffer;
    assert.equal(scoped.disposed, false);
  }
  assert.equal(backend.liveAllocations(), 0);
  assert.ok(buffer.disposed);
  assert.ok(view.disposed);
  assert.throws(() => buffer.host, BufferDisposedError);
  assert.throws(() => buffer.readHost(), BufferDisposedError);
  assert.throws(() => buffer.ensureOnDevice(), BufferDisposedError);
  assert.throws(() => buffer.markHostDirty(), BufferDisposedError);
  assert.throws(() => buffer.markDeviceDirty(), BufferDisposedError);
  assert.throws(() => buffer.copyFrom([1, 2]), BufferDisposedError);
  assert.throws(() => buffer.fill(0), BufferDisposedError);
  assert.throws(() => buffer.view([2]), BufferDisposedError);
  assert.throws(() => buffer.slice(0, 1), BufferDisposedError);
  assert.throws(
    () => view.host,
    (error: unknown) => error instanceof BufferDisposedError && error.code === 'BUFFER_DISPOSED',
  );
  await assert.rejects(buffer.ensureOnHost(), BufferDisposedError);
  await assert.rejects(buffer.toArray(), BufferDisposedError);
  buffer.dispose(); // idempotent
  const other = deviceBuffer([1]).buffer;
  const child = other.view([1]);
  child.dispose();
  assert.equal(other.disposed, false, 'disposing a view leaves the root alive');
});

test('host-only and CPU-backed buffers: the device is the host memory', () => {
  const plain = new UnifiedBuffer([3], 'float32', { data: [1, 2, 3] });
  assert.equal(plain.device.native, plain.readHost());
  plain.ensureOnDevice().markDeviceDirty().markHostDirty();
  assert.equal(plain.state, 'host-only');
  const cpu = new UnifiedBuffer([2], 'float64', { backend: new CpuBackend() });
  cpu.ensureOnDevice();
  assert.equal(cpu.state, 'host-only');
  assert.throws(
    () => new UnifiedBuffer([2], 'float16', { backend: new CpuBackend() }),
    UnsupportedDtypeError,
  );
});

test('float16 helpers round-trip representable values and round to nearest even', () => {
  for (const value of [0, 1, -2, 0.5, 65504, 2 ** -24, 1.0009765625, -0.25])
    assert.equal(fromFloat16Bits(toFloat16Bits(value)), value);
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(70000), 0x7c00, 'overflow to +Infinity');
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11)), 1, 'tie rounds to even');
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
});

const { factory: webgpu, skipReason } = await probeWebgpu();

test(
  'webgpu: residency through a real kernel, and the no-lost-data rule',
  { skip: skipReason ?? false },
  async () => {
    assert.ok(webgpu);
    const compute = await createOrchestrator({ backend: webgpu });
    try {
      const x = compute.buffer([5], 'float32', [1, 2, 3, 4, 5]);
      const out = compute.buffer([5], 'float32');
      assert.equal(x.state, 'host-dirty');
      await compute.run(vectorScale, { x, out, alpha: 2 });
      assert.equal(x.state, 'synchronized');
      assert.equal(out.state, 'device-dirty');
      assert.throws(() => {
        out.host[0] = 123; // would be silently overwritten by the device result: refused
      }, BufferStateError);
      await out.ensureOnHost();
      assert.deepEqual([...out.readHost()], [2, 4, 6, 8, 10]);
      out.host[0] = 100; // host-dirty: uploaded before the next launch reads it
      assert.equal(out.state, 'host-dirty');
      const again = compute.buffer([5], 'float32');
      await compute.run(vectorScale, { x: out, out: again, alpha: 0.5 });
      assert.deepEqual([...(await again.toArray())], [50, 2, 3, 4, 5]);
      const slice = compute
        .buffer(
          [128],
          'float32',
          Array.from({ length: 128 }, (_, i) => i),
        )
        .slice(64, 128);
      const sliceOut = compute.buffer([64], 'float32');
      await compute.run(vectorScale, { x: slice, out: sliceOut, alpha: 1 });
      assert.equal((await sliceOut.toArray())[0], 64, 'an aligned slice binds at its offset');
    } finally {
      compute.dispose();
    }
  },
);
