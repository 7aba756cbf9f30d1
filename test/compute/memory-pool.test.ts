import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutError } from '../../src/errors.js';
import {
  BufferDisposedError,
  DoubleReleaseError,
  ForeignBufferError,
  MemoryPool,
  PoolLimitError,
  UnifiedBuffer,
  UnsupportedDtypeError,
  createOrchestrator,
  cpuBackend,
  getMemoryPool,
  mapKernel,
} from '../../src/compute/index.js';
import { RecordingBackend, probeWebgpu } from './helpers.js';

test('acquire/release reuses a buffer of the same size class across shapes and dtypes', () => {
  const pool = new MemoryPool();
  const first = pool.acquire([100], 'float32'); // 400 B → 512 B class
  assert.equal(pool.sizeClassOf(400), 512);
  assert.deepEqual(first.shape, [100]);
  first.fill(1);
  pool.release(first);
  const second = pool.acquire([10, 12], 'int32'); // 480 B → same class
  assert.ok(second.host instanceof Int32Array);
  assert.equal(second.size, 120);
  const third = pool.acquire([1000], 'float32'); // 4000 B → 4096 class: a miss
  const stats = pool.stats();
  assert.equal(stats.hits, 1);
  assert.equal(stats.misses, 2);
  assert.equal(stats.bytesInUse, 512 + 4096);
  assert.equal(stats.bytesReserved, 512 + 4096);
  assert.equal(stats.buffersInUse, 2);
  pool.release(second);
  pool.release(third);
  assert.equal(pool.stats().bytesInUse, 0);
  assert.equal(pool.stats().buffersIdle, 2);
  assert.equal(pool.stats().peakBytesReserved, 512 + 4096);
});

test('a released buffer and its views are unusable; release of foreign or released buffers throws', () => {
  const pool = new MemoryPool();
  const buffer = pool.acquire([8], 'float32');
  const view = buffer.view([2, 4]);
  pool.release(buffer);
  assert.throws(() => buffer.host, BufferDisposedError);
  assert.throws(() => view.readHost(), BufferDisposedError);
  assert.throws(() => pool.release(buffer), DoubleReleaseError);
  assert.throws(() => pool.release(new UnifiedBuffer([8])), ForeignBufferError);
  assert.throws(() => pool.release(view), ForeignBufferError);
  const otherPool = new MemoryPool();
  const theirs = otherPool.acquire([8]);
  assert.throws(
    () => pool.release(theirs),
    (error: unknown) => error instanceof ForeignBufferError && error.code === 'POOL_FOREIGN_BUFFER',
  );
  const reused = pool.acquire([8], 'float32');
  assert.equal(reused.disposed, false, 'the recycled storage serves a new, live buffer');
  assert.equal(buffer.disposed, true, 'the old handle stays dead after reuse');
});

test('disposing an acquired buffer (using) releases it to the pool', () => {
  const pool = new MemoryPool();
  {
    using buffer = pool.acquire([16], 'uint32');
    buffer.fill(3);
    assert.equal(pool.stats().buffersInUse, 1);
  }
  assert.equal(pool.stats().buffersInUse, 0);
  assert.equal(pool.stats().buffersIdle, 1);
  pool.acquire([16], 'uint32');
  assert.equal(pool.stats().hits, 1);
});

test('the byte limit evicts idle buffers oldest-first and refuses when in-use bytes fill it', () => {
  const pool = new MemoryPool({ maxBytes: 2048 });
  const a = pool.acquire([256], 'float32'); // 1024
  const b = pool.acquire([64], 'float32'); // 256
  pool.release(a);
  pool.release(b);
  assert.equal(pool.stats().bytesReserved, 1280);
  const c = pool.acquire([512], 'float32'); // 2048: both idle must go
  assert.equal(pool.stats().evictions, 2);
  assert.equal(pool.stats().bytesReserved, 2048);
  assert.throws(
    () => pool.acquire([1], 'float32'),
    (error: unknown) => {
      assert.ok(error instanceof PoolLimitError);
      assert.equal(error.code, 'POOL_LIMIT');
      assert.match(error.message, /release buffers first or raise \{ maxBytes \}/);
      return true;
    },
  );
  pool.release(c);
  const d = pool.acquire([64], 'float32');
  assert.equal(pool.stats().evictions, 3, 'the idle 2048 B buffer is evicted for a smaller class');
  pool.release(d);
});

test('eviction order is least recently released first', () => {
  const backend = new RecordingBackend();
  const pool = new MemoryPool({ backend, maxBytes: 1280 });
  const a = pool.acquire([64]); // 256
  const b = pool.acquire([64]); // 256
  const c = pool.acquire([128]); // 512
  const deviceA = a.ensureOnDevice().device;
  const deviceB = b.ensureOnDevice().device;
  pool.release(b);
  pool.release(a);
  pool.acquire([128]); // 512 more: only one 256 B buffer has to go, the older release (b)
  assert.equal(pool.stats().evictions, 1);
  assert.ok(!backend.live.has(deviceB), 'b was released first, so it was evicted');
  assert.ok(backend.live.has(deviceA));
  assert.equal(pool.stats().bytesReserved, 1280);
  pool.release(c);
});

