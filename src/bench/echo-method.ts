import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentileOfSorted } from './measure.js';

/*
 * The echo method: one way of measuring any actor library's echo, so that ringkernel and its peers
 * are compared figure by figure within one run (`src/bench/suites/peers.ts`).
 *
 * A library plugs in through an {@link EchoAdapter}: `open()` starts a fresh system (a runtime, an
 * actor system, a worker...), `spawn()` creates one echo actor in it, ready to answer (launch +
 * activate where the library has both), `request(value)` sends `value` and resolves with the reply,
 * `echoed(reply)` reads the echoed value back, `prepare(count)` builds untimed whatever the
 * requests 0..count-1 need (request messages), and `close()` frees everything.
 *
 * - Request throughput ({@link measureRequestThroughput}): 100,000 requests to one actor, issued
 *   1,000 per macrotask (1,000 `request()` calls synchronously, then `setImmediate`, then the next
 *   1,000...), every reply checked (echoed value = requested value, or it throws); msgs/s =
 *   requests / elapsed, from the first request to the last reply.
 * - RTT ({@link measureRoundTrips}): 10,000 sequential requests, each awaited and timed alone with
 *   `performance.now()`; p50 and p99 in µs (each sample includes one `performance.now()` call).
 * - Many actors, "fanout_10k" ({@link measureFanout}): 10,000 actors (queues of 16 messages where
 *   the library has queues) created one after the other, each launched and activated before the
 *   next (launch_us = elapsed / 10,000); then heap per idle actor = (heap used after a forced GC
 *   with the 10,000 actors alive - heap used after a forced GC just before creating them) /
 *   10,000, in bytes; then one request to each actor with 1,000 in flight at a time (a sliding
 *   window: each reply lets the next request go), every reply checked; request_us = elapsed /
 *   10,000.
 *
 * Heap and launch figures are taken in fresh child processes ({@link measureFanoutInChild}): a
 * long-lived bench process carries the garbage, code and retained state of every suite before it,
 * and a heap delta of a few kB per actor drowns in that. Each child runs `node --expose-gc`
 * (plus tsx when the bench runs from TypeScript), imports the adapter by module URL and export
 * name, runs one warm-up cycle of the same measurement at a smaller size (so the JIT has compiled
 * the launch and request paths and first-use allocations are done) and then the measured cycle,
 * and posts its figures back over IPC. "Heap used" is V8's `used_heap_size` after two full
 * collections (`gc()` twice, so objects freed by the first one's weak callbacks go too). The
 * suite repeats the child run and takes medians, like every other figure.
 *
 * The child runs what the parent runs: TypeScript through tsx under `npm run bench`, the built
 * JavaScript under `ringkernel bench` from dist. They differ: tsx's esbuild transform keeps function
 * names (`keepNames`), redefining `name` on every closure the sources create, which makes each
 * ringkernel kernel about a third heavier (9.5 kB against 7.2 kB per kernel on the 2-vCPU dev
 * machine); plain-JavaScript libraries (comedy) are unaffected. Adapters should hand out per-actor
 * handles that are class instances rather than closures, for the same reason.
 */

/** One echo actor as the method sees it. */
export interface EchoActor<Reply> {
  /** Sends `value` and resolves with the actor's reply (read with `EchoTarget.echoed`). */
  request(value: number): PromiseLike<Reply>;
}

/** A fresh system of one library, opened for one measurement. */
export interface EchoTarget<Reply> {
  /** Creates one echo actor, ready to answer (launched and activated where the library has both). */
  spawn(): Promise<EchoActor<Reply>>;
  /** The value a reply echoes. */
  echoed(reply: Reply): number;
  /** Untimed, before any `spawn()`: the requests will carry values 0..count-1 (create request messages now). */
  prepare?(count: number): void | Promise<void>;
  /** Stops every actor and the system. */
  close(): Promise<void>;
}

/** Options a system is opened with. */
export interface EchoOpenOptions {
  /** Capacity of each actor's queues, where the library has bounded queues (default: the library's). */
  readonly queueSize?: number | undefined;
}

/** A library under the echo method. */
export interface EchoAdapter<Reply = unknown> {
  /** Short name for logs and errors, e.g. `comedy`. */
  readonly name: string;
  open(options?: EchoOpenOptions): Promise<EchoTarget<Reply>>;
}

