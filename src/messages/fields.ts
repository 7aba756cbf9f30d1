import { MessageDefinitionError, MessageValidationError } from './errors.js';
import { isUuid } from './uuid.js';

/** Whether a field must be given to `create()`, has a default, or may be left `undefined`. */
export type FieldPresence = 'required' | 'defaulted' | 'optional';

/** Numeric element kinds of typed-array fields. */
export type NumericKind = 'f32' | 'f64' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64';
/** Scalar kinds a WGSL storage buffer can hold, used by vector fields. */
export type GpuScalarKind = 'f32' | 'i32' | 'u32';
/** Lanes of a vector field (WGSL `vec2`/`vec3`/`vec4`). */
export type VectorWidth = 2 | 3 | 4;

/** The typed array a numeric kind maps to (`f32` → `Float32Array`, `i64` → `BigInt64Array`, ...). */
export type TypedArrayOf<K extends NumericKind> = K extends 'f32'
  ? Float32Array
  : K extends 'f64'
    ? Float64Array
    : K extends 'i8'
      ? Int8Array
      : K extends 'u8'
        ? Uint8Array
        : K extends 'i16'
          ? Int16Array
          : K extends 'u16'
            ? Uint16Array
            : K extends 'i32'
              ? Int32Array
              : K extends 'u32'
                ? Uint32Array
                : K extends 'i64'
                  ? BigInt64Array
                  : BigUint64Array;

/** What `create()` accepts for a typed-array field: the typed array itself or plain numbers to convert. */
export type TypedArrayInput<K extends NumericKind> =
  TypedArrayOf<K> | (K extends 'i64' | 'u64' ? readonly bigint[] : readonly number[]);

/**
 * A field of a message schema. Build them with {@link field}; the type parameters carry the value type
 * a message holds (`TValue`), what `create()` accepts (`TInput`) and whether the field may be omitted.
 *
 * The methods are the field's codec; they are used by message definitions and are not meant to be called
 * directly.
 */
export interface Field<TValue, TInput = TValue, TPresence extends FieldPresence = FieldPresence> {
  /** Kind name: `f32`, `string`, `enum`, `array`, `vector`, `list`, `message`, ... */
  readonly kind: string;
  readonly presence: TPresence;
  /** Human-readable expected type, used in validation errors. */
  readonly expected: string;
  /** Element kind of numeric arrays and vectors. */
  readonly elementKind?: NumericKind | undefined;
  /** Element count of fixed-length arrays (number of vectors for vector arrays); undefined = variable. */
  readonly length?: number | undefined;
  /** Lanes of vector fields (2, 3, 4); undefined for everything else. */
  readonly vectorWidth?: VectorWidth | undefined;
  /** The wrapped field of `optional(...)` and `list(...)`. */
  readonly inner?: AnyField | undefined;
  /** The nested definition of `message(...)` fields. */
  readonly definition?: NestedDefinition | undefined;
  /** Produces the default (a fresh copy for mutable values); undefined when there is none. */
  readonly makeDefault: (() => TValue) | undefined;
  /** Validates and normalises a `create()` input; throws {@link MessageValidationError}. */
  check(value: unknown, messageType: string, path: string): TValue;
  /** Converts a valid value into what msgpackr packs. */
  encode(value: TValue): unknown;
  /** Validates and converts a value msgpackr unpacked; throws {@link MessageValidationError}. */
  decode(raw: unknown, messageType: string, path: string): TValue;
  /** Type-level only. */
  readonly __input?: TInput;
}

/** Any field, whatever its types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyField = Field<any, any, FieldPresence>;

/** The part of a message definition that `field.message()` needs. */
export interface NestedDefinition<TValue = unknown> {
  readonly name: string;
  /** True when the value is a message created by this definition. */
  is(value: unknown): value is TValue;
  /** Validates like `create()`; errors name `messageType` and field paths under `path`. */
  createAt(init: unknown, messageType: string, path: string): TValue;
  /** Positional form without the type tag. */
  encodeValue(message: TValue): unknown[];
  /** Inverse of `encodeValue`: validates the positional form; errors name `messageType` and `path`. */
  decodeValue(raw: unknown, messageType: string, path: string): TValue;
}

