import { InvalidArgumentError, describeValue } from '../errors.js';
import type { KernelOptions } from '../runtime/kernel-port.js';
import type { MessageTypes } from './message-types.js';
import type { WorkerWaitMode } from './protocol.js';
import type { WorkerResourceLimits } from './worker-handle.js';

/** Options of {@link workerKernel}: the kernel options, plus how the thread is run. */
export interface WorkerKernelOptions extends KernelOptions {
  /**
   * The message types crossing the thread boundary, for the host side. Default: imported from
   * `messagesModule` (or the kernel module) on the host too. The worker always takes them from the
   * module; launch fails if the two lists differ.
   */
  readonly messages?: MessageTypes | undefined;
  /**
   * A module whose `messages` export (or, without one, whose exported message definitions) lists the
   * types. Default: the kernel module itself.
   */
  readonly messagesModule?: URL | string | undefined;
  /**
   * `'lowCpu'` (default): an idle side sleeps on the ring's doorbell (`Atomics.waitAsync`) and costs
   * no CPU; a wake-up costs tens of µs. `'spin'`: a kernel waiting for input polls its ring for up to
   * `spinMicros`, and the host polls for replies for up to `hostSpinMicros` after sending, trading CPU
   * for single-digit-µs round trips. Spin mode suits request/reply traffic: after every send the host
   * thread is busy for up to `hostSpinMicros` waiting for an answer.
   *
   * Measured `runtime.request` round trips (p50, 2-vCPU dev machine, `worker` bench suite): spin
   * ≈ 4.0 µs, low CPU ≈ 19 µs (an event-loop kernel: ≈ 1.6 µs; a postMessage echo: ≈ 50 µs).
   */
  readonly mode?: WorkerWaitMode | undefined;
  /** Spin mode: how long a kernel waiting for input polls before sleeping, in µs. Default 1000. */
  readonly spinMicros?: number | undefined;
  /** Spin mode: how long the host polls for replies after sending, in µs. Default 50. */
  readonly hostSpinMicros?: number | undefined;
  /** Bytes of each ring (host → worker and back), a power of two; bounds one message's size. Default 256 KiB. */
  readonly ringBytes?: number | undefined;
  /** Heap and stack limits of the thread; a kernel exceeding them fails with `outOfMemory`. */
  readonly resourceLimits?: WorkerResourceLimits | undefined;
  /** How long launch waits for the worker to load its module and report ready, in ms. Default 30000. */
  readonly startTimeout?: number | undefined;
  /**
   * The module export that holds the kernel. Default `'default'`. It is either a loop function
   * (`export default async (ctx) => { for await (const m of ctx) ... }`) or a handlers object
   * (`export const echo = { onMessage: (m, ctx) => ctx.send(...) }`, see `MessageHandlers`): the
   * handler shape is drained in the worker with no promise per message.
   */
  readonly export?: string | undefined;
}

/** How a pool spreads input over its workers. */
export type PoolStrategy = 'roundRobin' | 'leastLoaded';

/** Options of {@link workerPool}. */
export interface WorkerPoolOptions extends WorkerKernelOptions {
  /** Number of worker threads. */
  readonly size: number;
  /**
   * `'roundRobin'` (default) gives each worker the next message in turn; `'leastLoaded'` gives it to
   * the worker with the fewest messages sent and not yet processed.
   */
  readonly strategy?: PoolStrategy | undefined;
}

export const DEFAULT_SPIN_MICROS = 1000;
export const DEFAULT_HOST_SPIN_MICROS = 50;
export const DEFAULT_RING_BYTES = 1 << 18;
export const DEFAULT_START_TIMEOUT = 30_000;

/** Validates the worker-specific options, throwing `InvalidArgumentError` that quotes the bad value. */
export function checkWorkerOptions(options: WorkerPoolOptions): void {
  const { mode, spinMicros, hostSpinMicros, ringBytes, startTimeout, size, strategy } = options;
  const exportName = options.export;
  if (exportName !== undefined && !(typeof exportName === 'string' && exportName.length > 0)) {
    throw new InvalidArgumentError(
      `export must be the name of the module export that holds the kernel; got ${describeValue(exportName)}`,
    );
  }
  if (mode !== undefined && mode !== 'spin' && mode !== 'lowCpu') {
    throw new InvalidArgumentError(`mode must be 'spin' or 'lowCpu'; got ${describeValue(mode)}`);
  }
  for (const [name, value] of [
    ['spinMicros', spinMicros],
    ['hostSpinMicros', hostSpinMicros],
    ['startTimeout', startTimeout],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value < Infinity)) {
      throw new InvalidArgumentError(`${name} must be a finite number >= 0; got ${describeValue(value)}`);
    }
  }
  if (
    ringBytes !== undefined &&
    !(
      Number.isInteger(ringBytes) &&
      ringBytes >= 1024 &&
      ringBytes <= 2 ** 30 &&
      (ringBytes & (ringBytes - 1)) === 0
    )
  ) {
    throw new InvalidArgumentError(
      `ringBytes must be a power of two between 1024 and 2^30; got ${describeValue(ringBytes)}`,
    );
  }
  if (!(Number.isInteger(size) && size >= 1)) {
    throw new InvalidArgumentError(`a worker pool needs size >= 1 (an integer); got ${describeValue(size)}`);
  }
  if (strategy !== undefined && strategy !== 'roundRobin' && strategy !== 'leastLoaded') {
    throw new InvalidArgumentError(
      `strategy must be 'roundRobin' or 'leastLoaded'; got ${describeValue(strategy)}`,
    );
  }
}
