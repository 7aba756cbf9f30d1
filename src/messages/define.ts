import { describeValue, InvalidArgumentError } from '../errors.js';
import { getDefaultCodec } from './codec.js';
import { MessageDecodeError, MessageDefinitionError, MessageValidationError } from './errors.js';
import type { AnyField, Field, FieldPresence, NestedDefinition } from './fields.js';
import type { Message } from './types.js';
import { isUuid, randomMessageId } from './uuid.js';
import { compileConstructor, compileRecorrelator, type Recorrelator } from './compiled-constructor.js';
import { compileFastFrame, type FastFrameReader, type FastFrameWriter } from './fast-frame.js';
import { MESSAGE_DEFINITION, definitionOf, type WireDefinition } from './wire.js';

/** A message schema: field name → field built with {@link field}. */
export type FieldMap = Readonly<Record<string, AnyField>>;

/** Lowest, default and highest message priority. Higher is served first. */
export const MIN_PRIORITY = 0;
/** Priority of a message created without one. */
export const DEFAULT_PRIORITY = 128;
/** Highest message priority (served first). */
export const MAX_PRIORITY = 255;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ValueOfField<F> = F extends Field<infer V, infer _I, infer _P> ? V : never;
type InputOfField<F> = F extends Field<infer _V, infer I, infer _P> ? I : never;
type PresenceOfField<F> = F extends Field<infer _V, infer _I, infer P extends FieldPresence> ? P : never;
type RequiredKeys<F extends FieldMap> = {
  [K in keyof F]: PresenceOfField<F[K]> extends 'required' ? K : never;
}[keyof F];

/** The standard fields `create()` accepts besides the schema's: all optional. */
export interface StandardInit {
  /** Defaults to a fresh UUID v4. */
  readonly messageId?: string | undefined;
  /** Integer 0..255, default 128. */
  readonly priority?: number | undefined;
  readonly correlationId?: string | undefined;
}

/** A message of schema `F`: the standard fields plus one read-only property per schema field. */
export type MessageShape<F extends FieldMap> = Simplify<
  Message & { readonly correlationId: string | undefined } & { readonly [K in keyof F]: ValueOfField<F[K]> }
>;

/** What `create()` of schema `F` accepts: required fields, fields with defaults, optional fields. */
export type InitShape<F extends FieldMap> = Simplify<
  { readonly [K in RequiredKeys<F>]: InputOfField<F[K]> } & {
    readonly [K in Exclude<keyof F, RequiredKeys<F>>]?: InputOfField<F[K]> | undefined;
  } & StandardInit
>;

/** What `reply()` accepts: like `create()`, but `correlationId` comes from the request. */
export type ReplyInit<F extends FieldMap> = Simplify<Omit<InitShape<F>, 'correlationId'>>;

/** The message type of a definition: `type CalculateRequest = MessageOf<typeof CalculateRequest>`. */
export type MessageOf<D> = D extends MessageDefinition<infer F> ? MessageShape<F> : never;
/** The `create()` argument of a definition. */
export type InitOf<D> = D extends MessageDefinition<infer F> ? InitShape<F> : never;

/** Options of {@link defineMessage}. */
export interface DefineMessageOptions {
  /**
   * Skip `Object.freeze` on created and decoded messages. Only for measured hot paths that never share
   * messages; the runtime's in-process delivery passes the object itself.
   */
  readonly freeze?: boolean;
}

/**
 * A message type made by {@link defineMessage}: creates, validates, replies to, encodes and decodes
 * messages of one schema.
 */
export interface MessageDefinition<F extends FieldMap = FieldMap, Name extends string = string>
  extends NestedDefinition<MessageShape<F>>, WireDefinition {
  readonly name: Name;
  /** The schema, as given. */
  readonly fields: F;
  /** Schema field names in wire order (standard fields excluded). */
  readonly fieldNames: readonly string[];
  /**
   * Validates `init` and returns a new frozen message with a fresh `messageId` (unless given),
   * priority 128 (unless given) and defaults filled in.
   * @throws {@link MessageValidationError} naming the field, the value and the expected type.
   */
  create(init: InitShape<F>): MessageShape<F>;
  /**
   * Creates a response to `request`: `correlationId` = `request.messageId`; the priority is the
   * request's unless `init.priority` says otherwise (a high-priority request gets a high-priority answer).
   */
  reply(request: Message, init: ReplyInit<F>): MessageShape<F>;
  /** True when the value was created (or decoded) by this definition. */
  is(value: unknown): value is MessageShape<F>;
  /** Encodes with the default codec (limit 1 MiB). */
  encode(message: MessageShape<F>): Uint8Array;
  /** Decodes bytes made by `encode` of this type; validates every field. */
  decode(bytes: Uint8Array): MessageShape<F>;
  /** Type-level only: the `create()` argument type. */
  readonly __init?: InitShape<F>;
}

