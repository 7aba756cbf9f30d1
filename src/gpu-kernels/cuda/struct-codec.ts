import type { GpuFieldLayout } from '../../messages/index.js';

/** A struct's fields as the emulator's JS body sees them: numbers and typed arrays by field name. */
export type StructValues = Record<
  string,
  number | Float32Array | Int32Array | Uint32Array | ArrayLike<number>
>;

/** The plain-data part of a field layout that crosses into the emulator's thread. */
export type PlainFieldLayout = Pick<
  GpuFieldLayout,
  'name' | 'scalar' | 'offset' | 'vectorWidth' | 'arrayLength' | 'arrayStride' | 'components'
>;

export function plainFields(fields: readonly GpuFieldLayout[]): PlainFieldLayout[] {
  return fields.map(({ name, scalar, offset, vectorWidth, arrayLength, arrayStride, components }) => ({
    name,
    scalar,
    offset,
    vectorWidth,
    arrayLength,
    arrayStride,
    components,
  }));
}

/**
 * Reads and writes structs of one layout as plain objects (little-endian, like both the GPU and
 * every host Node runs on). Used by the device emulator, which has no message definitions.
 */
export class StructCodec {
  readonly #fields: readonly PlainFieldLayout[];

  constructor(fields: readonly PlainFieldLayout[]) {
    this.#fields = fields;
  }

  read(view: DataView, offset: number): StructValues {
    const values: StructValues = {};
    for (const field of this.#fields) {
      const at = offset + field.offset;
      if (field.vectorWidth === 1 && field.arrayLength === undefined) {
        values[field.name] = get(view, field.scalar, at);
        continue;
      }
      const array =
        field.scalar === 'f32'
          ? new Float32Array(field.components)
          : field.scalar === 'i32'
            ? new Int32Array(field.components)
            : new Uint32Array(field.components);
      const stride = field.arrayStride ?? field.vectorWidth * 4;
      let component = 0;
      for (let element = 0; element < (field.arrayLength ?? 1); element++)
        for (let lane = 0; lane < field.vectorWidth; lane++)
          array[component++] = get(view, field.scalar, at + element * stride + lane * 4);
      values[field.name] = array;
    }
    return values;
  }

  /** Writes the fields present in `values`; missing fields stay as the slot holds them (zeroed by the caller). */
  write(view: DataView, offset: number, values: Readonly<Record<string, unknown>>): void {
    for (const field of this.#fields) {
      const value = values[field.name];
      if (value === undefined) continue;
      const at = offset + field.offset;
      if (field.vectorWidth === 1 && field.arrayLength === undefined) {
        set(view, field.scalar, at, Number(value));
        continue;
      }
      const array = value as ArrayLike<number>;
      const stride = field.arrayStride ?? field.vectorWidth * 4;
      let component = 0;
      for (let element = 0; element < (field.arrayLength ?? 1); element++)
        for (let lane = 0; lane < field.vectorWidth; lane++)
          set(view, field.scalar, at + element * stride + lane * 4, array[component++] ?? 0);
    }
  }
}

function get(view: DataView, scalar: PlainFieldLayout['scalar'], at: number): number {
  if (scalar === 'f32') return view.getFloat32(at, true);
  if (scalar === 'i32') return view.getInt32(at, true);
  return view.getUint32(at, true);
}

function set(view: DataView, scalar: PlainFieldLayout['scalar'], at: number, value: number): void {
  if (scalar === 'f32') view.setFloat32(at, value, true);
  else if (scalar === 'i32') view.setInt32(at, value, true);
  else view.setUint32(at, value >>> 0, true);
}
