export type { Message } from './types.js';
export {
  defineMessage,
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MIN_PRIORITY,
  type DefineMessageOptions,
  type FieldMap,
  type InitOf,
  type InitShape,
  type MessageDefinition,
  type MessageOf,
  type MessageShape,
  type ReplyInit,
  type StandardInit,
} from './define.js';
export {
  field,
  type AnyField,
  type Field,
  type FieldOptions,
  type FieldPresence,
  type GpuScalarKind,
  type JsonValue,
  type NumericKind,
  type TypedArrayInput,
  type TypedArrayOf,
  type VectorWidth,
} from './fields.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  getDefaultCodec,
  MessageCodec,
  type MessageCodecOptions,
} from './codec.js';
export { MessageRegistry } from './registry.js';
export { definitionOf, type WireDefinition } from './wire.js';
export { isUuid } from './uuid.js';
export {
  DuplicateMessageTypeError,
  GpuLayoutError,
  MessageDecodeError,
  MessageDefinitionError,
  MessageTooLargeError,
  MessageValidationError,
} from './errors.js';
export {
  gpuLayout,
  type GpuBufferTarget,
  type GpuFieldLayout,
  type GpuLayout,
  type GpuLayoutOptions,
  type GpuUnpackOptions,
} from './gpu-layout.js';
export { cudaStruct } from './cuda-layout.js';
