import type { AnyField } from './fields.js';

/**
 * Field kinds a fast frame carries raw: numbers as float64 (exact for every numeric kind, -0 and
 * NaN included), booleans as a byte, strings and enums as UTF-8 with a length, UUIDs as 36 ASCII
 * bytes. A schema with any other kind (or an optional field) has no fast frame.
 */
const NUMBER_KINDS = new Set(['f32', 'f64', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32']);
const STRING_KINDS = new Set(['string', 'enum']);

/** Writes one message's fast frame body; returns the end position. `out` grows as needed. */
export interface FastFrameWriter {
  /** Bytes `message` needs at most (strings counted at 3 bytes per UTF-16 unit). */
  maxBytes(message: object): number;
  /** Writes the fields after the fixed header at `position` of `bytes`; returns the end position. */
  writeFields(message: object, bytes: Uint8Array, view: DataView, position: number): number;
}

/**
 * Rebuilds a message from a fast frame without validating its values again: they were valid when
 * the message was created on the other side, and both sides hold the same definitions (checked at
 * launch). Returns `undefined` when the frame's structure is wrong (the caller raises a typed error).
 */
export type FastFrameReader = (
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  messageId: string,
  priority: number,
  correlationId: string | undefined,
) => object | undefined;

export interface FastFrameParts {
  readonly fieldNames: readonly string[];
  readonly specs: readonly AnyField[];
  readonly MessageClass: new () => Record<string, unknown>;
  readonly freeze: boolean;
}

type FieldWire = 'number' | 'bool' | 'string' | 'uuid';

function wireOf(spec: AnyField): FieldWire | undefined {
  if (spec.presence === 'optional') return undefined;
  if (NUMBER_KINDS.has(spec.kind)) return 'number';
  if (spec.kind === 'bool') return 'bool';
  if (STRING_KINDS.has(spec.kind)) return 'string';
  if (spec.kind === 'uuid') return 'uuid';
  return undefined;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Writes `value` as u32 length + UTF-8 at `position`; returns the end. ASCII goes byte by byte. */
function writeString(value: string, bytes: Uint8Array, view: DataView, position: number): number {
  const length = value.length;
  const start = position + 4;
  let index = 0;
  for (; index < length; index++) {
    const code = value.charCodeAt(index);
    if (code > 0x7f) break;
    bytes[start + index] = code;
  }
  let written = index;
  if (index < length) {
    written = index + utf8Encoder.encodeInto(value.slice(index), bytes.subarray(start + index)).written;
  }
  view.setUint32(position, written, true);
  return start + written;
}

/** Reads a u32-length UTF-8 string at `position`; `undefined` when it runs past `end` or is not UTF-8. */
function readString(bytes: Uint8Array, view: DataView, position: number, end: number): string | undefined {
  if (position + 4 > end) return undefined;
  const length = view.getUint32(position, true);
  const start = position + 4;
  if (start + length > end) return undefined;
  if (length <= 32) {
    let ascii = true;
    for (let index = 0; index < length; index++) {
      if (bytes[start + index]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii)
      return String.fromCharCode.apply(null, bytes.subarray(start, start + length) as unknown as number[]);
  }
  try {
    return utf8Decoder.decode(bytes.subarray(start, start + length));
  } catch {
    return undefined;
  }
}

/** Reads 36 ASCII bytes as a string (a UUID). */
// prettier-ignore
export function readUuid(bytes: Uint8Array, at: number): string {
  const b = bytes;
  // One call with fixed arguments: far cheaper than a decoder or `apply` for 36 characters.
  return String.fromCharCode(
    b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!,
    b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!, b[at + 16]!,
    b[at + 17]!, b[at + 18]!, b[at + 19]!, b[at + 20]!, b[at + 21]!, b[at + 22]!, b[at + 23]!, b[at + 24]!,
    b[at + 25]!, b[at + 26]!, b[at + 27]!, b[at + 28]!, b[at + 29]!, b[at + 30]!, b[at + 31]!, b[at + 32]!,
    b[at + 33]!, b[at + 34]!, b[at + 35]!,
  );
}

/** Writes a 36-character ASCII string (a UUID) at `at` (unrolled: a loop costs twice as much). */
// prettier-ignore
export function writeUuid(v: string, b: Uint8Array, at: number): void {
  b[at] = v.charCodeAt(0); b[at + 1] = v.charCodeAt(1); b[at + 2] = v.charCodeAt(2); b[at + 3] = v.charCodeAt(3);
  b[at + 4] = v.charCodeAt(4); b[at + 5] = v.charCodeAt(5); b[at + 6] = v.charCodeAt(6); b[at + 7] = v.charCodeAt(7);
  b[at + 8] = v.charCodeAt(8); b[at + 9] = v.charCodeAt(9); b[at + 10] = v.charCodeAt(10); b[at + 11] = v.charCodeAt(11);
  b[at + 12] = v.charCodeAt(12); b[at + 13] = v.charCodeAt(13); b[at + 14] = v.charCodeAt(14); b[at + 15] = v.charCodeAt(15);
  b[at + 16] = v.charCodeAt(16); b[at + 17] = v.charCodeAt(17); b[at + 18] = v.charCodeAt(18); b[at + 19] = v.charCodeAt(19);
  b[at + 20] = v.charCodeAt(20); b[at + 21] = v.charCodeAt(21); b[at + 22] = v.charCodeAt(22); b[at + 23] = v.charCodeAt(23);
  b[at + 24] = v.charCodeAt(24); b[at + 25] = v.charCodeAt(25); b[at + 26] = v.charCodeAt(26); b[at + 27] = v.charCodeAt(27);
  b[at + 28] = v.charCodeAt(28); b[at + 29] = v.charCodeAt(29); b[at + 30] = v.charCodeAt(30); b[at + 31] = v.charCodeAt(31);
  b[at + 32] = v.charCodeAt(32); b[at + 33] = v.charCodeAt(33); b[at + 34] = v.charCodeAt(34); b[at + 35] = v.charCodeAt(35);
}

/**
 * Compiles the fast-frame writer and reader of one schema (named property accesses in schema
 * order; no intermediate array), or returns `undefined` when a field's kind has no fast form or
 * code generation is refused (Content-Security-Policy): the compact format is then used.
 */
export function compileFastFrame(
  parts: FastFrameParts,
): { readonly writer: FastFrameWriter; readonly reader: FastFrameReader } | undefined {
  const wires = parts.specs.map(wireOf);
  if (wires.some((wire) => wire === undefined)) return undefined;
  const names = parts.fieldNames;
  const sizeTerms: string[] = ['0'];
  const writes: string[] = [];
  const reads: string[] = [];
  names.forEach((name, index) => {
    const access = `m.${name}`;
    switch (wires[index]) {
      case 'number':
        sizeTerms.push('8');
        writes.push(`view.setFloat64(p, ${access}, true); p += 8;`);
        reads.push(`if (p + 8 > end) return undefined; m.${name} = view.getFloat64(p, true); p += 8;`);
        break;
      case 'bool':
        sizeTerms.push('1');
        writes.push(`bytes[p++] = ${access} ? 1 : 0;`);
        reads.push(`if (p + 1 > end) return undefined; m.${name} = bytes[p++] === 1;`);
        break;
      case 'string':
        sizeTerms.push(`4 + ${access}.length * 3`);
        writes.push(`p = writeString(${access}, bytes, view, p);`);
        reads.push(
          `{ const s = readString(bytes, view, p, end); if (s === undefined) return undefined; m.${name} = s; p += 4 + view.getUint32(p, true); }`,
        );
        break;
      case 'uuid':
        sizeTerms.push('36');
        writes.push(`writeUuid(${access}, bytes, p); p += 36;`);
        reads.push(`if (p + 36 > end) return undefined; m.${name} = readUuid(bytes, p); p += 36;`);
        break;
    }
  });
  const source =
    `const writer = {\n` +
    `  maxBytes(m) { return ${sizeTerms.join(' + ')}; },\n` +
    `  writeFields(m, bytes, view, p) {\n${writes.join('\n')}\nreturn p; },\n` +
    `};\n` +
    `function reader(bytes, view, p, end, messageId, priority, correlationId) {\n` +
    `const m = new MessageClass();\nm.messageId = messageId;\nm.priority = priority;\nm.correlationId = correlationId;\n` +
    `${reads.join('\n')}\nif (p !== end) return undefined;\nreturn ${parts.freeze ? 'Object.freeze(m)' : 'm'};\n}\n` +
    `return { writer, reader };`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function(
      'MessageClass',
      'writeString',
      'readString',
      'writeUuid',
      'readUuid',
      source,
    ) as (...args: unknown[]) => { writer: FastFrameWriter; reader: FastFrameReader };
    return factory(parts.MessageClass, writeString, readString, writeUuid, readUuid);
  } catch {
    return undefined;
  }
}