const STANDARD_FIELDS = new Set(['messageId', 'priority', 'correlationId']);
const FORBIDDEN_NAMES = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
]);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function checkPriority(value: unknown, messageType: string, path: string): number {
  if (typeof value === 'number' && (value & 0xff) === value) return value;
  throw new MessageValidationError(messageType, path, value, 'priority (integer in 0..255)');
}

function checkId(value: unknown, messageType: string, path: string): string {
  if (isUuid(value)) return value;
  throw new MessageValidationError(messageType, path, value, 'UUID string');
}

/**
 * Defines a message type. Each definition gets its own class, so its messages share one object shape.
 *
 * Immutability rule: `create()`, `reply()` and `decode()` return objects frozen with `Object.freeze`
 * (shallow) and list fields are frozen copies, so in-process delivery can hand the object itself to a
 * kernel. Typed arrays (and `bytes`), Dates and `json` values cannot be frozen: they are held by
 * reference, so do not mutate them after `create()` (pass a copy if you keep writing to yours).
 *
 * @example
 * ```ts
 * export const CalculateRequest = defineMessage('CalculateRequest', {
 *   a: field.f64(),
 *   b: field.f64(),
 *   operation: field.enum(['add', 'sub', 'mul', 'div'], { default: 'add' }),
 * });
 * export type CalculateRequest = MessageOf<typeof CalculateRequest>;
 *
 * const request = CalculateRequest.create({ a: 10, b: 5 });
 * const response = CalculateResponse.reply(request, { result: 15 });
 * const bytes = CalculateRequest.encode(request);
 * CalculateRequest.decode(bytes);
 * ```
 */
