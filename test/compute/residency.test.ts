import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BufferStateError,
  CpuBackend,
  MemoryPool,
  UnifiedBuffer,
  type ComputeBackend,
  type Residency,
} from '../../src/compute/index.js';
import { RecordingBackend, probeWebgpu } from './helpers.js';

type Operation =
  'ensureOnDevice' | 'ensureOnHost' | 'markHostDirty' | '.host' | 'markDeviceDirty' | 'copyFrom' | 'fill';
type Outcome = Residency | 'throws';

/** The state machine documented on `UnifiedBuffer`, for a buffer with a separate device copy. */
const DEVICE_TABLE: Record<'host-dirty' | 'synchronized' | 'device-dirty', Record<Operation, Outcome>> = {
  'host-dirty': {
    ensureOnDevice: 'synchronized',
    ensureOnHost: 'host-dirty',
    markHostDirty: 'host-dirty',
    '.host': 'host-dirty',
    markDeviceDirty: 'throws',
    copyFrom: 'host-dirty',
    fill: 'host-dirty',
  },
  synchronized: {
    ensureOnDevice: 'synchronized',
    ensureOnHost: 'synchronized',
    markHostDirty: 'host-dirty',
    '.host': 'host-dirty',
    markDeviceDirty: 'device-dirty',
    copyFrom: 'host-dirty',
    fill: 'host-dirty',
  },
  'device-dirty': {
    ensureOnDevice: 'device-dirty',
    ensureOnHost: 'synchronized',
    markHostDirty: 'throws',
    '.host': 'throws',
    markDeviceDirty: 'device-dirty',
    copyFrom: 'host-dirty',
    fill: 'host-dirty',
  },
};

const OPERATIONS = Object.keys(DEVICE_TABLE.synchronized) as Operation[];

async function apply(buffer: UnifiedBuffer<'float32'>, operation: Operation): Promise<void> {
  switch (operation) {
    case 'ensureOnDevice':
      buffer.ensureOnDevice();
      return;
    case 'ensureOnHost':
      await buffer.ensureOnHost();
      return;
    case 'markHostDirty':
      buffer.markHostDirty();
      return;
    case '.host':
      void buffer.host;
      return;
    case 'markDeviceDirty':
      buffer.markDeviceDirty();
      return;
    case 'copyFrom':
      buffer.copyFrom([9, 8, 7, 6]);
      return;
    case 'fill':
      buffer.fill(5);
  }
}

/** A buffer brought into `state` through the public API only. */
function bufferIn(backend: ComputeBackend, state: keyof typeof DEVICE_TABLE): UnifiedBuffer<'float32'> {
  const buffer = new UnifiedBuffer([4], 'float32', { backend, data: [1, 2, 3, 4] });
  assert.equal(buffer.state, 'host-dirty', 'a new device-backed buffer: its device copy is stale (absent)');
  if (state === 'host-dirty') return buffer;
  buffer.ensureOnDevice();
  if (state === 'device-dirty') buffer.markDeviceDirty();
  return buffer;
}

async function checkDeviceTable(backend: ComputeBackend): Promise<void> {
  for (const [from, row] of Object.entries(DEVICE_TABLE) as [
    keyof typeof DEVICE_TABLE,
    Record<Operation, Outcome>,
  ][]) {
    for (const operation of OPERATIONS) {
      const buffer = bufferIn(backend, from);
      assert.equal(buffer.state, from);
      const expected = row[operation];
      if (expected === 'throws') {
        await assert.rejects(apply(buffer, operation), BufferStateError, `${from} --${operation}--> throws`);
        assert.equal(buffer.state, from, `a refused ${operation} leaves ${from}`);
      } else {
        await apply(buffer, operation);
        assert.equal(buffer.state, expected, `${from} --${operation}--> ${expected}`);
      }
      // Nothing is lost: whatever the path, the host reads back what was written last.
      await buffer.ensureOnHost();
      const values = [...buffer.readHost()];
      const overwritten = expected !== 'throws' && (operation === 'copyFrom' || operation === 'fill');
      assert.deepEqual(
        values,
        overwritten ? (operation === 'fill' ? [5, 5, 5, 5] : [9, 8, 7, 6]) : [1, 2, 3, 4],
      );
      buffer.dispose();
    }
  }
}

describe('UnifiedBuffer residency: every transition of the documented table', () => {
  test('a separate device (recording backend)', async () => {
    await checkDeviceTable(new RecordingBackend());
  });

  test('markHostDirty() always leaves a state that says the device copy is stale', () => {
    const backend = new RecordingBackend();
    for (const from of ['host-dirty', 'synchronized'] as const) {
      const buffer = bufferIn(backend, from);
      buffer.markHostDirty();
      assert.equal(buffer.state, 'host-dirty');
    }
  });

  test('the CPU backend and backend-less buffers stay host-only whatever happens', async () => {
    for (const backend of [new CpuBackend(), null]) {
      for (const operation of OPERATIONS) {
        const buffer = new UnifiedBuffer([4], 'float32', { backend, data: [1, 2, 3, 4] });
        assert.equal(buffer.state, 'host-only');
        await apply(buffer, operation);
        assert.equal(buffer.state, 'host-only', `${operation} keeps host-only`);
      }
    }
  });

  test('freeing the device copy (a pool trimming idle memory) goes back to host-dirty', () => {
    const backend = new RecordingBackend();
    const pool = new MemoryPool({ backend });
    const first = pool.acquire([4], 'float32');
    assert.equal(first.state, 'host-dirty');
    first.ensureOnDevice();
    assert.equal(first.state, 'synchronized');
    pool.release(first);
    pool.trim();
    const second = pool.acquire([4], 'float32');
    assert.equal(second.state, 'host-dirty', 'no device copy any more: it is stale');
    pool.release(second);
  });
});

const { factory: webgpu, skipReason } = await probeWebgpu();

test(
  'UnifiedBuffer residency on WebGPU: every transition of the table',
  { skip: skipReason ?? false },
  async () => {
    assert.ok(webgpu);
    const backend = await webgpu.create();
    try {
      await checkDeviceTable(backend);
    } finally {
      backend.dispose();
    }
  },
);
