import { MessageDecodeError } from '../messages/errors.js';

/*
 * One NATS message carries one or more encoded kernel messages (each the runtime's msgpackr
 * encoding, type tag, messageId, priority and correlationId included):
 *
 *   u32 count | count × (u32 byteLength | bytes)      (little-endian)
 *
 * Batching several kernel messages per NATS message is what lets tells and durable deliveries go
 * faster than one NATS (or JetStream) message each; a single message is a batch of one.
 */

/** Packs encoded messages into one frame. */
export function encodeFrame(parts: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const frame = new Uint8Array(4 + 4 * parts.length + totalBytes);
  const view = new DataView(frame.buffer);
  view.setUint32(0, parts.length, true);
  let offset = 4;
  for (const part of parts) {
    view.setUint32(offset, part.length, true);
    frame.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return frame;
}

/** The encoded messages of a frame (views into `frame`). */
export function decodeFrame(frame: Uint8Array): Uint8Array[] {
  if (frame.length < 4) throw new MessageDecodeError(undefined, 'a cluster frame is at least 4 bytes');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  const parts: Uint8Array[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > frame.length) throw new MessageDecodeError(undefined, 'truncated cluster frame');
    const length = view.getUint32(offset, true);
    const end = offset + 4 + length;
    if (end > frame.length) throw new MessageDecodeError(undefined, 'truncated cluster frame');
    parts.push(frame.subarray(offset + 4, end));
    offset = end;
  }
  if (offset !== frame.length)
    throw new MessageDecodeError(undefined, 'trailing bytes after a cluster frame');
  return parts;
}
