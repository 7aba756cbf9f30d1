import { describeValue, InvalidArgumentError } from '../errors.js';
import {
  DEFAULT_PRIORITY,
  trustedAssemblerOf,
  type FieldMap,
  type MessageDefinition,
  type MessageShape,
} from './define.js';
import { GpuLayoutError } from './errors.js';
import type { AnyField, GpuScalarKind } from './fields.js';
import type { Message } from './types.js';
import { isUuid } from './uuid.js';

/** Where one schema field sits in the WGSL struct. All numbers are bytes. */
export interface GpuFieldLayout {
  readonly name: string;
  /** WGSL type, e.g. `f32`, `vec3<f32>`, `array<u32, 4>`, `array<vec3<f32>, 2>`. */
  readonly wgslType: string;
  readonly scalar: GpuScalarKind;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  /** Lanes per element: 1 for scalars and scalar arrays, 2..4 for vectors. */
  readonly vectorWidth: 1 | 2 | 3 | 4;
  /** Element count for arrays, undefined for a scalar or a single vector. */
  readonly arrayLength: number | undefined;
  /** Distance between array elements (WGSL `roundUp(align, size)`), undefined when not an array. */
  readonly arrayStride: number | undefined;
  /** Numbers the field holds on the JS side (`vectorWidth * (arrayLength ?? 1)`). */
  readonly components: number;
}

/** Where `pack` writes and `unpack` reads: a buffer, or a view onto part of one. */
export type GpuBufferTarget = ArrayBufferLike | ArrayBufferView;

/** Options of {@link GpuLayout.unpack}. */
export interface GpuUnpackOptions {
  /** Byte offset of the first struct. Default 0. */
  readonly offset?: number;
  /**
   * Requests being answered: message `i` becomes `definition.reply(replyTo[i], ...)`, so it carries the
   * request's messageId as correlationId (and its priority). Without it, messages are plain `create()`s.
   */
  readonly replyTo?: readonly Message[];
}

/**
 * The WGSL storage-buffer layout of a purely numeric message schema, with batch copies between messages
 * and bytes. Standard fields (messageId, priority, correlationId) stay on the host: the GPU side sees
 * only the schema's fields, and callers keep correlation by batch index.
 *
 * Padding bytes are not written by `pack` (whatever the buffer held stays); WGSL never reads them.
 */
export interface GpuLayout<F extends FieldMap = FieldMap> {
  readonly definition: MessageDefinition<F>;
  readonly structName: string;
  readonly fields: readonly GpuFieldLayout[];
  /** Struct size: the end of the last field rounded up to `align`. */
  readonly size: number;
  /** Largest field alignment. */
  readonly align: number;
  /** Distance between structs in `array<Struct>`: `roundUp(align, size)`, equal to `size`. */
  readonly stride: number;
  /** WGSL source of the struct declaration. */
  readonly wgsl: string;
  /** Bytes `count` messages take in a buffer. */
  byteLength(count: number): number;
  /**
   * Writes messages as consecutive structs starting at `offset` bytes into `target`.
   * @returns the number of bytes written (`messages.length * stride`).
   */
  pack(messages: readonly MessageShape<F>[], target: GpuBufferTarget, offset?: number): number;
  /** Reads `count` consecutive structs into new (frozen) messages. */
  unpack(source: GpuBufferTarget, count: number, options?: GpuUnpackOptions): MessageShape<F>[];
}

/** Options of {@link gpuLayout}. */
export interface GpuLayoutOptions {
  /** Name of the WGSL struct; defaults to the message type name. */
  readonly structName?: string;
}