export function defineMessage<const Name extends string, const F extends FieldMap>(
  name: Name,
  fields: F,
  options: DefineMessageOptions = {},
): MessageDefinition<F, Name> {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200)
    throw new MessageDefinitionError(`a message name must be a non-empty string, got ${describeValue(name)}`);
  const fieldNames = Object.keys(fields);
  for (const fieldName of fieldNames) {
    if (STANDARD_FIELDS.has(fieldName))
      throw new MessageDefinitionError(
        `${name}.${fieldName} clashes with a standard field (messageId, priority, correlationId); rename it`,
      );
    if (FORBIDDEN_NAMES.has(fieldName) || !IDENTIFIER.test(fieldName))
      throw new MessageDefinitionError(
        `${name}: '${fieldName}' cannot be a field name; use a plain identifier`,
      );
    const spec = fields[fieldName];
    if (typeof spec !== 'object' || typeof spec.check !== 'function')
      throw new MessageDefinitionError(`${name}.${fieldName} is not a field; build it with field.f32(), ...`);
  }
  const specs = fieldNames.map((fieldName) => fields[fieldName] as AnyField);
  const fieldCount = specs.length;
  const known = new Set([...STANDARD_FIELDS, ...fieldNames]);
  const freeze = options.freeze !== false;

  // One class per definition: every message of the type gets the same hidden class, and `instanceof`
  // gives a cheap, exact `is()`.
  const MessageClass = class {} as unknown as new () => Record<string, unknown>;
  Object.defineProperty(MessageClass, 'name', { value: name });

  function construct(
    init: unknown,
    messageType: string,
    prefix: string,
    correlationId: string | undefined,
    defaultPriority: number,
  ): MessageShape<F> {
    if (typeof init !== 'object' || init === null || Array.isArray(init))
      throw new MessageValidationError(messageType, prefix || '(init)', init, `${name} init object`);
    const source = init as Record<string, unknown>;
    for (const key in source) {
      if (!known.has(key))
        throw new MessageValidationError(
          messageType,
          prefix === '' ? key : `${prefix}.${key}`,
          source[key],
          `no such field in ${name} (fields: ${fieldNames.join(', ') || 'none'})`,
        );
    }
    const message = new MessageClass();
    const messageId = source.messageId;
    message.messageId =
      messageId === undefined
        ? randomMessageId()
        : checkId(messageId, messageType, pathOf(prefix, 'messageId'));
    const priority = source.priority;
    message.priority =
      priority === undefined
        ? defaultPriority
        : checkPriority(priority, messageType, pathOf(prefix, 'priority'));
    if (correlationId === undefined) {
      const given = source.correlationId;
      message.correlationId =
        given === undefined ? undefined : checkId(given, messageType, pathOf(prefix, 'correlationId'));
    } else {
      message.correlationId = correlationId;
    }
    for (let index = 0; index < fieldCount; index += 1) {
      const fieldName = fieldNames[index] as string;
      const spec = specs[index] as AnyField;
      const value = source[fieldName];
      if (value !== undefined) {
        message[fieldName] = spec.check(value, messageType, pathOf(prefix, fieldName));
      } else if (spec.makeDefault !== undefined) {
        message[fieldName] = spec.makeDefault();
      } else if (spec.presence === 'optional') {
        message[fieldName] = undefined;
      } else {
        throw new MessageValidationError(
          messageType,
          pathOf(prefix, fieldName),
          undefined,
          spec.expected,
          'the field is required',
        );
      }
    }
    return (freeze ? Object.freeze(message) : message) as MessageShape<F>;
  }

  const fast = compileConstructor({
    name,
    fieldNames,
    specs,
    MessageClass,
    freeze,
    randomMessageId,
    checkId,
    checkPriority,
    missing: (index) => {
      throw new MessageValidationError(
        name,
        fieldNames[index]!,
        undefined,
        specs[index]!.expected,
        'the field is required',
      );
    },
  });

  /** A top-level message: the compiled constructor when the init fits it, else the generic one. */
  function createTop(
    init: unknown,
    correlationId: string | undefined,
    defaultPriority: number,
  ): MessageShape<F> {
    if (fast !== undefined && typeof init === 'object' && init !== null && !Array.isArray(init)) {
      const made = fast(init as Record<string, unknown>, correlationId, defaultPriority);
      if (made !== undefined) return made as MessageShape<F>;
    }
    return construct(init, name, '', correlationId, defaultPriority);
  }

  /** `reserve` leading slots stay free: slot 0 takes the type tag at top level, with no second array. */
  function toWireWith(message: Message, reserve: number): unknown[] {
    const source = message as unknown as Record<string, unknown>;
    const wire = new Array<unknown>(fieldCount + 3 + reserve);
    if (reserve === 1) wire[0] = null;
    wire[reserve] = message.messageId;
    wire[reserve + 1] = message.priority;
    wire[reserve + 2] = message.correlationId ?? null;
    for (let index = 0; index < fieldCount; index += 1)
      wire[index + 3 + reserve] = (specs[index] as AnyField).encode(source[fieldNames[index] as string]);
    return wire;
  }

  function fromWire(
    wire: readonly unknown[],
    start: number,
    messageType: string,
    prefix: string,
  ): MessageShape<F> {
    if (wire.length - start !== fieldCount + 3)
      throw new MessageDecodeError(
        messageType,
        `${prefix === '' ? name : `${prefix} (${name})`} has ${wire.length - start} values, expected ${fieldCount + 3}`,
      );
    const message = new MessageClass();
    message.messageId = checkId(wire[start], messageType, pathOf(prefix, 'messageId'));
    message.priority = checkPriority(wire[start + 1], messageType, pathOf(prefix, 'priority'));
    const correlationId = wire[start + 2];
    message.correlationId =
      correlationId === null
        ? undefined
        : checkId(correlationId, messageType, pathOf(prefix, 'correlationId'));
    for (let index = 0; index < fieldCount; index += 1) {
      const fieldName = fieldNames[index] as string;
      const spec = specs[index] as AnyField;
      const raw = wire[start + 3 + index];
      if (raw === null && spec.presence !== 'optional')
        throw new MessageValidationError(messageType, pathOf(prefix, fieldName), raw, spec.expected);
      message[fieldName] = spec.decode(raw, messageType, pathOf(prefix, fieldName));
    }
    return (freeze ? Object.freeze(message) : message) as MessageShape<F>;
  }

  const definition: MessageDefinition<F, Name> = {
    name,
    fields,
    fieldNames: Object.freeze(fieldNames),
    create: (init) => createTop(init, undefined, DEFAULT_PRIORITY),
    reply: (request, init) => {
      const requestId = (request as Partial<Message> | null)?.messageId;
      // A frozen message of a definition had its id checked when it was made: skip the re-check.
      const trusted = definitionOf(request) !== undefined && Object.isFrozen(request);
      if (!trusted && !isUuid(requestId))
        throw new MessageValidationError(
          name,
          'correlationId',
          requestId,
          'the messageId (UUID) of the request',
        );
      const priority = request.priority;
      return createTop(init, requestId, (priority & 0xff) === priority ? priority : DEFAULT_PRIORITY);
    },
    is: (value): value is MessageShape<F> => value instanceof MessageClass,
    encode: (message) => {
      if (!(message instanceof MessageClass))
        throw new InvalidArgumentError(
          `${name}.encode() got ${describeValue(message)}; pass a message made by ${name}.create()`,
        );
      return getDefaultCodec().encodeWith(definition, message);
    },
    decode: (bytes) => getDefaultCodec().decode(bytes, definition),
    createAt: (init, messageType, path) => construct(init, messageType, path, undefined, DEFAULT_PRIORITY),
    encodeValue: (message) => toWireWith(message, 0),
    decodeValue: (raw, messageType, path) => {
      if (!Array.isArray(raw))
        throw new MessageDecodeError(
          messageType,
          `${path} should be a nested ${name}, got ${describeValue(raw)}`,
        );
      return fromWire(raw, 0, messageType, path);
    },
    toWire: (message) => toWireWith(message, 1),
    fromWire,
  };
  Object.defineProperty(MessageClass.prototype, MESSAGE_DEFINITION, { value: definition });
  // Internal, mutable helpers on a hidden property (one load on the hot paths, not a WeakMap lookup).
  const internals: DefinitionInternals = {
    recorrelate: compileRecorrelator(fieldNames, MessageClass, freeze),
    fastFrameParts: { fieldNames, specs, MessageClass, freeze },
    fastFrame: undefined,
  };
  Object.defineProperty(definition, INTERNALS, { value: internals });
  trustedAssemblers.set(definition, (values, correlationId, priority) => {
    const message = new MessageClass();
    message.messageId = randomMessageId();
    message.priority = priority;
    message.correlationId = correlationId;
    for (let index = 0; index < fieldCount; index += 1) message[fieldNames[index] as string] = values[index];
    return (freeze ? Object.freeze(message) : message) as unknown as Message;
  });
  return Object.freeze(definition);
}

