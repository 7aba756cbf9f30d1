import { MessageDecodeError } from '../messages/errors.js';
import type { MessageRegistry } from '../messages/registry.js';
import type { Message } from '../messages/types.js';
import { definitionOf, type WireDefinition } from '../messages/wire.js';
import { fastFrameOf } from '../messages/define.js';
import { readUuid, writeUuid } from '../messages/fast-frame.js';

/*
 * The compact frame format of worker rings. Both threads hold the same message types, so a frame
 * names its type by index and carries the definition's positional wire form (`toWire`) with a
 * one-byte tag per value; decoding rebuilds that form and hands it to `fromWire`, which validates
 * every value exactly as the msgpack codec's decoding does. UUIDs (messageId, correlationId) are
 * 36 ASCII bytes copied with no UTF-8 work. It avoids msgpackr's per-call setup, its
 * intermediate buffers and its native string extractor (a costly call for strings this short),
 * which together were a third of the host thread's time per message.
 *
 * Values outside the compact set (plain objects of json fields, bigints beyond 64 bits, ...) make
 * the whole message go as a msgpack frame: it starts with an array header, never with
 * {@link COMPACT_MARKER}, so the reader tells the two apart by the first byte.
 */

/** First byte of a compact frame (msgpack's `false`: never the first byte of a msgpack message). */
export const COMPACT_MARKER = 0xc2;
/**
 * First byte of a fast frame (msgpack's `true`): schemas whose fields are all numbers, booleans,
 * strings, enums or UUIDs go raw, in schema order, with no per-value tag:
 * `marker u8 | type u16 | priority u8 | flags u8 | messageId 36 | correlationId 36 (flag 1) | fields`.
 * Values are not validated again on decode (they were when the message was created, and both
 * threads hold the same definitions); the frame's structure is, with typed errors.
 */
export const FAST_MARKER = 0xc3;
const FAST_HEADER = 5;
const HAS_CORRELATION = 1;

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_INT32 = 3;
const TAG_FLOAT64 = 4;
const TAG_UUID = 5;
const TAG_STRING = 6;
const TAG_BYTES = 7;
const TAG_ARRAY = 8;
const TAG_BIGINT64 = 9;

const UUID_LENGTH = 36;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
/** Arrays nested deeper than this go as msgpack (a cyclic value must not recurse forever). */
const MAX_DEPTH = 32;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

type FastFrameWriterOf = NonNullable<ReturnType<typeof fastFrameOf>>['writer'];

/** Encodes and decodes the messages of one registry in the compact format (one per thread side). */
export class FrameCodec {
  readonly #registry: MessageRegistry;
  readonly #definitions: WireDefinition[] = [];
  readonly #indexOf = new Map<WireDefinition, number>();
  readonly #maxBytes: number;
  #buffer = new Uint8Array(1024);
  #view = new DataView(this.#buffer.buffer);
  #position = 0;
  #bytes: Uint8Array = new Uint8Array(0);
  #readView: DataView = new DataView(this.#bytes.buffer);
  #offset = 0;

  constructor(registry: MessageRegistry) {
    this.#registry = registry;
    this.#maxBytes = registry.codec.maxBytes;
    // Sorted names: both threads registered the same names (checked at launch), maybe in another order.
    for (const name of [...registry.names].sort()) {
      const definition = registry.get(name)!;
      this.#indexOf.set(definition, this.#definitions.length);
      this.#definitions.push(definition);
    }
  }