const WGSL_KEYWORDS = new Set(
  (
    'alias break case const const_assert continue continuing default diagnostic discard else enable false fn ' +
    'for if let loop override requires return struct switch true var while ' +
    'array atomic bool f16 f32 i32 mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 mat4x2 mat4x3 mat4x4 ptr sampler ' +
    'sampler_comparison texture_1d texture_2d texture_2d_array texture_3d texture_cube texture_cube_array u32 ' +
    'vec2 vec3 vec4 ' +
    'NULL Self abstract active alignas alignof as asm asm_fragment async attribute auto await become ' +
    'cast catch class co_await co_return co_yield coherent column_major common compile compile_fragment ' +
    'concept const_cast consteval constexpr constinit crate debugger decltype delete demote ' +
    'demote_to_helper do dynamic_cast enum explicit export extends extern external fallthrough filter final ' +
    'finally friend from fxgroup get goto groupshared highp impl implements import inline instanceof ' +
    'interface layout lowp macro macro_rules match mediump meta mod module move mut mutable namespace new ' +
    'nil noexcept noinline nointerpolation non_coherent noncoherent noperspective null nullptr of operator ' +
    'package packoffset partition pass patch pixelfragment precise precision premerge priv protected pub ' +
    'public readonly ref regardless register reinterpret_cast require resource restrict self set shared ' +
    'sizeof smooth snorm static static_assert static_cast std subroutine super target template this ' +
    'thread_local throw trait try type typedef typeid typename typeof union unless unorm unsafe unsized use ' +
    'using varying virtual volatile wgsl where with writeonly yield'
  ).split(' '),
);

function checkWgslIdentifier(messageType: string, fieldName: string | undefined, name: string): void {
  const valid = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name !== '_' && !name.startsWith('__');
  if (!valid || WGSL_KEYWORDS.has(name))
    throw new GpuLayoutError(
      messageType,
      fieldName,
      `'${name}' is not a usable WGSL identifier (${valid ? 'reserved word' : 'letters, digits and _ only; no leading __'}); rename it` +
        (fieldName === undefined ? ' or pass { structName }' : ''),
    );
}

const roundUp = (alignment: number, value: number): number => Math.ceil(value / alignment) * alignment;

interface FieldShape {
  scalar: GpuScalarKind;
  vectorWidth: 1 | 2 | 3 | 4;
  arrayLength: number | undefined;
}

function shapeOf(messageType: string, name: string, spec: AnyField): FieldShape {
  const block = (reason: string): never => {
    throw new GpuLayoutError(messageType, name, reason);
  };
  const isGpuScalar = (kind: string | undefined): kind is GpuScalarKind =>
    kind === 'f32' || kind === 'i32' || kind === 'u32';
  switch (spec.kind) {
    case 'f32':
    case 'i32':
    case 'u32':
      return { scalar: spec.kind, vectorWidth: 1, arrayLength: undefined };
    case 'f64':
      return block('WGSL storage buffers have no f64; use field.f32()');
    case 'array':
      if (!isGpuScalar(spec.elementKind))
        return block(`array elements are ${spec.elementKind ?? '?'}; WGSL needs f32, i32 or u32`);
      if (spec.length === undefined)
        return block('variable-length arrays have no fixed struct size; give a length: field.array(kind, n)');
      return { scalar: spec.elementKind, vectorWidth: 1, arrayLength: spec.length };
    case 'vector':
      if (!isGpuScalar(spec.elementKind) || spec.vectorWidth === undefined)
        return block('malformed vector field');
      return { scalar: spec.elementKind, vectorWidth: spec.vectorWidth, arrayLength: spec.length };
    case 'optional':
      return block('optional fields have no GPU representation; give the field a default instead');
    default:
      return block(
        `${spec.kind} fields are not numeric; GPU layouts take f32/i32/u32 scalars, fixed arrays and vectors`,
      );
  }
}

/** WGSL alignment and size of a scalar or vector: vec3 is aligned like vec4 but only 12 bytes long. */
function elementAlignAndSize(vectorWidth: 1 | 2 | 3 | 4): [align: number, size: number] {
  switch (vectorWidth) {
    case 1:
      return [4, 4];
    case 2:
      return [8, 8];
    case 3:
      return [16, 12];
    default:
      return [16, 16];
  }
}

