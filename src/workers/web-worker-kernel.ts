import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import type { KernelDefinition } from '../runtime/kernel-port.js';
import type { TransportTelemetry } from '../telemetry/kernel-telemetry.js';
import { defineWorkerKernel, urlOf } from './define-worker-kernel.js';
import type { WorkerKernelOptions, WorkerPoolOptions } from './worker-options.js';
import { webWorkerStarter } from './worker-thread-web.js';

/**
 * How a Web Worker kernel's messages cross to its thread. `'auto'` (default): SharedArrayBuffer
 * rings when the page is cross-origin isolated, else `postMessage`.
 */
export type WebWorkerTransport = 'auto' | 'sharedMemory' | 'postMessage';

/** Options of {@link webWorkerKernel}: those of a Node worker kernel, less `resourceLimits`. */
export interface WebWorkerKernelOptions extends Omit<WorkerKernelOptions, 'resourceLimits'> {
  /**
   * The worker entry module. Default: `ringkernel-worker.js` next to the browser bundle
   * (`ringkernel/browser`), which imports the bundle so that the kernel module and the entry share
   * one copy of ringkernel.
   */
  readonly workerEntry?: URL | string | undefined;
  readonly transport?: WebWorkerTransport | undefined;
}

/** Options of {@link webWorkerPool}. */
export interface WebWorkerPoolOptions extends WebWorkerKernelOptions {
  readonly size: number;
  readonly strategy?: WorkerPoolOptions['strategy'];
}

/** The bundle's worker entry: in the bundle, `import.meta.url` is the bundle's own address. */
function defaultWorkerEntry(): string {
  return new URL('./ringkernel-worker.js', import.meta.url).href;
}

/** Why SharedArrayBuffer rings cannot be used in this page, or undefined when they can. */
export function sharedMemoryUnavailableReason(): string | undefined {
  const scope = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (typeof scope.SharedArrayBuffer !== 'function')
    return (
      'SharedArrayBuffer is not available: the page is not cross-origin isolated ' +
      '(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
    );
  if (scope.crossOriginIsolated === false)
    return (
      'crossOriginIsolated is false (serve the page with Cross-Origin-Opener-Policy: same-origin and ' +
      'Cross-Origin-Embedder-Policy: require-corp)'
    );
  return undefined;
}

function chooseTransport(choice: WebWorkerTransport | undefined): TransportTelemetry {
  if (choice !== undefined && choice !== 'auto' && choice !== 'sharedMemory' && choice !== 'postMessage') {
    throw new InvalidArgumentError(
      `transport must be 'auto', 'sharedMemory' or 'postMessage'; got ${describeValue(choice)}`,
    );
  }
  const reason = sharedMemoryUnavailableReason();
  if (choice === 'postMessage') return { kind: 'postMessage', detail: 'postMessage (asked for)' };
  if (reason === undefined)
    return { kind: 'sharedMemory', detail: 'SharedArrayBuffer rings (cross-origin isolated)' };
  if (choice === 'sharedMemory')
    throw new InvalidArgumentError(`transport 'sharedMemory' is not possible here: ${reason}`);
  return { kind: 'postMessage', detail: `postMessage fallback: ${reason}` };
}

function define<In extends Message, Out extends Message>(
  moduleUrl: URL | string,
  options: WebWorkerPoolOptions,
  caller: string,
): KernelDefinition<In, Out> {
  const entry =
    options.workerEntry === undefined ? defaultWorkerEntry() : urlOf(options.workerEntry, 'workerEntry');
  const transport = chooseTransport(options.transport);
  return defineWorkerKernel(
    moduleUrl,
    options,
    caller,
    () => webWorkerStarter(entry, transport.kind),
    transport,
  );
}

/**
 * Defines a ring kernel that runs in a dedicated Web Worker: the browser's counterpart of
 * `workerKernel`, with the same kernel modules, rings, control block, lifecycle and telemetry.
 * In a cross-origin isolated page (COOP `same-origin` + COEP `require-corp`) messages cross in
 * SharedArrayBuffer rings; otherwise the same rings are mirrored between the threads by
 * `postMessage` (slower; the kernel's telemetry says `transport.kind: 'postMessage'` and why).
 *
 * @example
 * ```ts
 * import { RingKernelRuntime, webWorkerKernel } from 'ringkernel/browser';
 * import { Ping, Pong } from './messages.js';
 * const runtime = new RingKernelRuntime();
 * await runtime.launch('echo', webWorkerKernel(new URL('./echo-kernel.js', import.meta.url), { messages: [Ping, Pong] }));
 * await runtime.activate('echo');
 * const pong = await runtime.request('echo', Ping.create({ text: 'hi' }), { timeout: 1000 });
 * ```
 */
export function webWorkerKernel<In extends Message = Message, Out extends Message = Message>(
  moduleUrl: URL | string,
  options: WebWorkerKernelOptions = {},
): KernelDefinition<In, Out> {
  return define(moduleUrl, { ...options, size: 1, strategy: 'roundRobin' }, 'webWorkerKernel');
}

/**
 * Like {@link webWorkerKernel}, with `size` Web Workers behind one kernel id (see `workerPool`).
 *
 * @example
 * ```ts
 * await runtime.launch('hash', webWorkerPool(new URL('./hash-kernel.js', import.meta.url), { size: 4 }));
 * ```
 */
export function webWorkerPool<In extends Message = Message, Out extends Message = Message>(
  moduleUrl: URL | string,
  options: WebWorkerPoolOptions,
): KernelDefinition<In, Out> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`webWorkerPool needs options with a size; got ${describeValue(options)}`);
  }
  return define(moduleUrl, options, 'webWorkerPool');
}
