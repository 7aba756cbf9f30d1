import { TimeoutError } from '../errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import { deadlineOf, type WaitOptions } from '../queues/wait-options.js';
import type { SpscByteRing } from '../ring/spsc-byte-ring.js';
import { topicMatcher } from '../runtime/topic-pattern.js';
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
  REPLY_HEADER_BYTES,
  REPLY_MESSAGE,
  decodeJson,
  encodeCall,
  replyCallId,
  replyCount,
} from './call-envelope.js';
import { rebuildCallError } from './call-errors.js';
import { FrameReader } from './frame-reader.js';

/** Writes a frame on the worker's output ring, in order with the kernel's outputs. */
export type OutputWriter = (frame: Uint8Array) => Promise<void>;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cleanup: (() => void) | undefined;
}

/**
 * The worker side of kernel-to-kernel calls: each call goes to the host as an envelope on the
 * output ring, and settles when its result comes back on the reply ring. A timeout or an abort
 * settles it here at once and tells the host to stop waiting on its behalf.
 */
export class WorkerCalls {
  readonly #kernelId: string;
  readonly #registry: MessageRegistry;
  readonly #replyRing: SpscByteRing;
  readonly #write: OutputWriter;
  readonly #stopSignal: AbortSignal;
  readonly #onWriteError: (error: unknown) => void;
  readonly #reader = new FrameReader();
  readonly #calls = new Map<number, PendingCall>();
  #nextId = 1;
  #listening = false;

  constructor(
    kernelId: string,
    registry: MessageRegistry,
    replyRing: SpscByteRing,
    write: OutputWriter,
    stopSignal: AbortSignal,
    onWriteError: (error: unknown) => void,
  ) {
    this.#kernelId = kernelId;
    this.#registry = registry;
    this.#replyRing = replyRing;
    this.#write = write;
    this.#stopSignal = stopSignal;
    this.#onWriteError = onWriteError;
  }

  sendTo(kernelId: string, message: Message, options: WaitOptions | undefined): Promise<void> {
    return this.#call(CALL_SEND_TO, 0, kernelId, message, options, 'sendTo') as Promise<void>;
  }

  request(kernelId: string, message: Message, options: WaitOptions | undefined): Promise<Message> {
    return this.#call(CALL_REQUEST, 0, kernelId, message, options, 'request') as Promise<Message>;
  }

  publish(topic: string, message: Message, options: { retain?: boolean } | undefined): Promise<number> {
    const flags = options?.retain === true ? FLAG_RETAIN : 0;
    return this.#call(CALL_PUBLISH, flags, topic, message, undefined, 'publish') as Promise<number>;
  }

  /** Checks the pattern here (so a bad one throws at the call, as on the event loop), then tells the host. */
  subscribe(pattern: string): () => void {
    topicMatcher(pattern);
    const id = this.#takeId();
    this.#send(encodeCall(CALL_SUBSCRIBE, 0, id, pattern, undefined));
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#send(encodeCall(CALL_UNSUBSCRIBE, 0, id, '', undefined));
    };
  }

  #takeId(): number {
    const id = this.#nextId;
    this.#nextId = (id + 1) >>> 0 || 1;
    return id;
  }

  #send(frame: Uint8Array): void {
    this.#write(frame).then(undefined, this.#onWriteError);
  }

  #call(
    operation: number,
    flags: number,
    target: string,
    message: Message,
    options: WaitOptions | undefined,
    name: string,
  ): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    let deadline: number;
    let bytes: Uint8Array;
    try {
      deadline = deadlineOf(options?.timeout);
      bytes = this.#registry.encode(message);
    } catch (error) {
      return Promise.reject(error);
    }
    const callId = this.#takeId();
    const cancellable = signal !== undefined || deadline !== Infinity;
    const envelope = encodeCall(
      operation,
      cancellable ? flags | FLAG_CANCELLABLE : flags,
      callId,
      target,
      bytes,
    );
    return new Promise<unknown>((resolve, reject) => {
      const call: PendingCall = { resolve, reject, cleanup: undefined };
      this.#calls.set(callId, call);
      if (cancellable) {
        const giveUp = (error: unknown) => {
          if (this.#calls.get(callId) !== call) return;
          this.#calls.delete(callId);
          call.cleanup?.();
          reject(error);
          this.#send(encodeCall(CALL_CANCEL, 0, callId, '', undefined));
        };
        const onAbort = () => giveUp(signal!.reason);
        const timer =
          deadline === Infinity
            ? undefined
            : setTimeout(
                () => giveUp(new TimeoutError(name, options!.timeout!, target)),
                deadline - performance.now(),
              );
        signal?.addEventListener('abort', onAbort, { once: true });
        call.cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
      }
      this.#listen();
      this.#write(envelope).then(undefined, (error: unknown) => {
        if (this.#calls.get(callId) !== call) return;
        this.#calls.delete(callId);
        call.cleanup?.();
        reject(error);
      });
    });
  }

  /** Reads results while calls wait for them (nothing listens otherwise). */
  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    void this.#receiveResults();
  }

  async #receiveResults(): Promise<void> {
    const ring = this.#replyRing;
    const signal = this.#stopSignal;
    try {
      while (this.#calls.size !== 0) {
        for (;;) {
          const frame = this.#reader.next(ring);
          if (frame === undefined) break;
          this.#settle(frame);
        }
        if (this.#calls.size === 0) break;
        await ring.waitReadableAsync({ signal });
      }
    } catch {
      // stopped: the kernel function is over, nobody waits for these results any more
    } finally {
      this.#listening = false;
    }
  }

  #settle(frame: Uint8Array): void {
    const callId = replyCallId(frame);
    const call = this.#calls.get(callId);
    // A result for a call given up already (timeout, abort): the host finished it anyway.
    if (call === undefined) return;
    this.#calls.delete(callId);
    call.cleanup?.();
    try {
      switch (frame[0]) {
        case REPLY_DONE:
          call.resolve(undefined);
          return;
        case REPLY_COUNT:
          call.resolve(replyCount(frame));
          return;
        case REPLY_MESSAGE:
          call.resolve(this.#registry.decode(frame.subarray(REPLY_HEADER_BYTES)));
          return;
        case REPLY_ERROR:
          call.reject(rebuildCallError(decodeJson(frame.subarray(REPLY_HEADER_BYTES))));
          return;
        default:
          call.reject(
            new TypeError(`worker kernel '${this.#kernelId}': unknown result status ${String(frame[0])}`),
          );
      }
    } catch (error) {
      call.reject(error);
    }
  }
}