type ViewIndex = 0 | 1 | 2;
const VIEW_OF: Record<GpuScalarKind, ViewIndex> = { f32: 0, i32: 1, u32: 2 };

interface FieldPlan {
  readonly name: string;
  readonly view: ViewIndex;
  /** Field offset in 4-byte words. */
  readonly word: number;
  readonly lanes: number;
  readonly elements: number;
  readonly strideWords: number;
  /** Scalars are plain numbers on the JS side; everything else is a typed array of `components`. */
  readonly isScalar: boolean;
  readonly components: number;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Region {
  buffer: ArrayBufferLike;
  byteOffset: number;
  byteLength: number;
}

function regionOf(target: GpuBufferTarget, what: string): Region {
  if (ArrayBuffer.isView(target))
    return { buffer: target.buffer, byteOffset: target.byteOffset, byteLength: target.byteLength };
  if (
    target instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && target instanceof SharedArrayBuffer)
  )
    return { buffer: target, byteOffset: 0, byteLength: target.byteLength };
  throw new InvalidArgumentError(
    `${what} must be an ArrayBuffer, SharedArrayBuffer or a view, got ${describeValue(target)}`,
  );
}

/**
 * Computes the WGSL storage-buffer layout of a numeric message schema (f32/i32/u32 scalars, fixed-length
 * f32/i32/u32 arrays, vec2/vec3/vec4 and arrays of them), following WGSL's alignment rules.
 *
 * @throws {@link GpuLayoutError} naming the first field that has no GPU representation.
 *
 * @example
 * ```ts
 * const Particle = defineMessage('Particle', { position: field.vec3('f32'), mass: field.f32() });
 * const layout = gpuLayout(Particle);
 * layout.wgsl;   // struct Particle { position: vec3<f32>, mass: f32, }
 * layout.stride; // 16: mass fills the vec3's padding
 * const buffer = new ArrayBuffer(layout.byteLength(particles.length));
 * layout.pack(particles, buffer);
 * ```
 */
