import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchSuites, selectBenchmarks } from '../../src/bench/index.js';
import { messagePortBatchEcho, promiseCorrEcho, ringkernelEcho } from '../../src/bench/echo-adapters.js';
import {
  exposedGc,
  measureFanout,
  measureRequestThroughput,
  measureRoundTrips,
  withOneActor,
  type EchoAdapter,
  type EchoTarget,
} from '../../src/bench/echo-method.js';
import { peersSuite } from '../../src/bench/suites/peers.js';

const PEERS_NAMES = [
  'runtime.request.msgs_per_s',
  'runtime.fanout_10k.request_us',
  'runtime.launch_us',
  'runtime.kernel_heap_bytes',
  'peers.comedy.request.msgs_per_s',
  'peers.comedy.rtt.p50_us',
  'peers.comedy.rtt.p99_us',
  'peers.comedy.fanout_10k.request_us',
  'peers.comedy.launch_us',
  'peers.comedy.actor_heap_bytes',
  'peers.promise_corr.request.msgs_per_s',
  'peers.promise_corr.rtt.p50_us',
  'peers.promise_corr.rtt.p99_us',
  'baseline.messageport.throughput.msgs_per_s',
  'baseline.messageport.rtt.p50_us',
  'baseline.messageport.rtt.p99_us',
  'baseline.messageport.batch_throughput.msgs_per_s',
];

test('the peers suite runs quick and reports every figure, finite and positive', async () => {
  const lines: string[] = [];
  let lastProgress = 0;
  const results = await peersSuite.run({
    quick: true,
    progress: (fraction) => (lastProgress = fraction),
    log: (line) => lines.push(line),
  });
  assert.deepEqual(
    results.map((result) => result.name),
    PEERS_NAMES,
  );
  for (const result of results) {
    assert.ok(Number.isFinite(result.value) && result.value > 0, `${result.name} = ${result.value}`);
    const unit = result.name.endsWith('_us') ? 'us' : result.name.endsWith('_bytes') ? 'bytes' : 'msgs/s';
    assert.equal(result.unit, unit, result.name);
  }
  assert.equal(lastProgress, 1);
  assert.ok(lines.some((line) => line.startsWith('request throughput runtime.request.msgs_per_s per run:')));
});

test('filters find the peers suite by the runtime.* and baseline.messageport.* names it reports', () => {
  // A dotted term also runs the suite named by its first part (which then keeps nothing of it).
  const pick = (term: string) => selectBenchmarks(benchSuites, [term]).map(({ suite }) => suite.name);
  assert.ok(pick('runtime.launch_us').includes('peers'));
  assert.ok(pick('runtime.fanout_10k').includes('peers'));
  assert.ok(pick('baseline.messageport').includes('peers'));
  assert.ok(!pick('runtime.rtt').includes('peers'));
  assert.ok(!pick('baseline.promise_echo').includes('peers'));
  const runtime = selectBenchmarks(benchSuites, ['runtime']);
  assert.deepEqual(
    runtime.map(({ suite }) => suite.name),
    ['runtime', 'peers'],
  );
  const peers = runtime[1]!;
  assert.ok(peers.keeps('runtime.kernel_heap_bytes'));
  assert.ok(!peers.keeps('peers.comedy.launch_us'));
});

/** A one-actor echo that records how many requests each macrotask issued, and may answer wrongly. */
function recordingEcho(wrongAt = -1): { adapter: EchoAdapter<number>; perMacrotask: number[] } {
  const perMacrotask: number[] = [];
  let current = 0;
  let flushScheduled = false;
  const adapter: EchoAdapter<number> = {
    name: 'recording',
    // eslint-disable-next-line @typescript-eslint/require-await -- the adapter contract is async
    async open(): Promise<EchoTarget<number>> {
      return {
        // eslint-disable-next-line @typescript-eslint/require-await -- the adapter contract is async
        async spawn() {
          return {
            request(value: number) {
              current++;
              if (!flushScheduled) {
                flushScheduled = true;
                setImmediate(() => {
                  perMacrotask.push(current);
                  current = 0;
                  flushScheduled = false;
                });
              }
              return Promise.resolve(value === wrongAt ? -1 : value);
            },
          };
        },
        echoed: (reply) => reply,
        close: () => Promise.resolve(),
      };
    },
  };
  return { adapter, perMacrotask };
}

test('request throughput issues 1,000 requests per macrotask and checks every reply', async () => {
  const { adapter, perMacrotask } = recordingEcho();
  const { msgsPerSecond } = await withOneActor(adapter, 2_500, (actor, target) =>
    measureRequestThroughput(adapter.name, actor, target, 2_500),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(perMacrotask, [1_000, 1_000, 500]);
  assert.ok(Number.isFinite(msgsPerSecond) && msgsPerSecond > 0);

  const wrong = recordingEcho(1_234);
  await assert.rejects(
    withOneActor(wrong.adapter, 2_000, (actor, target) =>
      measureRequestThroughput(wrong.adapter.name, actor, target, 2_000),
    ),
    /recording echo answered -1 to request 1234/,
  );
  const wrongRtt = recordingEcho(7);
  await assert.rejects(
    withOneActor(wrongRtt.adapter, 10, (actor, target) =>
      measureRoundTrips(wrongRtt.adapter.name, actor, target, 10),
    ),
    /answered -1 to request 7/,
  );
});

test('the ringkernel, promise_corr and batched postMessage adapters echo under the method', async () => {
  for (const adapter of [ringkernelEcho, promiseCorrEcho, messagePortBatchEcho] as EchoAdapter[]) {
    const rtt = await withOneActor(adapter, 50, (actor, target) =>
      measureRoundTrips(adapter.name, actor, target, 50),
    );
    assert.ok(rtt.p50 > 0 && rtt.p99 >= rtt.p50, adapter.name);
    const { msgsPerSecond } = await withOneActor(adapter, 1_500, (actor, target) =>
      measureRequestThroughput(adapter.name, actor, target, 1_500),
    );
    assert.ok(msgsPerSecond > 0, adapter.name);
  }
});

test('the many-actors measurement runs in this process too', async () => {
  const figures = await measureFanout(
    ringkernelEcho as EchoAdapter,
    { actors: 200, window: 50, queueSize: 16 },
    exposedGc(),
  );
  assert.ok(figures.launchUs > 0 && figures.requestUs > 0 && figures.closeMs >= 0);
  assert.ok(Number.isFinite(figures.heapBytesPerActor));
});