/** Where a child process finds an adapter: `import(module)[exportName]`. */
export interface EchoAdapterReference {
  /** URL of the module exporting the adapter (usually `import.meta.url` of that module). */
  readonly module: string;
  readonly exportName: string;
}

/** Sizes of one many-actors measurement. */
export interface FanoutSize {
  /** Actors created and requested (10,000 for the `fanout_10k` figures). */
  readonly actors: number;
  /** Requests in flight at a time (1,000). */
  readonly window: number;
  /** Queue capacity of each actor (16). */
  readonly queueSize: number;
}

/** Figures of one many-actors measurement. */
export interface FanoutFigures {
  /** Creating (launch + activate) one actor, µs. */
  readonly launchUs: number;
  /** Heap used per idle actor, bytes. */
  readonly heapBytesPerActor: number;
  /** One request per actor, `window` in flight: elapsed / actors, µs. */
  readonly requestUs: number;
  /** How long `close()` took, ms (diagnostic). */
  readonly closeMs: number;
}

/** The default sizes of the method (the figures' names assume them). */
export const ECHO_METHOD = {
  requests: 100_000,
  requestsPerMacrotask: 1_000,
  roundTrips: 10_000,
  fanout: { actors: 10_000, window: 1_000, queueSize: 16 },
} as const;

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function mismatch(adapterName: string, answered: number, value: number): Error {
  return new Error(`${adapterName} echo answered ${answered} to request ${value}`);
}

/** Opens a system with one actor, runs `work`, closes the system. */
export async function withOneActor<Reply, T>(
  adapter: EchoAdapter<Reply>,
  prepared: number,
  work: (actor: EchoActor<Reply>, target: EchoTarget<Reply>) => Promise<T>,
): Promise<T> {
  const target = await adapter.open();
  try {
    await target.prepare?.(prepared);
    const actor = await target.spawn();
    return await work(actor, target);
  } finally {
    await target.close();
  }
}

/**
 * `requests` requests to `actor`, `perMacrotask` issued synchronously per macrotask, every reply
 * checked; messages per second from the first request to the last reply.
 */
export async function measureRequestThroughput<Reply>(
  adapterName: string,
  actor: EchoActor<Reply>,
  target: EchoTarget<Reply>,
  requests: number,
  perMacrotask: number = ECHO_METHOD.requestsPerMacrotask,
): Promise<{ msgsPerSecond: number }> {
  let received = 0;
  let failure: unknown;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = (error) => {
      failure ??= error;
      reject(error);
    };
  });
  // Handled here too: a mismatch may reject `done` while requests are still being issued.
  done.catch(() => undefined);
  const start = performance.now();
  for (let base = 0; base < requests && failure === undefined; base += perMacrotask) {
    const end = Math.min(base + perMacrotask, requests);
    for (let value = base; value < end; value++) {
      actor.request(value).then((reply) => {
        const answered = target.echoed(reply);
        if (answered !== value) fail(mismatch(adapterName, answered, value));
        else if (++received === requests) finish();
      }, fail);
    }
    if (end < requests) await nextMacrotask();
  }
  await done;
  const elapsedMs = performance.now() - start;
  return { msgsPerSecond: requests / (elapsedMs / 1000) };
}

/** `roundTrips` sequential requests, each awaited and timed alone; p50 and p99 in µs. */
export async function measureRoundTrips<Reply>(
  adapterName: string,
  actor: EchoActor<Reply>,
  target: EchoTarget<Reply>,
  roundTrips: number,
): Promise<{ p50: number; p99: number }> {
  const samples = new Float64Array(roundTrips);
  for (let value = 0; value < roundTrips; value++) {
    const start = performance.now();
    const reply = await actor.request(value);
    samples[value] = performance.now() - start;
    const answered = target.echoed(reply);
    if (answered !== value) throw mismatch(adapterName, answered, value);
  }
  samples.sort();
  return { p50: percentileOfSorted(samples, 50) * 1000, p99: percentileOfSorted(samples, 99) * 1000 };
}

/** V8's heap in use, bytes. */
function usedHeap(): number {
  return getHeapStatistics().used_heap_size;
}

/**
 * The many-actors measurement in this process (see the module header). `collect` forces a full
 * garbage collection ({@link exposedGc}); run it in a fresh process for a meaningful heap figure
 * ({@link measureFanoutInChild}).
 */
