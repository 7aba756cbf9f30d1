import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { RingKernelRuntime } from '../runtime/index.js';
import { BenchEcho, echoKernel } from './echo-kernels.js';
import type { EchoActor, EchoAdapter, EchoAdapterReference, EchoTarget } from './echo-method.js';
import { QueuedEcho } from './suites/baseline.js';

/*
 * The echo targets of the peers suite, as echo-method adapters (src/bench/echo-method.ts). Each
 * adapter that a many-actors child process loads is also exported as an `EchoAdapterReference`
 * (this module's URL and the export's name).
 *
 * - `ringkernelEcho`: a RingKernelRuntime per `open`, one `echoKernel` (src/bench/echo-kernels.ts)
 *   per actor, launched and activated; `request` is `runtime.request()` with a request message
 *   created in `prepare` (before timing), answered by `BenchEcho.reply`. Telemetry stays on (the
 *   default).
 * - `comedyEcho`: comedy 2.1.7 (a dev dependency, loaded on first use), one actor system per
 *   `open`, in-memory actors (no forked process) created with `createChild`, whose `echo` handler
 *   returns the value; `request` is `sendAndReceive('echo', value)`. See {@link comedyEcho} for
 *   the settings that keep it quiet.
 * - `promiseCorrEcho`: `QueuedEcho` of the baseline suite: an actor loop over an in-queue and an
 *   out-queue of growable ring buffers plus a correlation Map (no priorities, no lifecycle).
 * - `messagePortEcho`: a worker thread posting back every message it gets (`postMessage`, structured
 *   clone of `{ id, value }`); the host keeps a correlation Map from id to resolver.
 *   `messagePortBatchEcho` is the same worker, with the host posting all the requests issued in one
 *   synchronous run (1,000 per macrotask under the method) as one array, echoed as one array.
 */

/*
 * Per-actor handles are small classes, not `{ request: (value) => ... }` objects: a closure per
 * actor would count in the heap per actor, and under tsx (esbuild `keepNames`) each such closure
 * also gets its `name` redefined, a few hundred bytes more.
 */

// ------------------------------------------------------------------------------ ringkernel

class RingkernelEchoHandle implements EchoActor<BenchEcho> {
  readonly #runtime: RingKernelRuntime;
  readonly #kernelId: string;
  readonly #requests: readonly BenchEcho[];

  constructor(runtime: RingKernelRuntime, kernelId: string, requests: readonly BenchEcho[]) {
    this.#runtime = runtime;
    this.#kernelId = kernelId;
    this.#requests = requests;
  }

  request(value: number): Promise<BenchEcho> {
    return this.#runtime.request<BenchEcho>(this.#kernelId, this.#requests[value]!);
  }
}

export const ringkernelEcho: EchoAdapter<BenchEcho> = {
  name: 'ringkernel',
  // eslint-disable-next-line @typescript-eslint/require-await -- open() is async for every adapter
  async open(options = {}): Promise<EchoTarget<BenchEcho>> {
    const runtime = new RingKernelRuntime();
    const kernel = echoKernel({ queueSize: options.queueSize });
    let requests: BenchEcho[] = [];
    let spawned = 0;
    return {
      prepare(count) {
        requests = Array.from({ length: count }, (_, value) => BenchEcho.create({ value }));
      },
      async spawn() {
        const kernelId = `echo-${spawned++}`;
        await runtime.launch(kernelId, kernel);
        await runtime.activate(kernelId);
        return new RingkernelEchoHandle(runtime, kernelId, requests);
      },
      echoed: (reply) => reply.value,
      async close() {
        await runtime.terminateAll();
      },
    };
  },
};

export const ringkernelEchoReference: EchoAdapterReference = {
  module: import.meta.url,
  exportName: 'ringkernelEcho',
};

// ------------------------------------------------------------------------------ comedy

/** The slice of comedy's API the adapter uses (comedy's own typings are loose: `Object`, `any`). */
interface ComedyModule {
  createSystem(options: object): ComedySystem;
}
interface ComedySystem {
  rootActor(): PromiseLike<ComedyActor>;
  getLog(): unknown;
  destroy(): PromiseLike<void>;
}
interface ComedyActor {
  createChild(definition: object, options?: object): PromiseLike<ComedyActorRef>;
}
interface ComedyActorRef {
  sendAndReceive(topic: string, ...message: unknown[]): PromiseLike<unknown>;
}

class ComedyEchoHandle implements EchoActor<number> {
  readonly #actor: ComedyActorRef;

  constructor(actor: ComedyActorRef) {
    this.#actor = actor;
  }

  request(value: number): PromiseLike<number> {
    return this.#actor.sendAndReceive('echo', value) as PromiseLike<number>;
  }
}

/** The echo actor's definition: comedy instantiates the class per actor and calls `echo` per message. */
class ComedyEchoActor {
  echo(value: number): number {
    return value;
  }
}

let comedyModule: Promise<ComedyModule> | undefined;

/** comedy, imported once (it is a dev dependency: a published ringkernel has no comedy). */
function loadComedy(): Promise<ComedyModule> {
  comedyModule ??= import('comedy') as Promise<unknown> as Promise<ComedyModule>;
  return comedyModule;
}

