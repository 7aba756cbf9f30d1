import { describeValue, RingKernelError } from '../errors.js';

/**
 * A value given to `create()`, `reply()` or found by `decode()` does not fit the message schema.
 * The message names the field (with its path for nested messages and lists), the bad value and the
 * expected type.
 *
 * @example
 * ```ts
 * try {
 *   CalculateRequest.create({ a: 'ten', b: 5 });
 * } catch (error) {
 *   if (error instanceof MessageValidationError) console.log(error.field, error.expected);
 * }
 * ```
 */
export class MessageValidationError extends RingKernelError {
  /** Name of the message type being built. */
  readonly messageType: string;
  /** Field path, e.g. `a`, `inner.position`, `items[2]`. */
  readonly field: string;
  /** What the schema expects, e.g. `i32 (integer in -2147483648..2147483647)`. */
  readonly expected: string;

  constructor(messageType: string, field: string, value: unknown, expected: string, hint?: string) {
    super(
      'MESSAGE_VALIDATION',
      `${messageType}.${field}: got ${describeValue(value)}, expected ${expected}` +
        (hint === undefined ? '' : `; ${hint}`),
    );
    this.messageType = messageType;
    this.field = field;
    this.expected = expected;
  }
}

/**
 * Bytes could not be turned into a message: not msgpack, truncated, trailing garbage, a different
 * message type than the decoder's, or an unknown type in a registry. The original failure, when
 * there is one, is in `cause`.
 */
export class MessageDecodeError extends RingKernelError {
  /** The type the decoder expected, or `undefined` for a registry decode. */
  readonly expectedType: string | undefined;

  constructor(expectedType: string | undefined, reason: string, options?: ErrorOptions) {
    super(
      'MESSAGE_DECODE',
      `cannot decode ${expectedType === undefined ? 'message' : `'${expectedType}'`}: ${reason}; ` +
        'check that the bytes come from encode() of the same message type and were not cut or altered',
      options,
    );
    this.expectedType = expectedType;
  }
}

/** An encoded message is over the codec's size limit (default 1 MiB), on encode or on decode. */
export class MessageTooLargeError extends RingKernelError {
  readonly messageType: string | undefined;
  /** Size of the encoded message in bytes. */
  readonly size: number;
  /** The limit in bytes. */
  readonly maxBytes: number;

  constructor(messageType: string | undefined, size: number, maxBytes: number) {
    super(
      'MESSAGE_TOO_LARGE',
      `${messageType === undefined ? 'message' : `'${messageType}'`} is ${size} bytes, over the limit of ` +
        `${maxBytes} bytes; send large payloads as buffers or raise { maxBytes } on the codec`,
    );
    this.messageType = messageType;
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

/** A message schema is malformed (bad field name, clashing with a standard field, bad field options). */
export class MessageDefinitionError extends RingKernelError {
  constructor(message: string) {
    super('MESSAGE_DEFINITION', message);
  }
}

/** Two message types with the same name were added to one {@link MessageRegistry}. */
export class DuplicateMessageTypeError extends RingKernelError {
  readonly messageType: string;

  constructor(messageType: string) {
    super(
      'MESSAGE_TYPE_DUPLICATE',
      `a message type named '${messageType}' is already in this registry; give each type a unique name ` +
        'or use a separate registry',
    );
    this.messageType = messageType;
  }
}

/** A schema cannot be laid out as a WGSL struct (a field is not numeric, or not host-shareable). */
export class GpuLayoutError extends RingKernelError {
  readonly messageType: string;
  readonly field: string | undefined;

  constructor(messageType: string, field: string | undefined, reason: string) {
    super(
      'GPU_LAYOUT_UNSUPPORTED',
      `${messageType}${field === undefined ? '' : `.${field}`} blocks GPU layout: ${reason}`,
    );
    this.messageType = messageType;
    this.field = field;
  }
}
