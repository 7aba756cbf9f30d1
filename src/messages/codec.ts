import { FLOAT32_OPTIONS, Packr } from 'msgpackr';
import { describeValue, InvalidArgumentError } from '../errors.js';
import { MessageDecodeError, MessageTooLargeError } from './errors.js';
import type { Message } from './types.js';
import { definitionOf, type WireDefinition } from './wire.js';

/** Default size limit of an encoded message: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Options of a {@link MessageCodec}. */
export interface MessageCodecOptions {
  /** Largest encoded message accepted by `encode` and `decode`, in bytes. Default 1 MiB. */
  readonly maxBytes?: number;
}

/**
 * Binary encoding of messages with msgpackr. The wire form is one msgpack array
 * `[typeName, messageId, priority, correlationId | null, ...fields in schema order]`; the schema drives
 * the conversion of each field (typed arrays as little-endian bytes, Dates as epoch milliseconds,
 * bigints as 64-bit integers, nested messages as nested arrays), so everything round-trips exactly and
 * decoding validates every value.
 *
 * Definitions use a shared default codec (limit 1 MiB); make your own for another limit.
 *
 * @example
 * ```ts
 * const codec = new MessageCodec({ maxBytes: 64 * 1024 });
 * const bytes = codec.encode(request);
 * const again = codec.decode(bytes, CalculateRequest);
 * ```
 */
export class MessageCodec {
  readonly maxBytes: number;
  readonly #packr: Packr;

  constructor(options: MessageCodecOptions = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1)
      throw new InvalidArgumentError(`maxBytes must be a positive integer, got ${describeValue(maxBytes)}`);
    this.maxBytes = maxBytes;
    // Arrays with schema-driven values need none of msgpackr's object machinery: records and structured
    // clone would only add work, and out-of-range bigints must fail rather than silently become floats.
    this.#packr = new Packr({
      useRecords: false,
      moreTypes: false,
      structuredClone: false,
      bundleStrings: false,
      mapsAsObjects: true,
      variableMapSize: true,
      useFloat32: FLOAT32_OPTIONS.NEVER,
      int64AsType: 'bigint',
      largeBigIntToFloat: false,
      largeBigIntToString: false,
      useBigIntExtension: false,
      encodeUndefinedAsNil: true,
      copyBuffers: false,
    });
  }

  /**
   * Encodes a message made by a message definition. The result is a plain `Uint8Array` that owns
   * its memory (a copy, not a view into msgpackr's shared buffer): keep it, change it, or transfer
   * its `buffer` (`postMessage` transfer lists, `structuredClone(..., { transfer })`) without
   * affecting any other encoding.
   *
   * @throws {@link MessageTooLargeError} over `maxBytes`; `InvalidArgumentError` for plain objects.
   */
  encode(message: Message): Uint8Array {
    const definition = definitionOf(message);
    if (definition === undefined)
      throw new InvalidArgumentError(
        `cannot encode ${describeValue(message)}: only messages made by a definition's create() can be encoded`,
      );
    return this.encodeWith(definition, message);
  }

  /** @internal */
  encodeWith(definition: WireDefinition, message: Message): Uint8Array {
    const wire = definition.toWire(message);
    wire[0] = definition.name;
    const packed = this.#packr.pack(wire);
    if (packed.length > this.maxBytes)
      throw new MessageTooLargeError(definition.name, packed.length, this.maxBytes);
    // msgpackr packs into one buffer it reuses and returns a Buffer view of it: hand out a copy
    // (a plain Uint8Array: Buffer's own slice() would be another view of the shared memory).
    return new Uint8Array(packed);
  }

  /**
   * Decodes bytes that must hold a message of `definition`'s type, validating every field.
   *
   * @throws {@link MessageDecodeError} for garbage, truncated or trailing bytes and another type's bytes;
   *   `MessageValidationError` for a value that does not fit the schema; {@link MessageTooLargeError}.
   */
  decode<T extends Message>(
    bytes: Uint8Array,
    definition: WireDefinition & { is(value: unknown): value is T },
  ): T {
    const wire = this.unpack(bytes, definition.name);
    const tag = wire[0];
    if (tag !== definition.name)
      throw new MessageDecodeError(
        definition.name,
        typeof tag === 'string' ? `the bytes hold a '${tag}' message` : 'the type tag is missing',
      );
    return definition.fromWire(wire, 1, definition.name, '') as T;
  }

  /**
   * Unpacks and checks the outer structure: an array whose first element is a type tag.
   * @internal
   */
  unpack(bytes: Uint8Array, expectedType: string | undefined): unknown[] {
    if (!(bytes instanceof Uint8Array))
      throw new MessageDecodeError(expectedType, `expected a Uint8Array, got ${describeValue(bytes)}`);
    if (bytes.length > this.maxBytes)
      throw new MessageTooLargeError(expectedType, bytes.length, this.maxBytes);
    if (bytes.length === 0) throw new MessageDecodeError(expectedType, 'the input is empty');
    let wire: unknown;
    try {
      // A fresh view: msgpackr caches a DataView as a property of its input, which must not show
      // up on the caller's array.
      wire = this.#packr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    } catch (error) {
      const reason = error instanceof Error ? error.message.slice(0, 80) : describeValue(error);
      throw new MessageDecodeError(expectedType, `not a valid msgpack message (${reason})`, { cause: error });
    }
    if (!Array.isArray(wire) || typeof wire[0] !== 'string')
      throw new MessageDecodeError(
        expectedType,
        `expected a tagged message array, got ${describeValue(wire)}`,
      );
    return wire;
  }
}

let defaultCodec: MessageCodec | undefined;

/** The codec definitions use for `encode`/`decode` (limit 1 MiB), created on first use. */
export function getDefaultCodec(): MessageCodec {
  defaultCodec ??= new MessageCodec();
  return defaultCodec;
}