/** Whether comedy can be loaded here (a dev dependency; absent where ringkernel was installed from npm). */
export async function comedyAvailable(): Promise<boolean> {
  try {
    await loadComedy();
    return true;
  } catch {
    comedyModule = undefined;
    return false;
  }
}

/**
 * comedy 2.1.7 in memory. Settings: `test: true` (silences the system logger and skips reading and
 * watching `actors.json` in the app root), `config: {}` (programmatic actor configuration: no file),
 * `loggerConfig` with every category `Silent` (each actor's own logger). Every actor's loggers
 * subscribe to the one logger configuration's `configChange` event (about 4 listeners per actor,
 * never removed: comedy's `removeListener` passes the unbound method), which trips Node's
 * MaxListenersExceededWarning past 50 actors; the adapter lifts that limit on the system's
 * logger configuration. Its `destroy()` is slow with many children (about 1 s for 10,000 here).
 */
export const comedyEcho: EchoAdapter<number> = {
  name: 'comedy',
  async open(): Promise<EchoTarget<number>> {
    const comedy = await loadComedy();
    const system = comedy.createSystem({
      test: true,
      config: {},
      loggerConfig: { categories: { Default: 'Silent' } },
    });
    const log = system.getLog() as { configuration?: { setMaxListeners(count: number): void } };
    log.configuration?.setMaxListeners(0);
    const root = await system.rootActor();
    return {
      async spawn() {
        return new ComedyEchoHandle(await root.createChild(ComedyEchoActor, { mode: 'in-memory' }));
      },
      echoed: (reply) => reply,
      async close() {
        await system.destroy();
      },
    };
  },
};

export const comedyEchoReference: EchoAdapterReference = {
  module: import.meta.url,
  exportName: 'comedyEcho',
};

// ------------------------------------------------------------------------------ promise + queues + correlation map

export const promiseCorrEcho: EchoAdapter<number> = {
  name: 'promise_corr',
  // eslint-disable-next-line @typescript-eslint/require-await -- open() is async for every adapter
  async open(): Promise<EchoTarget<number>> {
    const echoes: QueuedEcho[] = [];
    return {
      // eslint-disable-next-line @typescript-eslint/require-await -- spawn() is async for every adapter
      async spawn() {
        const echo = new QueuedEcho();
        echoes.push(echo);
        return echo;
      },
      echoed: (reply) => reply,
      async close() {
        await Promise.all(echoes.map((echo) => echo.stop()));
      },
    };
  },
};

// ------------------------------------------------------------------------------ worker_threads postMessage

/** The echo worker: CommonJS source run with `eval: true` (no TypeScript loader needed in the worker). */
const PORT_ECHO_SOURCE =
  "const { parentPort } = require('node:worker_threads');\n" +
  'parentPort.on("message", (message) => parentPort.postMessage(message));\n';

interface PortRequest {
  readonly id: number;
  readonly value: number;
}

function messagePortAdapter(name: string, batched: boolean): EchoAdapter<number> {
  return {
    name,
    // eslint-disable-next-line @typescript-eslint/require-await -- open() is async for every adapter
    async open(): Promise<EchoTarget<number>> {
      const workers: Worker[] = [];
      return {
        async spawn() {
          const worker = new Worker(PORT_ECHO_SOURCE, { eval: true });
          workers.push(worker);
          await once(worker, 'online');
          const pending = new Map<number, (value: number) => void>();
          let nextId = 0;
          const settle = ({ id, value }: PortRequest): void => {
            const resolve = pending.get(id);
            if (resolve === undefined) throw new Error(`${name}: reply to unknown request ${id}`);
            pending.delete(id);
            resolve(value);
          };
          worker.on('message', (reply: PortRequest | PortRequest[]) => {
            if (Array.isArray(reply)) for (const one of reply) settle(one);
            else settle(reply);
          });
          if (!batched) {
            return {
              request: (value) =>
                new Promise<number>((resolve) => {
                  const id = nextId++;
                  pending.set(id, resolve);
                  const request: PortRequest = { id, value };
                  worker.postMessage(request);
                }),
            };
          }
          let batch: PortRequest[] = [];
          const flush = (): void => {
            worker.postMessage(batch);
            batch = [];
          };
          return {
            request: (value) =>
              new Promise<number>((resolve) => {
                const id = nextId++;
                pending.set(id, resolve);
                // The first request of a synchronous run schedules the post after the run.
                if (batch.length === 0) queueMicrotask(flush);
                batch.push({ id, value });
              }),
          };
        },
        echoed: (reply) => reply,
        async close() {
          await Promise.all(workers.map((worker) => worker.terminate()));
        },
      };
    },
  };
}

/** One `postMessage` per request. */
export const messagePortEcho = messagePortAdapter('messageport', false);
/** The requests of one synchronous run in one `postMessage` (an array), echoed as one. */
export const messagePortBatchEcho = messagePortAdapter('messageport_batch', true);

export const promiseCorrEchoReference: EchoAdapterReference = {
  module: import.meta.url,
  exportName: 'promiseCorrEcho',
};

export const messagePortEchoReference: EchoAdapterReference = {
  module: import.meta.url,
  exportName: 'messagePortEcho',
};

export const messagePortBatchEchoReference: EchoAdapterReference = {
  module: import.meta.url,
  exportName: 'messagePortBatchEcho',
};
