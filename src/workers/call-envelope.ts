/*
 * Kernel-to-kernel calls of a worker kernel (sendTo, request, publish, subscribe) cross the rings as
 * small binary envelopes. A call travels on the worker's output ring, in order with its plain
 * outputs; its first byte is 0xc1, which msgpack never uses, while a plain output always starts with
 * an array header, so the host tells them apart by one byte and plain outputs carry no envelope.
 * Results come back on a reply ring of their own: a kernel awaiting a reply must never find it
 * queued behind input it cannot take while it waits.
 */

/** First byte of a call envelope (msgpack's "never used" byte). */
export const CALL_MARKER = 0xc1;

/** Worker → host operations. */
export const CALL_SEND_TO = 1;
export const CALL_REQUEST = 2;
export const CALL_PUBLISH = 3;
export const CALL_SUBSCRIBE = 4;
export const CALL_UNSUBSCRIBE = 5;
/** The worker gave up on a call (timeout or abort): the host stops waiting on its behalf. */
export const CALL_CANCEL = 6;

/** Envelope flag: the worker may cancel this call, so the host gives it an abort signal. */
export const FLAG_CANCELLABLE = 1;
/** Envelope flag of a publish: `{ retain: true }`. */
export const FLAG_RETAIN = 2;

/** Header: marker, operation, flags, spare byte, call id (u32), target length (u16). */
const CALL_HEADER_BYTES = 10;

/** Host → worker results. */
export const REPLY_DONE = 0;
export const REPLY_COUNT = 1;
export const REPLY_MESSAGE = 2;
export const REPLY_ERROR = 3;

/** Header: status, three spare bytes, call id (u32); then the count (u32), the message or the error. */
export const REPLY_HEADER_BYTES = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Builds a call envelope: header, target (kernel id, topic or pattern) and the message's bytes. */
export function encodeCall(
  operation: number,
  flags: number,
  callId: number,
  target: string,
  message: Uint8Array | undefined,
): Uint8Array {
  const targetBytes = encoder.encode(target);
  const messageLength = message?.length ?? 0;
  const envelope = new Uint8Array(CALL_HEADER_BYTES + targetBytes.length + messageLength);
  const view = new DataView(envelope.buffer);
  envelope[0] = CALL_MARKER;
  envelope[1] = operation;
  envelope[2] = flags;
  view.setUint32(4, callId, true);
  view.setUint16(8, targetBytes.length, true);
  envelope.set(targetBytes, CALL_HEADER_BYTES);
  if (message !== undefined) envelope.set(message, CALL_HEADER_BYTES + targetBytes.length);
  return envelope;
}

/** A decoded envelope; `message` is a view into the frame (valid as long as the frame is). */
export interface Call {
  readonly operation: number;
  readonly flags: number;
  readonly callId: number;
  readonly target: string;
  readonly message: Uint8Array;
}

export function decodeCall(frame: Uint8Array): Call {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const targetLength = view.getUint16(8, true);
  const messageStart = CALL_HEADER_BYTES + targetLength;
  return {
    operation: frame[1]!,
    flags: frame[2]!,
    callId: view.getUint32(4, true),
    target: decoder.decode(frame.subarray(CALL_HEADER_BYTES, messageStart)),
    message: frame.subarray(messageStart),
  };
}

/** Builds a result frame: `payload` is the count (REPLY_COUNT), the reply's or the error's bytes. */
export function encodeReply(
  status: number,
  callId: number,
  payload: Uint8Array | number | undefined,
): Uint8Array {
  const payloadLength = payload === undefined ? 0 : typeof payload === 'number' ? 4 : payload.length;
  const frame = new Uint8Array(REPLY_HEADER_BYTES + payloadLength);
  const view = new DataView(frame.buffer);
  frame[0] = status;
  view.setUint32(4, callId, true);
  if (typeof payload === 'number') view.setUint32(REPLY_HEADER_BYTES, payload, true);
  else if (payload !== undefined) frame.set(payload, REPLY_HEADER_BYTES);
  return frame;
}

export function replyCallId(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4, true);
}

export function replyCount(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(REPLY_HEADER_BYTES, true);
}

/** Errors cross as JSON: they are rare, and their shape is plain data already. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}
