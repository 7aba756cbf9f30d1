import { InvalidArgumentError } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import type { WaitOptions } from '../queues/wait-options.js';
import { FrameTooLargeError } from '../ring/errors.js';
import type { KernelPort } from '../runtime/kernel-port.js';
import {
  CALL_CANCEL,
  CALL_PUBLISH,
  CALL_REQUEST,
  CALL_SEND_TO,
  CALL_SUBSCRIBE,
  CALL_UNSUBSCRIBE,
  FLAG_CANCELLABLE,
  FLAG_RETAIN,
  REPLY_COUNT,
  REPLY_DONE,
  REPLY_ERROR,
  REPLY_MESSAGE,
  decodeCall,
  encodeJson,
  encodeReply,
  type Call,
} from './call-envelope.js';
import { serializeCallError } from './call-errors.js';
import type { WorkerLink } from './worker-link.js';

function unsupported(operation: string): Error {
  return new InvalidArgumentError(
    `ctx.${operation} is not available: the runtime gave this kernel no router`,
  );
}

/**
 * The host side of a worker kernel's kernel-to-kernel calls: runs each call the worker sent
 * through the kernel's port (so routing, backpressure and topics behave as for an event-loop
 * kernel) and sends its result back. Calls do not hold up the worker's later outputs: each
 * settles on its own, as the promises of an event-loop kernel would.
 */
export class HostCalls {
  readonly #port: KernelPort;
  readonly #registry: MessageRegistry;

  constructor(port: KernelPort, registry: MessageRegistry) {
    this.#port = port;
    this.#registry = registry;
  }

  /** Runs the call in `frame` (an envelope read from `link`'s output ring). */
  handle(link: WorkerLink, frame: Uint8Array): void {
    const port = this.#port;
    let call: Call;
    try {
      call = decodeCall(frame);
    } catch (error) {
      port.reportError(error);
      return;
    }
    const callId = call.callId;
    switch (call.operation) {
      case CALL_CANCEL:
        link.cancellers.get(callId)?.abort();
        return;
      case CALL_SUBSCRIBE:
        try {
          if (port.subscribe === undefined) throw unsupported('subscribe');
          link.subscriptions.set(callId, port.subscribe(call.target));
        } catch (error) {
          port.reportError(error);
        }
        return;
      case CALL_UNSUBSCRIBE: {
        const unsubscribe = link.subscriptions.get(callId);
        link.subscriptions.delete(callId);
        unsubscribe?.();
        return;
      }
    }
    let result: Promise<unknown>;
    try {
      result = this.#start(link, call);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => {
        link.cancellers.delete(callId);
        this.#reply(link, call.operation, callId, value);
      },
      (error: unknown) => {
        link.cancellers.delete(callId);
        link.reply(encodeReply(REPLY_ERROR, callId, encodeJson(serializeCallError(error))));
      },
    );
  }

  #start(link: WorkerLink, call: Call): Promise<unknown> {
    const port = this.#port;
    const message = this.#registry.decode(call.message);
    let options: WaitOptions | undefined;
    if ((call.flags & FLAG_CANCELLABLE) !== 0) {
      const canceller = new AbortController();
      link.cancellers.set(call.callId, canceller);
      options = { signal: canceller.signal };
    }
    switch (call.operation) {
      case CALL_SEND_TO:
        if (port.sendTo === undefined) throw unsupported('sendTo');
        return port.sendTo(call.target, message, options);
      case CALL_REQUEST:
        if (port.request === undefined) throw unsupported('request');
        return port.request(call.target, message, options);
      case CALL_PUBLISH:
        if (port.publish === undefined) throw unsupported('publish');
        return port.publish(call.target, message, { retain: (call.flags & FLAG_RETAIN) !== 0 });
      default:
        throw new InvalidArgumentError(`unknown kernel-to-kernel operation ${call.operation}`);
    }
  }

  #reply(link: WorkerLink, operation: number, callId: number, value: unknown): void {
    let frame: Uint8Array;
    try {
      if (operation === CALL_REQUEST) {
        frame = encodeReply(REPLY_MESSAGE, callId, this.#registry.encode(value as Message));
        const maxFrameSize = link.replyRing.maxFrameSize;
        if (frame.length > maxFrameSize) throw new FrameTooLargeError(frame.length, maxFrameSize);
      } else if (operation === CALL_PUBLISH) {
        frame = encodeReply(REPLY_COUNT, callId, value as number);
      } else {
        frame = encodeReply(REPLY_DONE, callId, undefined);
      }
    } catch (error) {
      // The reply's type is unknown to the worker's registry, or it is too large for the ring.
      frame = encodeReply(REPLY_ERROR, callId, encodeJson(serializeCallError(error)));
    }
    link.reply(frame);
  }
}