export function gpuLayout<F extends FieldMap>(
  definition: MessageDefinition<F>,
  options: GpuLayoutOptions = {},
): GpuLayout<F> {
  const messageType = definition.name;
  const structName = options.structName ?? messageType;
  checkWgslIdentifier(messageType, undefined, structName);
  if (definition.fieldNames.length === 0)
    throw new GpuLayoutError(
      messageType,
      undefined,
      'the schema has no fields; WGSL structs need at least one',
    );

  const fields: GpuFieldLayout[] = [];
  const plans: FieldPlan[] = [];
  let end = 0;
  let structAlign = 4;
  for (const name of definition.fieldNames) {
    const spec = definition.fields[name] as AnyField;
    const shape = shapeOf(messageType, name, spec);
    checkWgslIdentifier(messageType, name, name);
    const [elementAlign, elementSize] = elementAlignAndSize(shape.vectorWidth);
    const elementType = shape.vectorWidth === 1 ? shape.scalar : `vec${shape.vectorWidth}<${shape.scalar}>`;
    const arrayStride = shape.arrayLength === undefined ? undefined : roundUp(elementAlign, elementSize);
    const size = arrayStride === undefined ? elementSize : arrayStride * (shape.arrayLength ?? 1);
    const offset = roundUp(elementAlign, end);
    end = offset + size;
    structAlign = Math.max(structAlign, elementAlign);
    const components = shape.vectorWidth * (shape.arrayLength ?? 1);
    fields.push(
      Object.freeze({
        name,
        wgslType:
          shape.arrayLength === undefined ? elementType : `array<${elementType}, ${shape.arrayLength}>`,
        scalar: shape.scalar,
        offset,
        size,
        align: elementAlign,
        vectorWidth: shape.vectorWidth,
        arrayLength: shape.arrayLength,
        arrayStride,
        components,
      }),
    );
    plans.push({
      name,
      view: VIEW_OF[shape.scalar],
      word: offset / 4,
      lanes: shape.vectorWidth,
      elements: shape.arrayLength ?? 1,
      strideWords: (arrayStride ?? elementSize) / 4,
      isScalar: spec.kind === 'f32' || spec.kind === 'i32' || spec.kind === 'u32',
      components,
    });
  }
  // Every field is an f32/i32/u32 word or an array of them, so whatever the buffer holds is a valid value.
  const assemble = trustedAssemblerOf(definition);
  const size = roundUp(structAlign, end);
  const stride = size;
  const strideWords = stride / 4;
  const wgsl =
    `struct ${structName} {\n` +
    fields
      .map(
        (layout) => `  ${layout.name}: ${layout.wgslType}, // offset ${layout.offset}, size ${layout.size}\n`,
      )
      .join('') +
    '}\n';

  const checkCount = (count: number): void => {
    if (!Number.isInteger(count) || count < 0)
      throw new InvalidArgumentError(`count must be a non-negative integer, got ${describeValue(count)}`);
  };

  /** Word views over the region; null when it cannot be viewed by 4-byte words (then a DataView is used). */
  const viewsFor = (
    region: Region,
    offset: number,
    count: number,
    what: string,
  ): [Float32Array, Int32Array, Uint32Array] | DataView => {
    if (!Number.isInteger(offset) || offset < 0)
      throw new InvalidArgumentError(`offset must be a non-negative integer, got ${describeValue(offset)}`);
    const bytes = count * stride;
    if (offset + bytes > region.byteLength)
      throw new InvalidArgumentError(
        `${what} holds ${region.byteLength} bytes; ${count} × ${structName} (stride ${stride}) at offset ${offset} ` +
          `needs ${offset + bytes}: allocate layout.byteLength(count) + offset bytes`,
      );
    const start = region.byteOffset + offset;
    if (start % 4 !== 0 || !littleEndianHost) return new DataView(region.buffer, start, bytes);
    const words = bytes / 4;
    return [
      new Float32Array(region.buffer, start, words),
      new Int32Array(region.buffer, start, words),
      new Uint32Array(region.buffer, start, words),
    ];
  };

  const layout: GpuLayout<F> = {
    definition,
    structName,
    fields: Object.freeze(fields),
    size,
    align: structAlign,
    stride,
    wgsl,
    byteLength: (count) => {
      checkCount(count);
      return count * stride;
    },
    pack: (messages, target, offset = 0) => {
      const count = messages.length;
      const views = viewsFor(regionOf(target, 'pack target'), offset, count, 'the pack target');
      for (let index = 0; index < count; index += 1) {
        const message = messages[index];
        if (!definition.is(message))
          throw new InvalidArgumentError(
            `messages[${index}] is ${describeValue(message)}, not a ${messageType} message; create it with ${messageType}.create()`,
          );
        const source = message as unknown as Record<string, unknown>;
        if (Array.isArray(views)) writeWords(views, index * strideWords, plans, source);
        else writeWithDataView(views, index * stride, plans, source);
      }
      return count * stride;
    },
    unpack: (source, count, unpackOptions = {}) => {
      checkCount(count);
      const offset = unpackOptions.offset ?? 0;
      const replyTo = unpackOptions.replyTo;
      if (replyTo !== undefined && replyTo.length < count)
        throw new InvalidArgumentError(`replyTo has ${replyTo.length} requests for ${count} messages`);
      const views = viewsFor(regionOf(source, 'unpack source'), offset, count, 'the unpack source');
      const messages = new Array<MessageShape<F>>(count);
      const values = new Array<unknown>(plans.length);
      const words = Array.isArray(views) ? views : undefined;
      for (let index = 0; index < count; index += 1) {
        const base = index * strideWords;
        for (let field = 0; field < plans.length; field += 1) {
          const plan = plans[field] as FieldPlan;
          values[field] =
            words === undefined
              ? readWithDataView(views as DataView, base, plan)
              : readWords(words, base, plan);
        }
        const request = replyTo?.[index];
        let correlationId: string | undefined;
        let priority = DEFAULT_PRIORITY;
        if (request !== undefined) {
          correlationId = request.messageId;
          if (!isUuid(correlationId))
            throw new InvalidArgumentError(
              `replyTo[${index}] has messageId ${describeValue(correlationId)}; requests need UUID messageIds`,
            );
          const requestPriority = request.priority;
          if ((requestPriority & 0xff) === requestPriority) priority = requestPriority;
        }
        messages[index] = assemble(values, correlationId, priority) as MessageShape<F>;
      }
      return messages;
    },
  };
  return Object.freeze(layout);
}