test('trim frees idle buffers (down to a keep size) and their device memory', () => {
  const backend = new RecordingBackend();
  const pool = new MemoryPool({ backend });
  const buffers = [pool.acquire([64]), pool.acquire([64]), pool.acquire([512])];
  for (const buffer of buffers) buffer.ensureOnDevice();
  assert.equal(backend.liveAllocations(), 3);
  for (const buffer of buffers) pool.release(buffer);
  assert.equal(pool.trim(2048), 512, 'the two older 256 B buffers are freed to get down to 2048 idle');
  assert.equal(backend.liveAllocations(), 1);
  assert.equal(pool.trim(), 2048);
  assert.equal(backend.liveAllocations(), 0);
  assert.equal(pool.stats().bytesReserved, 0);
  assert.equal(pool.stats().peakBytesReserved, 256 * 2 + 2048);
});

test('pooled device allocations are reused, not reallocated', () => {
  const backend = new RecordingBackend();
  const pool = new MemoryPool({ backend });
  for (let round = 0; round < 5; round++) {
    const buffer = pool.acquire([100], 'float32');
    buffer.copyFrom(new Float32Array(100).fill(round));
    buffer.ensureOnDevice();
    pool.release(buffer);
  }
  assert.equal(backend.liveAllocations(), 1);
  assert.equal(pool.stats().hits, 4);
  assert.throws(() => pool.acquire([4], 'float16'), UnsupportedDtypeError);
  pool.dispose();
  assert.equal(backend.liveAllocations(), 0);
});

test('getMemoryPool() returns one default host-only pool', () => {
  assert.equal(getMemoryPool(), getMemoryPool());
  assert.equal(getMemoryPool().backend, null);
});

/** The seed's "Buffer Management" actor, as written in TypeScript, against a minimal context. */
test("the seed's buffer-management actor works as written", async () => {
  const requests = [
    { messageId: 'r1', shape: [4], data: [1, 2, 3, 4] },
    { messageId: 'r2', shape: [4], data: [5, 6, 7, 8] },
    { messageId: 'r3', shape: [2], data: [9, 10] },
  ];
  const responses: { result: number[]; correlationId: string }[] = [];
  // Timeouts interleaved, as an idle mailbox produces them.
  const inbox: ((typeof requests)[number] | 'timeout')[] = [
    'timeout',
    requests[0]!,
    'timeout',
    requests[1]!,
    requests[2]!,
  ];
  let receives = 0;
  const ctx = {
    kernelId: 'buffer_processor',
    get shouldTerminate() {
      return responses.length === requests.length;
    },
    isActive: true,
    waitActive: () => Promise.resolve(),
    receive: ({ timeout }: { timeout: number }) => {
      receives++;
      const next = inbox.shift();
      return next === undefined || next === 'timeout'
        ? Promise.reject(new TimeoutError('receive', timeout))
        : Promise.resolve(next);
    },
    send: (message: { result: number[]; correlationId: string }) => {
      responses.push(message);
      return Promise.resolve();
    },
  };
  await using compute = await createOrchestrator({ backend: cpuBackend() });
  const double = mapKernel({ name: 'double', wgsl: 'x * 2.0', cpu: (x) => x * 2 });
  const processOnDevice = async (input: UnifiedBuffer<'float32'>) => {
    const output = compute.buffer(input.shape, 'float32');
    await compute.run(double, { input, output });
    return output.toArray();
  };

  async function bufferProcessor(context: typeof ctx): Promise<void> {
    const pool = getMemoryPool();
    while (!context.shouldTerminate) {
      if (!context.isActive) {
        await context.waitActive();
        continue;
      }
      try {
        const request = await context.receive({ timeout: 100 });
        // Acquire buffer from pool
        const buffer = pool.acquire(request.shape, 'float32');
        try {
          // Process using buffer
          buffer.copyFrom(request.data);
          const result = await processOnDevice(buffer);
          await context.send({ result: Array.from(result), correlationId: request.messageId });
        } finally {
          // Always release buffer
          pool.release(buffer);
        }
      } catch (error) {
        if (error instanceof TimeoutError) continue;
        throw error;
      }
    }
  }

  const before = getMemoryPool().stats();
  await bufferProcessor(ctx);
  assert.deepEqual(responses, [
    { result: [2, 4, 6, 8], correlationId: 'r1' },
    { result: [10, 12, 14, 16], correlationId: 'r2' },
    { result: [18, 20], correlationId: 'r3' },
  ]);
  const after = getMemoryPool().stats();
  assert.equal(after.buffersInUse, before.buffersInUse, 'every buffer went back');
  assert.ok(after.hits - before.hits >= 2, 'later requests reuse the first buffer');
  assert.equal(receives, 5, 'timeouts were skipped with continue');
});

const { factory: webgpu, skipReason } = await probeWebgpu();

test(
  'webgpu: a pool on the device reuses GPU buffers and trim frees them',
  { skip: skipReason ?? false },
  async () => {
    assert.ok(webgpu);
    const compute = await createOrchestrator({ backend: webgpu });
    try {
      const square = mapKernel({ name: 'square', wgsl: 'x * x', cpu: (x) => x * x });
      const live = compute.backend.liveAllocations();
      for (let round = 1; round <= 3; round++) {
        const input = compute.pool.acquire([300], 'float32');
        const output = compute.pool.acquire([300], 'float32');
        input.fill(round);
        await compute.run(square, { input, output });
        assert.equal((await output.toArray())[299], round * round);
        compute.pool.release(input);
        compute.pool.release(output);
      }
      assert.equal(compute.pool.stats().hits, 4);
      assert.ok(
        compute.backend.liveAllocations() <= live + 2 + 1,
        'two storage buffers (+ one uniform at most)',
      );
      compute.pool.trim();
      assert.equal(compute.backend.liveAllocations(), live, 'trim released the device memory');
    } finally {
      compute.dispose();
    }
  },
);