/**
 * Builds a message from values already known to be valid, in schema order, skipping validation: for
 * readers whose memory can only hold valid values (the GPU layout's f32/i32/u32 words).
 */
export type TrustedAssembler = (
  values: readonly unknown[],
  correlationId: string | undefined,
  priority: number,
) => Message;

// Kept out of the definition object so user code cannot reach an unvalidated constructor.
const trustedAssemblers = new WeakMap<object, TrustedAssembler>();
const INTERNALS: unique symbol = Symbol('ringkernel.definitionInternals');

interface DefinitionInternals {
  readonly recorrelate: Recorrelator;
  readonly fastFrameParts: Parameters<typeof compileFastFrame>[0];
  /** Compiled on first use; `null` when the schema has no fast form. */
  fastFrame: { writer: FastFrameWriter; reader: FastFrameReader } | null | undefined;
}

function internalsOf(definition: object): DefinitionInternals | undefined {
  return (definition as { [INTERNALS]?: DefinitionInternals })[INTERNALS];
}

/**
 * @internal The fast-frame writer and reader of a definition (compiled on first use), or
 * `undefined` when its schema has a field kind without a fast form. Used by the worker rings.
 */
export function fastFrameOf(
  definition: object,
): { readonly writer: FastFrameWriter; readonly reader: FastFrameReader } | undefined {
  const internals = internalsOf(definition);
  if (internals === undefined) return undefined;
  if (internals.fastFrame === undefined)
    internals.fastFrame = compileFastFrame(internals.fastFrameParts) ?? null;
  return internals.fastFrame ?? undefined;
}

/**
 * @internal `message` (made by a definition, so already valid) with `correlationId` set: a
 * compiled copy, no validation. Returns `message` itself when it already carries that correlation,
 * and `undefined` for objects no definition made.
 */
export function withCorrelationId<M extends Message>(
  message: M,
  correlationId: string | undefined,
): M | undefined {
  if (message.correlationId === correlationId) return message;
  const definition = definitionOf(message);
  if (definition === undefined) return undefined;
  return internalsOf(definition)?.recorrelate(message, correlationId) as M | undefined;
}

/** @internal Not exported from the package: see {@link TrustedAssembler}. */
export function trustedAssemblerOf(definition: object): TrustedAssembler {
  const assembler = trustedAssemblers.get(definition);
  if (assembler === undefined)
    throw new InvalidArgumentError('not a message definition made by defineMessage()');
  return assembler;
}

function pathOf(prefix: string, fieldName: string): string {
  return prefix === '' ? fieldName : `${prefix}.${fieldName}`;
}