type WordViews = [Float32Array, Int32Array, Uint32Array];

function writeWords(
  views: WordViews,
  base: number,
  plans: readonly FieldPlan[],
  source: Record<string, unknown>,
): void {
  for (const plan of plans) {
    const view = views[plan.view];
    const value = source[plan.name];
    if (plan.isScalar) {
      view[base + plan.word] = value as number;
      continue;
    }
    const array = value as ArrayLike<number>;
    let component = 0;
    for (let element = 0; element < plan.elements; element += 1) {
      const at = base + plan.word + element * plan.strideWords;
      for (let lane = 0; lane < plan.lanes; lane += 1) view[at + lane] = array[component++] as number;
    }
  }
}

function setWord(view: DataView, plan: FieldPlan, byte: number, value: number): void {
  if (plan.view === 0) view.setFloat32(byte, value, true);
  else if (plan.view === 1) view.setInt32(byte, value, true);
  else view.setUint32(byte, value, true);
}

function getWord(view: DataView, plan: FieldPlan, byte: number): number {
  if (plan.view === 0) return view.getFloat32(byte, true);
  if (plan.view === 1) return view.getInt32(byte, true);
  return view.getUint32(byte, true);
}

/** Slow path for unaligned regions and big-endian hosts. */
function writeWithDataView(
  view: DataView,
  baseByte: number,
  plans: readonly FieldPlan[],
  source: Record<string, unknown>,
): void {
  for (const plan of plans) {
    const value = source[plan.name];
    if (plan.isScalar) {
      setWord(view, plan, baseByte + plan.word * 4, value as number);
      continue;
    }
    const array = value as ArrayLike<number>;
    let component = 0;
    for (let element = 0; element < plan.elements; element += 1)
      for (let lane = 0; lane < plan.lanes; lane += 1)
        setWord(
          view,
          plan,
          baseByte + (plan.word + element * plan.strideWords + lane) * 4,
          array[component++] as number,
        );
  }
}

function newArrayFor(plan: FieldPlan): Float32Array | Int32Array | Uint32Array {
  if (plan.view === 0) return new Float32Array(plan.components);
  if (plan.view === 1) return new Int32Array(plan.components);
  return new Uint32Array(plan.components);
}

function readWords(
  views: WordViews,
  base: number,
  plan: FieldPlan,
): number | Float32Array | Int32Array | Uint32Array {
  const view = views[plan.view];
  if (plan.isScalar) return view[base + plan.word] as number;
  const out = newArrayFor(plan);
  let component = 0;
  for (let element = 0; element < plan.elements; element += 1) {
    const at = base + plan.word + element * plan.strideWords;
    for (let lane = 0; lane < plan.lanes; lane += 1) out[component++] = view[at + lane] as number;
  }
  return out;
}

function readWithDataView(
  view: DataView,
  base: number,
  plan: FieldPlan,
): number | Float32Array | Int32Array | Uint32Array {
  if (plan.isScalar) return getWord(view, plan, (base + plan.word) * 4);
  const out = newArrayFor(plan);
  let component = 0;
  for (let element = 0; element < plan.elements; element += 1)
    for (let lane = 0; lane < plan.lanes; lane += 1)
      out[component++] = getWord(view, plan, (base + plan.word + element * plan.strideWords + lane) * 4);
  return out;
}
