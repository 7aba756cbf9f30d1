/**
 * The soak program (soak/run.ts, `npm run soak`) run for a few seconds in a child process: it exits
 * 0 and writes its results, with every message accounted for. Its verdict logic (slopes, failures)
 * is checked directly.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { leastSquaresSlope, memorySlopes, soakFailures, type SoakResult } from '../../soak/soak.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runSoakCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'soak/run.ts', ...args],
      { cwd: root, timeout: 120_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('soak', () => {
  test('a 5-second soak exits 0, writes its results and loses no message', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ringkernel-soak-'));
    try {
      const out = join(folder, 'soak.json');
      const { code, stdout, stderr } = await runSoakCli(['--seconds', '5', '--out', out]);
      assert.equal(code, 0, `soak exited ${code}\n${stdout}\n${stderr}`);
      const result = JSON.parse(await readFile(out, 'utf8')) as SoakResult;
      assert.equal(result.seconds, 5);
      assert.equal(result.lost, 0);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.telemetryMismatches, []);
      assert.deepEqual(result.anomalies, []);
      assert.ok(result.messages > 1000, `only ${result.messages} messages`);
      assert.equal(result.perKernel.length, result.kernels + result.workerKernels);
      for (const kernel of result.perKernel) {
        assert.equal(kernel.lost, 0, kernel.kernelId);
        assert.ok(kernel.sent > 0, `${kernel.kernelId} got no traffic`);
      }
      const total = (field: 'sent' | 'processed' | 'dropped' | 'rejected' | 'deadLettered' | 'returned') =>
        result.perKernel.reduce((sum, kernel) => sum + kernel[field], 0);
      assert.equal(result.messages, total('sent'));
      assert.equal(
        result.messages,
        result.processed +
          result.dropped +
          result.rejected +
          result.deadLettered +
          result.unprocessed +
          result.interrupted +
          result.returned,
      );
      // The run exercised what it is meant to: crashes and restarts, drops, rejections, routes,
      // topics, deactivations, worker kernels, forced terminations.
      assert.ok(result.restarts > 0 && result.deadLettered > 0, 'supervised kernels crashed and restarted');
      assert.ok(result.dropped > 0 && result.rejected > 0, 'backpressure dropped and rejected');
      assert.ok(result.forwards > 0 && result.sendTos > 0 && result.topicDeliveries > 0);
      assert.ok(result.deactivations > 0);
      assert.ok(result.perKernel.some((kernel) => kernel.shape === 'worker' && kernel.processed > 0));
      assert.ok(result.forcedTerminations > 0, 'some kernels were force-stopped');
      assert.ok(result.samples.length >= 5, 'heap sampled during the run');
      assert.equal(result.heapSlopeJudged, false, 'a 5 s run is too short to judge the heap');
      assert.match(stdout, /lost 0/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('rejects bad options with a usage line and exit code 2', async () => {
    const { code, stderr } = await runSoakCli(['--minutes', 'soon']);
    assert.equal(code, 2);
    assert.match(stderr, /--minutes must be a positive number; got soon/);
    assert.match(stderr, /usage: npm run soak/);
  });
});

describe('soak verdict', () => {
  test('leastSquaresSlope fits a line', () => {
    assert.equal(leastSquaresSlope([]), 0);
    assert.equal(leastSquaresSlope([{ x: 1, y: 5 }]), 0);
    assert.equal(
      leastSquaresSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
      2,
    );
    // Noise around a flat line: slope ~0.
    assert.ok(
      Math.abs(
        leastSquaresSlope([
          { x: 0, y: 10 },
          { x: 1, y: 12 },
          { x: 2, y: 8 },
          { x: 3, y: 10 },
        ]),
      ) < 1,
    );
  });

  test('memorySlopes ignores the first 20% of the run and reports bytes per minute', () => {
    const samples = [
      { tMs: 0, heapUsed: 0, rss: 0, external: 0 }, // warm-up: a big jump that must not count
      { tMs: 10_000, heapUsed: 50_000_000, rss: 80_000_000, external: 0 },
      { tMs: 20_000, heapUsed: 50_000_000, rss: 80_000_000, external: 0 },
      { tMs: 40_000, heapUsed: 50_000_000 + 1000, rss: 80_000_000 + 2000, external: 0 },
      { tMs: 60_000, heapUsed: 50_000_000 + 2000, rss: 80_000_000 + 4000, external: 0 },
    ];
    const { heapSlopeBytesPerMin, rssSlopeBytesPerMin } = memorySlopes(samples, 60_000);
    assert.ok(Math.abs(heapSlopeBytesPerMin - 3000) < 1e-6, String(heapSlopeBytesPerMin));
    assert.ok(Math.abs(rssSlopeBytesPerMin - 6000) < 1e-6, String(rssSlopeBytesPerMin));
  });

  test('soakFailures: lost messages, telemetry disagreements, and heap growth on runs of a minute or more', () => {
    const clean = {
      lost: 0,
      perKernel: [{ kernelId: 'a', lost: 0 }],
      telemetryMismatches: [],
      anomalies: [],
      heapSlopeBytesPerMin: 2 ** 21,
      maxHeapSlopeBytesPerMin: 2 ** 20,
      durationMs: 5000,
    };
    assert.deepEqual(soakFailures(clean), [], 'a short run does not judge the heap');
    assert.match(soakFailures({ ...clean, durationMs: 60_000 }).join(), /heap grew 2\.00 MiB\/min/);
    assert.deepEqual(soakFailures({ ...clean, durationMs: 60_000, heapSlopeBytesPerMin: 2 ** 19 }), []);
    assert.match(
      soakFailures({ ...clean, lost: 3, perKernel: [{ kernelId: 'a', lost: 3 }] }).join(),
      /3 message\(s\) unaccounted for \(a: 3\)/,
    );
    assert.match(
      soakFailures({ ...clean, telemetryMismatches: ['a: dropped 1 vs 2'] }).join(),
      /telemetry: a/,
    );
    assert.match(soakFailures({ ...clean, anomalies: ['a publish missed'] }).join(), /a publish missed/);
  });
});