/** Options common to every field builder: a default makes the field optional in `create()`. */
export interface FieldOptions<T> {
  readonly default?: T;
}

type PresenceOf<O> = O extends { readonly default: unknown } ? 'defaulted' : 'required';

function invalid(
  messageType: string,
  path: string,
  value: unknown,
  expected: string,
): MessageValidationError {
  return new MessageValidationError(messageType, path, value, expected);
}

interface BaseSpec<T> {
  kind: string;
  expected: string;
  check(value: unknown, messageType: string, path: string): T;
  encode(value: T): unknown;
  decode(raw: unknown, messageType: string, path: string): T;
  elementKind?: NumericKind;
  length?: number;
  vectorWidth?: VectorWidth;
  inner?: AnyField;
  definition?: NestedDefinition;
  clone?: (value: T) => T;
}

function build<T, TIn, O extends FieldOptions<TIn> | undefined>(
  spec: BaseSpec<T>,
  options: O,
): Field<T, TIn, PresenceOf<O>> {
  let makeDefault: (() => T) | undefined;
  if (options !== undefined && 'default' in options) {
    let value: T;
    try {
      value = spec.check(options.default, 'field', 'default');
    } catch (error) {
      throw new MessageDefinitionError(
        `invalid default for a ${spec.kind} field: ${(error as Error).message}; give a default of the field's type`,
      );
    }
    const clone = spec.clone;
    makeDefault = clone === undefined ? () => value : () => clone(value);
  }
  return {
    ...spec,
    presence: (makeDefault === undefined ? 'required' : 'defaulted') as PresenceOf<O>,
    makeDefault,
  };
}

const identity = <T>(value: T): T => value;

/**
 * msgpack has no integer -0: msgpackr writes -0 as the integer 0. Float fields send -0 as `false` (never a
 * valid number) so it comes back exactly; integer fields turn -0 into 0 on create.
 */
const NEGATIVE_ZERO_ON_WIRE = false;
const encodeFloat = (value: number): number | boolean =>
  value === 0 && 1 / value < 0 ? NEGATIVE_ZERO_ON_WIRE : value;

function numberSpec(kind: string, expected: string, accepts: (value: number) => boolean): BaseSpec<number> {
  const isFloat = kind === 'f32' || kind === 'f64';
  const check = isFloat
    ? (value: unknown, messageType: string, path: string): number => {
        if (typeof value === 'number' && accepts(value)) return value;
        throw invalid(messageType, path, value, expected);
      }
    : (value: unknown, messageType: string, path: string): number => {
        if (typeof value === 'number' && accepts(value)) return value === 0 ? 0 : value;
        throw invalid(messageType, path, value, expected);
      };
  if (!isFloat) return { kind, expected, check, encode: identity, decode: check };
  const decode = (raw: unknown, messageType: string, path: string): number =>
    raw === NEGATIVE_ZERO_ON_WIRE ? -0 : check(raw, messageType, path);
  return { kind, expected, check, encode: encodeFloat, decode };
}

const F32_MAX = 3.4028234663852886e38;
const isF32 = (value: number): boolean => !(value > F32_MAX || value < -F32_MAX) || !Number.isFinite(value);
const isInteger = (min: number, max: number) => (value: number) =>
  Number.isInteger(value) && value >= min && value <= max;

const scalarAccepts = {
  f32: isF32,
  f64: () => true,
  i8: isInteger(-128, 127),
  u8: (value: number) => (value & 0xff) === value,
  i16: isInteger(-32768, 32767),
  u16: (value: number) => (value & 0xffff) === value,
  i32: (value: number) => (value | 0) === value,
  u32: (value: number) => value >>> 0 === value,
};