  /**
   * The frame for `message`: a view valid until the next call (copy it to keep it). Falls back to
   * the registry's msgpack encoding, which also throws its errors (unregistered type, too large).
   */
  encode(message: Message): Uint8Array {
    const definition = definitionOf(message);
    const index = definition === undefined ? undefined : this.#indexOf.get(definition);
    if (index === undefined) return this.#registry.encode(message);
    const fast = fastFrameOf(definition!);
    if (fast !== undefined) return this.#encodeFast(message, index, fast.writer);
    const wire = definition!.toWire(message);
    const count = wire.length - 1;
    this.#position = 0;
    this.#ensure(4);
    const buffer = this.#buffer;
    buffer[0] = COMPACT_MARKER;
    this.#view.setUint16(1, index, true);
    buffer[3] = count;
    this.#position = 4;
    if (count > 0xff) return this.#registry.encode(message);
    for (let at = 1; at < wire.length; at++) {
      if (!this.#write(wire[at], 0)) return this.#registry.encode(message);
    }
    if (this.#position > this.#maxBytes) return this.#registry.encode(message);
    return this.#buffer.subarray(0, this.#position);
  }

  #encodeFast(message: Message, index: number, writer: FastFrameWriterOf): Uint8Array {
    const correlationId = message.correlationId;
    this.#position = 0;
    this.#ensure(FAST_HEADER + 72 + writer.maxBytes(message));
    const buffer = this.#buffer;
    const view = this.#view;
    buffer[0] = FAST_MARKER;
    view.setUint16(1, index, true);
    buffer[3] = message.priority;
    writeUuid(message.messageId, buffer, FAST_HEADER);
    let position = FAST_HEADER + 36;
    if (correlationId === undefined) {
      buffer[4] = 0;
    } else {
      buffer[4] = HAS_CORRELATION;
      writeUuid(correlationId, buffer, position);
      position += 36;
    }
    const end = writer.writeFields(message, buffer, view, position);
    if (end > this.#maxBytes) return this.#registry.encode(message);
    return buffer.subarray(0, end);
  }

  #decodeFast(bytes: Uint8Array, view: DataView): Message {
    const base = bytes.byteOffset;
    const end = bytes.length;
    if (end < FAST_HEADER + 36) throw new MessageDecodeError(undefined, 'the fast frame is truncated');
    const index = view.getUint16(base + 1, true);
    const definition = this.#definitions[index];
    if (definition === undefined)
      throw new MessageDecodeError(undefined, `unknown message type index ${index}`);
    const fast = fastFrameOf(definition);
    if (fast === undefined)
      throw new MessageDecodeError(definition.name, 'a fast frame for a type that has no fast form');
    const flags = bytes[4]!;
    let position = FAST_HEADER + 36;
    let correlationId: string | undefined;
    if ((flags & HAS_CORRELATION) !== 0) {
      if (end < position + 36) throw new MessageDecodeError(definition.name, 'the fast frame is truncated');
      correlationId = readUuid(bytes, position);
      position += 36;
    }
    // The reader works on positions within `bytes`: hand it a view whose offset 0 is the frame's.
    const frameView = base === 0 ? view : new DataView(bytes.buffer, base, end);
    const message = fast.reader(
      bytes,
      frameView,
      position,
      end,
      readUuid(bytes, FAST_HEADER),
      bytes[3]!,
      correlationId,
    );
    if (message === undefined)
      throw new MessageDecodeError(
        definition.name,
        'the fast frame is malformed (truncated, trailing bytes or bad UTF-8)',
      );
    return message as Message;
  }

  /**
   * An upper bound of `message`'s frame size without encoding it, for types with a fast frame;
   * `undefined` for others (only encoding tells).
   */
  sizeBound(message: Message): number | undefined {
    const definition = definitionOf(message);
    const fast = definition === undefined ? undefined : fastFrameOf(definition);
    return fast === undefined ? undefined : FAST_HEADER + 72 + fast.writer.maxBytes(message);
  }

  /** Decodes a frame of any format; `bytes` must be private (not shared) memory. */
  decode(bytes: Uint8Array): Message {
    const marker = bytes[0];
    if (marker === FAST_MARKER) {
      if (bytes.buffer !== this.#bytes.buffer) {
        this.#readView = new DataView(bytes.buffer);
        this.#bytes = bytes;
      }
      return this.#decodeFast(bytes, this.#readView);
    }
    if (marker !== COMPACT_MARKER) return this.#registry.decode(bytes);
    if (bytes.buffer !== this.#bytes.buffer) this.#readView = new DataView(bytes.buffer);
    this.#bytes = bytes;
    const base = bytes.byteOffset;
    const view = this.#readView;
    if (bytes.length < 4) throw new MessageDecodeError(undefined, 'the compact frame is truncated');
    const index = view.getUint16(base + 1, true);
    const definition = this.#definitions[index];
    if (definition === undefined)
      throw new MessageDecodeError(undefined, `unknown message type index ${index}`);
    const count = bytes[3]!;
    const wire = new Array<unknown>(count + 1);
    wire[0] = definition.name;
    this.#offset = 4;
    for (let at = 1; at <= count; at++) wire[at] = this.#read(definition.name);
    if (this.#offset !== bytes.length)
      throw new MessageDecodeError(definition.name, 'the compact frame has trailing bytes');
    return definition.fromWire(wire, 1, definition.name, '');
  }

  #ensure(more: number): void {
    const needed = this.#position + more;
    if (needed <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
    grown.set(this.#buffer.subarray(0, this.#position));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** Appends one tagged value; false when it is outside the compact set. */
  #write(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'number':
        if ((value | 0) === value && !Object.is(value, -0)) {
          this.#ensure(5);
          this.#buffer[this.#position] = TAG_INT32;
          this.#view.setInt32(this.#position + 1, value, true);
          this.#position += 5;
        } else {
          this.#ensure(9);
          this.#buffer[this.#position] = TAG_FLOAT64;
          this.#view.setFloat64(this.#position + 1, value, true);
          this.#position += 9;
        }
        return true;
      case 'string':
        return this.#writeString(value);
      case 'boolean':
        this.#ensure(1);
        this.#buffer[this.#position++] = value ? TAG_TRUE : TAG_FALSE;
        return true;
      case 'undefined':
        this.#ensure(1);
        this.#buffer[this.#position++] = TAG_NULL;
        return true;
      case 'bigint':
        if (value < MIN_INT64 || value > MAX_INT64) return false;
        this.#ensure(9);
        this.#buffer[this.#position] = TAG_BIGINT64;
        this.#view.setBigInt64(this.#position + 1, value, true);
        this.#position += 9;
        return true;
      case 'object':
        if (value === null) {
          this.#ensure(1);
          this.#buffer[this.#position++] = TAG_NULL;
          return true;
        }
        if (value instanceof Uint8Array) {
          this.#ensure(5 + value.length);
          this.#buffer[this.#position] = TAG_BYTES;
          this.#view.setUint32(this.#position + 1, value.length, true);
          this.#buffer.set(value, this.#position + 5);
          this.#position += 5 + value.length;
          return true;
        }
        if (Array.isArray(value) && depth < MAX_DEPTH) {
          const items = value as unknown[];
          this.#ensure(5);
          this.#buffer[this.#position] = TAG_ARRAY;
          this.#view.setUint32(this.#position + 1, items.length, true);
          this.#position += 5;
          for (const item of items) if (!this.#write(item, depth + 1)) return false;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  #writeString(value: string): boolean {
    const length = value.length;
    if (length === UUID_LENGTH) {
      this.#ensure(1 + UUID_LENGTH);
      const buffer = this.#buffer;
      const start = this.#position + 1;
      let ascii = true;
      for (let index = 0; index < UUID_LENGTH; index++) {
        const code = value.charCodeAt(index);
        if (code > 0x7f) {
          ascii = false;
          break;
        }
        buffer[start + index] = code;
      }
      if (ascii) {
        buffer[this.#position] = TAG_UUID;
        this.#position = start + UUID_LENGTH;
        return true;
      }
    }
    this.#ensure(5 + length * 3);
    const start = this.#position + 5;
    const { written } = utf8Encoder.encodeInto(value, this.#buffer.subarray(start));
    this.#buffer[this.#position] = TAG_STRING;
    this.#view.setUint32(this.#position + 1, written, true);
    this.#position = start + written;
    return true;
  }

  #read(messageType: string, depth = 0): unknown {
    const bytes = this.#bytes;
    const offset = this.#offset;
    const end = bytes.length;
    if (offset >= end) throw new MessageDecodeError(messageType, 'the compact frame is truncated');
    const view = this.#readView;
    const at = bytes.byteOffset + offset + 1;
    switch (bytes[offset]) {
      case TAG_NULL:
        this.#offset = offset + 1;
        return null;
      case TAG_FALSE:
        this.#offset = offset + 1;
        return false;
      case TAG_TRUE:
        this.#offset = offset + 1;
        return true;
      case TAG_INT32:
        this.#check(offset + 5, messageType);
        return view.getInt32(at, true);
      case TAG_FLOAT64:
        this.#check(offset + 9, messageType);
        return view.getFloat64(at, true);
      case TAG_BIGINT64:
        this.#check(offset + 9, messageType);
        return view.getBigInt64(at, true);
      case TAG_UUID: {
        this.#check(offset + 1 + UUID_LENGTH, messageType);
        const b = bytes;
        const s = offset + 1;
        // One call with fixed arguments: far cheaper than a decoder or `apply` for 36 characters.
        return String.fromCharCode(
          b[s]!,
          b[s + 1]!,
          b[s + 2]!,
          b[s + 3]!,
          b[s + 4]!,
          b[s + 5]!,
          b[s + 6]!,
          b[s + 7]!,
          b[s + 8]!,
          b[s + 9]!,
          b[s + 10]!,
          b[s + 11]!,
          b[s + 12]!,
          b[s + 13]!,
          b[s + 14]!,
          b[s + 15]!,
          b[s + 16]!,
          b[s + 17]!,
          b[s + 18]!,
          b[s + 19]!,
          b[s + 20]!,
          b[s + 21]!,
          b[s + 22]!,
          b[s + 23]!,
          b[s + 24]!,
          b[s + 25]!,
          b[s + 26]!,
          b[s + 27]!,
          b[s + 28]!,
          b[s + 29]!,
          b[s + 30]!,
          b[s + 31]!,
          b[s + 32]!,
          b[s + 33]!,
          b[s + 34]!,
          b[s + 35]!,
        );
      }
      case TAG_STRING: {
        this.#check(offset + 5, messageType);
        const length = view.getUint32(at, true);
        this.#check(offset + 5 + length, messageType);
        try {
          return utf8Decoder.decode(bytes.subarray(offset + 5, offset + 5 + length));
        } catch {
          throw new MessageDecodeError(messageType, 'a string in the compact frame is not valid UTF-8');
        }
      }
      case TAG_BYTES: {
        this.#check(offset + 5, messageType);
        const length = view.getUint32(at, true);
        this.#check(offset + 5 + length, messageType);
        return bytes.slice(offset + 5, offset + 5 + length);
      }
      case TAG_ARRAY: {
        this.#check(offset + 5, messageType);
        const length = view.getUint32(at, true);
        if (length > end - offset)
          throw new MessageDecodeError(messageType, 'the compact frame is truncated');
        if (depth >= MAX_DEPTH)
          throw new MessageDecodeError(
            messageType,
            `arrays in the compact frame nest deeper than ${MAX_DEPTH}`,
          );
        const items = new Array<unknown>(length);
        for (let index = 0; index < length; index++) items[index] = this.#read(messageType, depth + 1);
        return items;
      }
      default:
        throw new MessageDecodeError(
          messageType,
          `unknown value tag ${String(bytes[offset])} in a compact frame`,
        );
    }
  }

  /** Moves past a value ending at `next`, or throws when the frame is shorter. */
  #check(next: number, messageType: string): void {
    if (next > this.#bytes.length)
      throw new MessageDecodeError(messageType, 'the compact frame is truncated');
    this.#offset = next;
  }
}
