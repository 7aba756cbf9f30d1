import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Message } from '../messages/types.js';
import { checkBackpressure, checkCapacity } from '../queues/backpressure.js';
import type { KernelContext } from './kernel-context.js';
import type { KernelDefinition, KernelExecution, KernelOptions, KernelPort } from './kernel-port.js';
import { LocalKernelContext } from './local-kernel-context.js';
import { HandlerLife, checkHandlers, type MessageHandlers } from './handler-kernel.js';

/** The body of an event-loop ring kernel: runs once per launch, loops until told to terminate. */
export type KernelFunction<In extends Message, Out extends Message> = (
  ctx: KernelContext<In, Out>,
) => Promise<void>;

/**
 * Defines a ring kernel that runs on the event loop: a persistent actor with private state that
 * talks only through messages. It comes in two shapes:
 *
 * - **handler kernel** (`{ onMessage }` or `{ onBatch }`, see {@link MessageHandlers}): the runtime
 *   drains the input queue and calls the handler for each message (or batch) in a loop; no promise
 *   per message. The fast shape: use it unless the kernel needs to wait for input mid-work.
 * - **loop kernel** (a function): the guide's template, `for await (const m of ctx)` or
 *   `await ctx.receive()`; it starts at `launch` and is gated by `activate`.
 *
 * Both behave the same through the runtime: lifecycle, priority order, backpressure, telemetry,
 * supervision and termination reports.
 *
 * @example
 * ```ts
 * // Handler kernel
 * const echo = ringKernel<EchoRequest, EchoReply>({ kernelId: 'echo' }, {
 *   onMessage: (request, ctx) => ctx.send(EchoReply.reply(request, { text: request.text })),
 * });
 *
 * // Loop kernel
 * const counter = ringKernel<CounterRequest, CounterResponse>({ kernelId: 'counter' }, async (ctx) => {
 *   let count = 0;
 *   for await (const request of ctx) {
 *     count += request.action === 'increment' ? 1 : -1;
 *     await ctx.send(CounterResponse.reply(request, { count }));
 *   }
 * });
 * ```
 */
export function ringKernel<In extends Message = Message, Out extends Message = Message>(
  options: KernelOptions,
  fn: KernelFunction<In, Out>,
): KernelDefinition<In, Out>;
export function ringKernel<In extends Message = Message, Out extends Message = Message, State = undefined>(
  options: KernelOptions,
  handlers: MessageHandlers<In, Out, State>,
): KernelDefinition<In, Out>;
export function ringKernel<In extends Message, Out extends Message, State>(
  options: KernelOptions,
  body: KernelFunction<In, Out> | MessageHandlers<In, Out, State>,
): KernelDefinition<In, Out> {
  if (typeof body === 'object' && body !== null) {
    checkHandlers(body);
    const checked = checkKernelOptions(options);
    return {
      kernelId: checked.kernelId,
      options: checked,
      start: (port: KernelPort<In, Out>) => new HandlerLife<In, Out, State>(port, body).start(),
    };
  }
  if (typeof body !== 'function') {
    throw new InvalidArgumentError(
      `ringKernel needs a kernel function or a handlers object ({ onMessage }) as its second argument; got ${describeValue(body)}`,
    );
  }
  const fn = body;
  const checked = checkKernelOptions(options);
  return {
    kernelId: checked.kernelId,
    options: checked,
    start(port: KernelPort<In, Out>): KernelExecution {
      const context = new LocalKernelContext<In, Out>(port);
      // Started on a microtask so that launch() has registered the kernel before its code runs.
      // On a crash the messages in flight are not counted as processed: the runtime dead-letters them.
      const finished = Promise.resolve()
        .then(() => fn(context))
        .then(() => context.finish());
      return { finished, inFlight: () => context.inFlightMessages() };
    },
  };
}

/** Validates kernel options, throwing `InvalidArgumentError` that quotes the bad value. */
export function checkKernelOptions(options: KernelOptions): KernelOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`kernel options must be an object; got ${describeValue(options)}`);
  }
  const {
    kernelId,
    queueSize,
    inputQueueSize,
    outputQueueSize,
    backpressure,
    outputBackpressure,
    terminateTimeout,
    accepts,
  } = options;
  if (
    accepts !== undefined &&
    !(
      Array.isArray(accepts) &&
      accepts.length > 0 &&
      accepts.every((definition) => isMessageDefinition(definition))
    )
  ) {
    throw new InvalidArgumentError(
      `accepts must be a non-empty array of message definitions (what defineMessage returns); got ${describeValue(accepts)}`,
    );
  }
  if (kernelId !== undefined) checkKernelId(kernelId);
  if (queueSize !== undefined) checkCapacity(queueSize, 'queueSize');
  if (inputQueueSize !== undefined) checkCapacity(inputQueueSize, 'inputQueueSize');
  if (outputQueueSize !== undefined) checkCapacity(outputQueueSize, 'outputQueueSize');
  if (backpressure !== undefined) checkBackpressure(backpressure, 'backpressure');
  if (outputBackpressure !== undefined) checkBackpressure(outputBackpressure, 'outputBackpressure');
  if (terminateTimeout !== undefined && !(typeof terminateTimeout === 'number' && terminateTimeout >= 0)) {
    throw new InvalidArgumentError(
      `terminateTimeout must be a number of ms >= 0; got ${describeValue(terminateTimeout)}`,
    );
  }
  return options;
}

function isMessageDefinition(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { create?: unknown }).create === 'function' &&
    typeof (value as { is?: unknown }).is === 'function'
  );
}

export function checkKernelId(kernelId: unknown): string {
  if (typeof kernelId === 'string' && kernelId.length > 0) return kernelId;
  throw new InvalidArgumentError(`a kernel id must be a non-empty string; got ${describeValue(kernelId)}`);
}
