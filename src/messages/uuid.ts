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

// Looked up once: `globalThis.crypto` is an accessor in Node, and this runs for every message created.
let randomUuid: (() => string) | undefined;

/** A fresh random UUID v4 from the platform's crypto (browser and Node alike). */
export function randomMessageId(): string {
  randomUuid ??= globalThis.crypto.randomUUID.bind(globalThis.crypto);
  return randomUuid();
}
