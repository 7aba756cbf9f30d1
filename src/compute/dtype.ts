import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * Element types a `UnifiedBuffer` can hold. `float64` runs on the CPU only (WGSL has no f64);
 * `float16` is stored as raw IEEE half bits in a `Uint16Array` and runs where the device has
 * the `shader-f16` feature.
 */
export type DType = 'float32' | 'float64' | 'float16' | 'int32' | 'uint32' | 'int8' | 'uint8';

/** Every dtype, in a stable order. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'int32', 'uint32', 'int8', 'uint8'];

/** The typed arrays a buffer's host side may be. */
export type TypedArray =
  Float32Array | Float64Array | Int32Array | Uint32Array | Int8Array | Uint8Array | Uint16Array;

interface DTypeInfo {
  readonly bytes: number;
  readonly create: (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;
  readonly isFloat: boolean;
}

const INFO: Readonly<Record<DType, DTypeInfo>> = {
  float32: { bytes: 4, create: (b, o, n) => new Float32Array(b, o, n), isFloat: true },
  float64: { bytes: 8, create: (b, o, n) => new Float64Array(b, o, n), isFloat: true },
  float16: { bytes: 2, create: (b, o, n) => new Uint16Array(b, o, n), isFloat: true },
  int32: { bytes: 4, create: (b, o, n) => new Int32Array(b, o, n), isFloat: false },
  uint32: { bytes: 4, create: (b, o, n) => new Uint32Array(b, o, n), isFloat: false },
  int8: { bytes: 1, create: (b, o, n) => new Int8Array(b, o, n), isFloat: false },
  uint8: { bytes: 1, create: (b, o, n) => new Uint8Array(b, o, n), isFloat: false },
};

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return INFO[dtype].bytes;
}

/** Whether `dtype` holds floating-point values (tolerances, WGSL literals). */
export function isFloatDtype(dtype: DType): boolean {
  return INFO[dtype].isFloat;
}

/** Throws `InvalidArgumentError` unless `value` names a dtype. */
export function assertDtype(value: unknown): asserts value is DType {
  if (typeof value !== 'string' || !(value in INFO))
    throw new InvalidArgumentError(`dtype must be one of ${DTYPES.join(', ')}; got ${describeValue(value)}`);
}

/** A typed array of `dtype` over `buffer` (no copy). */
export function typedArrayOver(
  dtype: DType,
  buffer: ArrayBuffer,
  byteOffset: number,
  length: number,
): TypedArray {
  return INFO[dtype].create(buffer, byteOffset, length);
}

/** The WGSL scalar type for `dtype`, or `undefined` when WGSL storage cannot hold it directly. */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' | 'f16' | undefined {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'uint32':
      return 'u32';
    case 'float16':
      return 'f16';
    default:
      return undefined;
  }
}

/** Converts a number to IEEE 754 half-precision bits (round to nearest even), for `float16` buffers. */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal halves are multiples of 2^-24; round that multiple to nearest even.
    const scaled = Math.abs(value) / 2 ** -24;
    let rounded = Math.round(scaled);
    if (scaled - Math.floor(scaled) === 0.5 && rounded % 2 === 1) rounded -= 1;
    return sign | rounded;
  }
  const base = sign | (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (base & 1) === 1)) return base + 1;
  return base;
}

/** Converts IEEE 754 half-precision bits to a number. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The dtypes `backend` can hold, for error messages. */
export function supportedDtypes(backend: { supportsDtype(dtype: DType): boolean }): DType[] {
  return DTYPES.filter((dtype) => backend.supportsDtype(dtype));
}