const scalarExpected = {
  f32: 'f32 (number with magnitude ≤ 3.4028234663852886e38, NaN or ±Infinity)',
  f64: 'f64 (number)',
  i8: 'i8 (integer in -128..127)',
  u8: 'u8 (integer in 0..255)',
  i16: 'i16 (integer in -32768..32767)',
  u16: 'u16 (integer in 0..65535)',
  i32: 'i32 (integer in -2147483648..2147483647)',
  u32: 'u32 (integer in 0..4294967295)',
};

type ScalarKind = keyof typeof scalarAccepts;
const scalarSpec = (kind: ScalarKind): BaseSpec<number> =>
  numberSpec(kind, scalarExpected[kind], scalarAccepts[kind]);

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

function bigintSpec(kind: 'i64' | 'u64'): BaseSpec<bigint> {
  const [min, max] = kind === 'i64' ? [I64_MIN, I64_MAX] : [0n, U64_MAX];
  const expected = `${kind} (bigint in ${min}..${max})`;
  const check = (value: unknown, messageType: string, path: string): bigint => {
    if (typeof value === 'bigint' && value >= min && value <= max) return value;
    throw invalid(messageType, path, value, expected);
  };
  // msgpackr decodes small 64-bit values the same as any integer, so a number can arrive for an i64 field.
  const decode = (raw: unknown, messageType: string, path: string): bigint =>
    check(typeof raw === 'number' && Number.isSafeInteger(raw) ? BigInt(raw) : raw, messageType, path);
  return { kind, expected, check, encode: identity, decode };
}

interface TypedArrayConstructorLike {
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
  new (length: number): ArrayLike<number | bigint> & ArrayBufferView;
  new (
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): ArrayLike<number | bigint> & ArrayBufferView;
}

const typedArrayConstructors: Record<NumericKind, TypedArrayConstructorLike> = {
  f32: Float32Array,
  f64: Float64Array,
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
};

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte-order swap for big-endian hosts: the wire format is little-endian, like WebGPU buffers. */
function swapBytes(bytes: Uint8Array, elementSize: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let start = 0; start < bytes.length; start += elementSize)
    for (let index = 0; index < elementSize; index += 1)
      out[start + index] = bytes[start + elementSize - 1 - index] ?? 0;
  return out;
}

function elementChecker(kind: NumericKind): (value: unknown) => boolean {
  if (kind === 'i64') return (value) => typeof value === 'bigint' && value >= I64_MIN && value <= I64_MAX;
  if (kind === 'u64') return (value) => typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
  const accepts = scalarAccepts[kind];
  return (value) => typeof value === 'number' && accepts(value);
}

function typedArraySpec<K extends NumericKind>(
  kind: string,
  elementKind: K,
  length: number | undefined,
  expected: string,
): BaseSpec<TypedArrayOf<K>> {
  const Constructor = typedArrayConstructors[elementKind];
  const elementSize = Constructor.BYTES_PER_ELEMENT;
  const elementOk = elementChecker(elementKind);
  const lengthOk = (actual: number): boolean => length === undefined || actual === length;
  const check = (value: unknown, messageType: string, path: string): TypedArrayOf<K> => {
    if (value instanceof Constructor && lengthOk(value.length)) return value as unknown as TypedArrayOf<K>;
    if (Array.isArray(value) && lengthOk(value.length)) {
      for (let index = 0; index < value.length; index += 1) {
        if (!elementOk(value[index]))
          throw invalid(
            messageType,
            `${path}[${index}]`,
            value[index],
            `${elementKind} element of ${expected}`,
          );
      }
      const out = new Constructor(value.length);
      for (let index = 0; index < value.length; index += 1)
        (out as unknown as unknown[])[index] = value[index];
      return out as unknown as TypedArrayOf<K>;
    }
    throw invalid(messageType, path, value, expected);
  };
  const encode = (value: TypedArrayOf<K>): Uint8Array => {
    const view = value as unknown as ArrayBufferView;
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    return littleEndianHost || elementSize === 1 ? bytes : swapBytes(bytes, elementSize);
  };
  const decode = (raw: unknown, messageType: string, path: string): TypedArrayOf<K> => {
    if (!(raw instanceof Uint8Array) || raw.length % elementSize !== 0 || !lengthOk(raw.length / elementSize))
      throw invalid(messageType, path, raw, `${expected} as ${elementSize}-byte little-endian elements`);
    const out = new Constructor(raw.length / elementSize);
    // Copy: the decoded bytes are a view into the input buffer and may be unaligned for the element type.
    new Uint8Array(out.buffer).set(littleEndianHost || elementSize === 1 ? raw : swapBytes(raw, elementSize));
    return out as unknown as TypedArrayOf<K>;
  };
  const clone = (value: TypedArrayOf<K>): TypedArrayOf<K> =>
    (value as unknown as { slice(): TypedArrayOf<K> }).slice();
  const spec: BaseSpec<TypedArrayOf<K>> = { kind, expected, check, encode, decode, clone, elementKind };
  if (length !== undefined) spec.length = length;
  return spec;
}