export async function measureFanout<Reply>(
  adapter: EchoAdapter<Reply>,
  size: FanoutSize,
  collect: () => void,
): Promise<FanoutFigures> {
  const { actors: count, window, queueSize } = size;
  const target = await adapter.open({ queueSize });
  let closed = false;
  try {
    await target.prepare?.(count);
    // Allocated before the baseline, so the heap figure counts the actors, not this array.
    const actors = new Array<EchoActor<Reply> | undefined>(count).fill(undefined);
    collect();
    const heapBefore = usedHeap();

    let start = performance.now();
    for (let index = 0; index < count; index++) actors[index] = await target.spawn();
    const launchUs = ((performance.now() - start) * 1000) / count;

    collect();
    const heapBytesPerActor = (usedHeap() - heapBefore) / count;

    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const value = next++;
        const reply = await (actors[value] as EchoActor<Reply>).request(value);
        const answered = target.echoed(reply);
        if (answered !== value) throw mismatch(adapter.name, answered, value);
      }
    };
    start = performance.now();
    await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
    const requestUs = ((performance.now() - start) * 1000) / count;

    start = performance.now();
    closed = true;
    await target.close();
    return { launchUs, heapBytesPerActor, requestUs, closeMs: performance.now() - start };
  } finally {
    if (!closed) await target.close();
  }
}

/**
 * A function that forces a full garbage collection: `globalThis.gc` when Node runs with
 * `--expose-gc`, else exposed on the spot (`--expose-gc` set at run time, `gc` taken from a new
 * context, where V8 installs it).
 */
export function exposedGc(): () => void {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return global.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** What the child process posts back. */
type ChildReport<Figures> = { readonly figures: Figures } | { readonly error: string };

/** Arguments of the child process (JSON in argv[2]). */
export interface FanoutChildRequest {
  readonly mode?: 'fanout';
  readonly adapter: EchoAdapterReference;
  readonly size: FanoutSize;
  /** Actors of the warm-up cycle run (and discarded) before the measured one. */
  readonly warmupActors: number;
}

/** Arguments of a child process measuring request throughput on one actor. */
export interface RequestsChildRequest {
  readonly mode: 'requests';
  readonly adapter: EchoAdapterReference;
  readonly requests: number;
  readonly warmupRuns: number;
  readonly runs: number;
}

/** What a `requests` child measures: the median of its runs, msgs/s. */
export interface RequestsFigures {
  readonly msgsPerSecond: number;
}

/**
 * Runs {@link measureFanout} in a fresh `node --expose-gc` process (with tsx when this module is
 * TypeScript): one warm-up cycle of `warmupActors` actors, then the measured cycle. Rejects with the
 * child's error (or its stderr) when it fails, and kills it after `timeoutMs`.
 */
export function measureFanoutInChild(
  request: FanoutChildRequest,
  timeoutMs = 300_000,
): Promise<FanoutFigures> {
  return inChild<FanoutFigures>(request, timeoutMs);
}

/**
 * Request throughput of one actor, measured in a fresh process: the in-process figure depends on
 * what ran before in that process (heap size, optimised code), the fresh-process one does not.
 * `warmupRuns` runs, then the median of `runs` runs of {@link measureRequestThroughput}.
 */
export function measureRequestsInChild(
  request: Omit<RequestsChildRequest, 'mode'>,
  timeoutMs = 300_000,
): Promise<RequestsFigures> {
  return inChild<RequestsFigures>({ ...request, mode: 'requests' }, timeoutMs);
}

function inChild<Figures>(
  request: FanoutChildRequest | RequestsChildRequest,
  timeoutMs: number,
): Promise<Figures> {
  const typescript = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(`./echo-fanout-child-node.${typescript ? 'ts' : 'js'}`, import.meta.url),
  );
  const execArgv = ['--expose-gc', ...(typescript ? ['--import', import.meta.resolve('tsx')] : [])];
  return new Promise((resolve, reject) => {
    const child = fork(entry, [JSON.stringify(request)], {
      execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let stderr = '';
    let report: ChildReport<Figures> | undefined;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 20_000) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (message: ChildReport<Figures>) => (report = message));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const name = `${request.adapter.exportName} (${request.adapter.module})`;
      if (report !== undefined && 'figures' in report) resolve(report.figures);
      else if (report !== undefined) reject(new Error(`bench child for ${name} failed: ${report.error}`));
      else {
        reject(
          new Error(
            `bench child for ${name} exited (code ${String(code)}, signal ${String(signal)}) ` +
              `without figures${stderr === '' ? '' : `:\n${stderr}`}`,
          ),
        );
      }
    });
  });
}
