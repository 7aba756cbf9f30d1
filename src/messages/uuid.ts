// A lookup table beats a regular expression here: UUIDs are checked on every decode.
const HEX = new Uint8Array(128);
for (const character of '0123456789abcdefABCDEF') HEX[character.charCodeAt(0)] = 1;

/** True for a UUID string in the 8-4-4-4-12 hex form (any version, either case). */
export function isUuid(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 36) return false;
  for (let index = 0; index < 36; index += 1) {
    const code = value.charCodeAt(index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 45) return false;
    } else if (code > 127 || HEX[code] !== 1) {
      return false;
    }
  }
  return true;
}

/**
 * Random bytes are drawn for 1,024 ids at a time (16 KiB: fewer calls into the CSPRNG); ids are formatted 16 at a time into one string
 * that each id slices. Small blocks bound what a long-lived id keeps alive (a slice holds on to its
 * block: 576 bytes, not the 9 KB a 256-id block would be).
 */
const IDS_PER_DRAW = 1024;
const IDS_PER_BLOCK = 16;
const UUID_LENGTH = 36;
/** Two lowercase hex digits per byte value, as one little-endian 16-bit word (first digit first). */
const HEX_PAIRS = new Uint16Array(256);
for (let value = 0; value < 256; value++) {
  const digits = value.toString(16).padStart(2, '0');
  HEX_PAIRS[value] = digits.charCodeAt(0) | (digits.charCodeAt(1) << 8);
}

let randomBytes: Uint8Array | undefined;
let drawn = IDS_PER_DRAW;
let text: Uint8Array | undefined;
let textView: DataView | undefined;
let decoder: TextDecoder | undefined;
let block = '';
let nextInBlock = IDS_PER_BLOCK;

/** Formats the next 16 ids (drawing fresh random bytes when the draw is used up) as one ASCII string. */
function refillBlock(): void {
  if (randomBytes === undefined) {
    randomBytes = new Uint8Array(IDS_PER_DRAW * 16);
    text = new Uint8Array(IDS_PER_BLOCK * UUID_LENGTH);
    textView = new DataView(text.buffer);
    decoder = new TextDecoder('latin1');
    for (let id = 0; id < IDS_PER_BLOCK; id++) {
      const at = id * UUID_LENGTH;
      text[at + 8] = text[at + 13] = text[at + 18] = text[at + 23] = 45; // '-'
    }
  }
  const bytes = randomBytes;
  if (drawn === IDS_PER_DRAW) {
    globalThis.crypto.getRandomValues(bytes);
    drawn = 0;
  }
  const view = textView!;
  for (let id = 0; id < IDS_PER_BLOCK; id++) {
    const from = (drawn + id) * 16;
    const at = id * UUID_LENGTH;
    view.setUint16(at, HEX_PAIRS[bytes[from]!]!, true);
    view.setUint16(at + 2, HEX_PAIRS[bytes[from + 1]!]!, true);
    view.setUint16(at + 4, HEX_PAIRS[bytes[from + 2]!]!, true);
    view.setUint16(at + 6, HEX_PAIRS[bytes[from + 3]!]!, true);
    view.setUint16(at + 9, HEX_PAIRS[bytes[from + 4]!]!, true);
    view.setUint16(at + 11, HEX_PAIRS[bytes[from + 5]!]!, true);
    // Version 4 (0100) in the high nibble of byte 6, variant 10xx in the top bits of byte 8.
    view.setUint16(at + 14, HEX_PAIRS[(bytes[from + 6]! & 0x0f) | 0x40]!, true);
    view.setUint16(at + 16, HEX_PAIRS[bytes[from + 7]!]!, true);
    view.setUint16(at + 19, HEX_PAIRS[(bytes[from + 8]! & 0x3f) | 0x80]!, true);
    view.setUint16(at + 21, HEX_PAIRS[bytes[from + 9]!]!, true);
    for (let byte = 10; byte < 16; byte++)
      view.setUint16(at + 4 + byte * 2, HEX_PAIRS[bytes[from + byte]!]!, true);
  }
  drawn += IDS_PER_BLOCK;
  block = decoder!.decode(text);
  nextInBlock = 0;
}

/**
 * A fresh random UUID v4 (RFC 4122: 122 bits from the platform's CSPRNG, `crypto.getRandomValues`,
 * in browsers and Node alike).
 *
 * Random bytes are drawn 16 KiB at a time and formatted 16 ids per pass into one string, of which
 * each id is a slice: a fraction of the cost of one `crypto.randomUUID()` call per id. The ids are
 * as random as `randomUUID`'s, so collisions stay out of reach (at 10⁹ ids the chance is about 10⁻¹⁹).
 */
export function randomMessageId(): string {
  if (nextInBlock === IDS_PER_BLOCK) refillBlock();
  const start = nextInBlock * UUID_LENGTH;
  nextInBlock++;
  return block.substring(start, start + UUID_LENGTH);
}