function stringSpec(maxLength: number | undefined): BaseSpec<string> {
  const expected = maxLength === undefined ? 'string' : `string of at most ${maxLength} characters`;
  const check = (value: unknown, messageType: string, path: string): string => {
    if (typeof value === 'string' && (maxLength === undefined || value.length <= maxLength)) return value;
    throw invalid(messageType, path, value, expected);
  };
  return { kind: 'string', expected, check, encode: identity, decode: check };
}

function isJsonValue(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  // msgpack decoders rename a `__proto__` key (prototype pollution guard): it could not round-trip.
  if (Object.hasOwn(value, '__proto__')) return false;
  return Object.values(value).every((item) => isJsonValue(item, depth + 1));
}

/**
 * A wire `null` in a field's slot means "no value" (what `optional` sends for `undefined`), so a
 * json field sends its `null` as empty bytes, which no JSON value decodes to: `null` round-trips
 * exactly, also inside `optional(field.json())` and through worker frames.
 */
const JSON_NULL_ON_WIRE = new Uint8Array(0);

/** A value that survives JSON: null, boolean, finite number, string, arrays and plain objects of those. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

function checkPositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new MessageDefinitionError(`${what} must be a positive integer, got ${String(value)}`);
}

/**
 * Field builders for {@link defineMessage}. Every field is required unless it has `{ default }` or is
 * wrapped in `field.optional(...)`.
 *
 * @example
 * ```ts
 * const Particle = defineMessage('Particle', {
 *   position: field.vec3('f32'),
 *   mass: field.f32({ default: 1 }),
 *   label: field.optional(field.string()),
 *   kind: field.enum(['gas', 'dust'], { default: 'gas' }),
 * });
 * ```
 */
export const field = {
  /** 32-bit float. JS keeps the full double; range is checked so the value fits a float32. */
  f32: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('f32'), options as O),
  /** 64-bit float (any JS number, NaN and ±Infinity included). */
  f64: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('f64'), options as O),
  /** Signed 8-bit integer (-128..127). */
  i8: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('i8'), options as O),
  /** Unsigned 8-bit integer (0..255). */
  u8: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('u8'), options as O),
  /** Signed 16-bit integer. */
  i16: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('i16'), options as O),
  /** Unsigned 16-bit integer. */
  u16: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('u16'), options as O),
  /** Signed 32-bit integer. */
  i32: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('i32'), options as O),
  /** Unsigned 32-bit integer. */
  u32: <O extends FieldOptions<number> | undefined = undefined>(options?: O) =>
    build<number, number, O>(scalarSpec('u32'), options as O),
  /** Signed 64-bit integer as a `bigint` (round-trips exactly, beyond 2^53 too). */
  i64: <O extends FieldOptions<bigint> | undefined = undefined>(options?: O) =>
    build<bigint, bigint, O>(bigintSpec('i64'), options as O),
  /** Unsigned 64-bit integer as a `bigint`. */
  u64: <O extends FieldOptions<bigint> | undefined = undefined>(options?: O) =>
    build<bigint, bigint, O>(bigintSpec('u64'), options as O),
  /** `true` or `false`. */
  bool: <O extends FieldOptions<boolean> | undefined = undefined>(options?: O) => {
    const check = (value: unknown, messageType: string, path: string): boolean => {
      if (typeof value === 'boolean') return value;
      throw invalid(messageType, path, value, 'boolean');
    };
    return build<boolean, boolean, O>(
      { kind: 'bool', expected: 'boolean', check, encode: identity, decode: check },
      options as O,
    );
  },
  /** A string; `{ maxLength }` bounds its length. */
  string: <O extends (FieldOptions<string> & { readonly maxLength?: number }) | undefined = undefined>(
    options?: O,
  ) => build<string, string, O>(stringSpec(options?.maxLength), options as O),
  /** One of a fixed set of string literals; the message type is their union. */
  enum: <
    const V extends readonly [string, ...string[]],
    O extends FieldOptions<V[number]> | undefined = undefined,
  >(
    values: V,
    options?: O,
  ) => {
    const allowed = new Set<string>(values);
    const expected = `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
    const check = (value: unknown, messageType: string, path: string): V[number] => {
      if (typeof value === 'string' && allowed.has(value)) return value;
      throw invalid(messageType, path, value, expected);
    };
    return build<V[number], V[number], O>(
      { kind: 'enum', expected, check, encode: identity, decode: check },
      options as O,
    );
  },
  /** A UUID string (any version, either case), e.g. an id of another message. */
  uuid: <O extends FieldOptions<string> | undefined = undefined>(options?: O) => {
    const check = (value: unknown, messageType: string, path: string): string => {
      if (isUuid(value)) return value;
      throw invalid(messageType, path, value, 'UUID string (8-4-4-4-12 hex digits)');
    };
    return build<string, string, O>(
      { kind: 'uuid', expected: 'UUID string', check, encode: identity, decode: check },
      options as O,
    );
  },
  /** A valid `Date` (millisecond precision, as Date itself). Dates stay mutable: do not call setters. */
  date: <O extends FieldOptions<Date> | undefined = undefined>(options?: O) => {
    const expected = 'valid Date';
    const check = (value: unknown, messageType: string, path: string): Date => {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
      throw invalid(messageType, path, value, expected);
    };
    const decode = (raw: unknown, messageType: string, path: string): Date => {
      if (typeof raw === 'number' && Number.isInteger(raw) && Math.abs(raw) <= 8.64e15) return new Date(raw);
      throw invalid(messageType, path, raw, 'Date as integer milliseconds since 1970');
    };
    return build<Date, Date, O>(
      {
        kind: 'date',
        expected,
        check,
        encode: (value: Date) => value.getTime(),
        decode,
        clone: (value: Date) => new Date(value.getTime()),
      },
      options as O,
    );
  },
  /** Raw bytes (`Uint8Array`, Buffer accepted), optionally capped in length. Held by reference. */
  bytes: <O extends (FieldOptions<Uint8Array> & { readonly maxLength?: number }) | undefined = undefined>(
    options?: O,
  ) => {
    const maxLength = options?.maxLength;
    const expected = maxLength === undefined ? 'Uint8Array' : `Uint8Array of at most ${maxLength} bytes`;
    const check = (value: unknown, messageType: string, path: string): Uint8Array => {
      if (value instanceof Uint8Array && (maxLength === undefined || value.length <= maxLength)) return value;
      throw invalid(messageType, path, value, expected);
    };
    // A fresh plain Uint8Array: msgpackr hands out Buffer views into the input, which the caller may reuse.
    const decode = (raw: unknown, messageType: string, path: string): Uint8Array =>
      new Uint8Array(check(raw, messageType, path));
    return build<Uint8Array, Uint8Array, O>(
      { kind: 'bytes', expected, check, encode: identity, decode, clone: (value) => value.slice() },
      options as O,
    );
  },
  /**
   * A numeric typed array: `field.array('f32', 3)` is a `Float32Array` of exactly 3 elements,
   * `field.array('u8')` a `Uint8Array` of any length. `create()` also accepts plain number arrays
   * (bigint arrays for i64/u64) and converts them after checking every element's range.
   */
  array: <K extends NumericKind, O extends FieldOptions<TypedArrayInput<K>> | undefined = undefined>(
    elementKind: K,
    length?: number,
    options?: O,
  ) => {
    if (!(elementKind in typedArrayConstructors))
      throw new MessageDefinitionError(
        `unknown numeric kind '${elementKind}'; use one of ${Object.keys(typedArrayConstructors).join(', ')}`,
      );
    if (length !== undefined) checkPositiveInteger('array length', length);
    const name = typedArrayConstructors[elementKind].name;
    const expected = length === undefined ? name : `${name} of length ${length}`;
    return build<TypedArrayOf<K>, TypedArrayInput<K>, O>(
      typedArraySpec('array', elementKind, length, expected),
      options as O,
    );
  },
  /** WGSL `vec2<T>`: a typed array of 2 elements (`Float32Array` for f32). */
  vec2: <K extends GpuScalarKind, O extends FieldOptions<TypedArrayInput<K>> | undefined = undefined>(
    elementKind: K,
    options?: O,
  ) => vector(2, elementKind, undefined, options),
  /** WGSL `vec3<T>`: 3 elements here, aligned to 16 bytes in GPU layouts. */
  vec3: <K extends GpuScalarKind, O extends FieldOptions<TypedArrayInput<K>> | undefined = undefined>(
    elementKind: K,
    options?: O,
  ) => vector(3, elementKind, undefined, options),
  /** WGSL `vec4<T>`: a typed array of 4 elements. */
  vec4: <K extends GpuScalarKind, O extends FieldOptions<TypedArrayInput<K>> | undefined = undefined>(
    elementKind: K,
    options?: O,
  ) => vector(4, elementKind, undefined, options),
  /**
   * WGSL `array<vecN<T>, count>`: `count` vectors stored tightly here (`width * count` elements); the GPU
   * layout gives each vector its aligned stride (16 bytes for vec3).
   */
  vectorArray: <K extends GpuScalarKind, O extends FieldOptions<TypedArrayInput<K>> | undefined = undefined>(
    width: VectorWidth,
    elementKind: K,
    count: number,
    options?: O,
  ) => {
    checkPositiveInteger('vector array count', count);
    return vector(width, elementKind, count, options);
  },
  /** Makes any field optional: `undefined` is allowed and is what an omitted field holds. */
  optional: <TValue, TInput>(inner: Field<TValue, TInput, 'required' | 'defaulted'>) => {
    const spec: BaseSpec<TValue | undefined> = {
      kind: 'optional',
      expected: `${inner.expected} or undefined`,
      check: (value, messageType, path) =>
        value === undefined ? undefined : inner.check(value, messageType, path),
      encode: (value) => (value === undefined ? null : inner.encode(value)),
      decode: (raw, messageType, path) =>
        raw === null || raw === undefined ? undefined : inner.decode(raw, messageType, path),
      inner,
    };
    const result: Field<TValue | undefined, TInput | undefined, 'optional'> = {
      ...spec,
      presence: 'optional',
      makeDefault: undefined,
    };
    return result;
  },
  /**
   * A list of values of one field kind, e.g. `field.list(field.string())`. `create()` copies the list and
   * freezes the copy, so the caller's array stays theirs and the message's list cannot change.
   */
  list: <
    TValue,
    TInput,
    O extends (FieldOptions<readonly TInput[]> & { readonly maxLength?: number }) | undefined = undefined,
  >(
    item: Field<TValue, TInput, 'required' | 'optional'>,
    options?: O,
  ) => {
    const maxLength = options?.maxLength;
    const expected = `array of ${item.expected}${maxLength === undefined ? '' : ` (at most ${maxLength})`}`;
    const itemIsPlain = item.encode === identity;
    const walk =
      (convert: (value: unknown, messageType: string, path: string) => TValue) =>
      (value: unknown, messageType: string, path: string): readonly TValue[] => {
        if (!Array.isArray(value) || (maxLength !== undefined && value.length > maxLength))
          throw invalid(messageType, path, value, expected);
        const out = new Array<TValue>(value.length);
        for (let index = 0; index < value.length; index += 1)
          out[index] = convert(value[index], messageType, `${path}[${index}]`);
        return Object.freeze(out);
      };
    return build<readonly TValue[], readonly TInput[], O>(
      {
        kind: 'list',
        expected,
        check: walk((value, messageType, path) => item.check(value, messageType, path)),
        encode: itemIsPlain ? identity : (value) => value.map((element) => item.encode(element)),
        decode: walk((value, messageType, path) => item.decode(value, messageType, path)),
        inner: item,
      },
      options as O,
    );
  },
  /**
   * A nested message of another definition. `create()` accepts a message made by that definition or a
   * plain init object, which it validates and turns into one.
   */
  message: <TValue, TInit>(definition: NestedDefinition<TValue> & { readonly __init?: TInit }) => {
    const check = (value: unknown, messageType: string, path: string): TValue =>
      definition.is(value) ? value : definition.createAt(value, messageType, path);
    return build<TValue, TValue | TInit, undefined>(
      {
        kind: 'message',
        expected: `${definition.name} message`,
        check,
        encode: (value) => definition.encodeValue(value),
        decode: (raw, messageType, path) => definition.decodeValue(raw, messageType, path),
        definition: definition,
      },
      undefined,
    );
  },
  /**
   * Escape hatch: any JSON-compatible value (checked recursively, so keep it small on hot paths).
   * Not frozen; treat it as read-only. `null` is a value like any other; as in JSON, `-0` arrives
   * as `0`; objects with an own `__proto__` key are refused (no decoder would restore that key).
   */
  json: <T extends JsonValue = JsonValue, O extends FieldOptions<T> | undefined = undefined>(options?: O) => {
    const expected =
      "JSON value (null, boolean, finite number, string, arrays and plain objects of those, no '__proto__' key)";
    const check = (value: unknown, messageType: string, path: string): T => {
      if (isJsonValue(value, 0)) return value as T;
      throw invalid(messageType, path, value, expected);
    };
    return build<T, T, O>(
      {
        kind: 'json',
        expected,
        check,
        encode: (value) => (value === null ? JSON_NULL_ON_WIRE : value),
        decode: (raw, messageType, path) =>
          raw instanceof Uint8Array && raw.length === 0 ? (null as T) : check(raw, messageType, path),
        clone: (value) => structuredClone(value),
      },
      options as O,
    );
  },
};

function vector<K extends GpuScalarKind, O extends FieldOptions<TypedArrayInput<K>> | undefined>(
  width: VectorWidth,
  elementKind: K,
  count: number | undefined,
  options: O | undefined,
): Field<TypedArrayOf<K>, TypedArrayInput<K>, PresenceOf<O>> {
  if (!['f32', 'i32', 'u32'].includes(elementKind))
    throw new MessageDefinitionError(`vector elements must be f32, i32 or u32, got '${elementKind}'`);
  const wgsl = `vec${width}<${elementKind}>`;
  const expected =
    count === undefined
      ? `${typedArrayConstructors[elementKind].name} of length ${width} (${wgsl})`
      : `${typedArrayConstructors[elementKind].name} of length ${width * count} (array<${wgsl}, ${count}>)`;
  const spec = typedArraySpec('vector', elementKind, width * (count ?? 1), expected);
  spec.vectorWidth = width;
  if (count === undefined) delete spec.length;
  else spec.length = count;
  return build<TypedArrayOf<K>, TypedArrayInput<K>, O>(spec, options as O);
}
