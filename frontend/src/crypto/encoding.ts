import { ProtocolError } from './errors';

/** The protocol version every object carries (§1). */
export const VERSION = 1;
/** Ids are 16 raw bytes (§1). */
export const ID_BYTES = 16;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Each ASCII code's value in ALPHABET, -1 for the rest: records are opened by the thousand, and a
// lookup by char code costs far less than iterating the string and looking each character up.
const DECODE = Int8Array.from({ length: 128 }, (_, code) => ALPHABET.indexOf(String.fromCharCode(code)));

/** Unpadded base64url (RFC 4648 §5). */
export function b64u(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += ALPHABET[(chunk >> (18 - 6 * j)) & 63];
  }
  return out;
}

/**
 * Decodes canonical unpadded base64url, optionally of an exact length.
 *
 * Contract: a value that is not a string (a number, null, an absent member) is `malformed`, a
 * wrong JSON type (§1 step 7). Any string but one of the base64url alphabet whose length is not
 * 1 mod 4 and whose unused trailing bits are zero fails with `bad_encoding` (§1): padding,
 * whitespace and a second spelling of the same bytes are all refused, so a signed or hashed field
 * has exactly one form. A decoded length other than `length` is also `bad_encoding`.
 */
export function unb64u(text: unknown, length?: number): Uint8Array {
  if (typeof text !== 'string') throw new ProtocolError('malformed', 'base64url is a JSON string');
  if (text.length % 4 === 1) throw new ProtocolError('bad_encoding', 'not base64url');
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) throw new ProtocolError('bad_encoding', 'not base64url');
    acc = ((acc << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new ProtocolError('bad_encoding', 'non-zero trailing bits');
  if (length !== undefined && bytes.length !== length) {
    throw new ProtocolError('bad_encoding', `expected ${length} bytes`);
  }
  return bytes;
}

/** An id field: canonical b64u of exactly 16 bytes, else `bad_encoding`. */
export function unb64uId(text: unknown): Uint8Array {
  return unb64u(text, ID_BYTES);
}

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is refused rather than repaired; ignoreBOM: a BOM stays visible to the JSON parser, which refuses it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding; invalid bytes are `malformed`. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ProtocolError('malformed', 'not UTF-8');
  }
}

/** u32(n): unsigned 32-bit big-endian (§1). */
export function u32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 takes 0 ≤ n < 2^32');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** lp(x) = u32(len(x)) || x. */
export function lp(bytes: Uint8Array): Uint8Array {
  return concat(u32(bytes.length), bytes);
}

/**
 * ctx(label, f1, …, fn) = lp(utf8(label)) || lp(f1) || … (§1): every hash input, signed message,
 * AEAD aad and HPKE info carries its own label and unambiguous field boundaries, so no two uses
 * can be confused. An HKDF info is not a ctx but the bare label (utf8), and an HKDF salt the raw
 * id. A string field is taken as its UTF-8 bytes, unnormalised.
 */
export function ctx(label: string, ...fields: readonly (Uint8Array | string)[]): Uint8Array {
  // Written into one buffer, ASCII text in place: every record opened builds its aad here, a
  // thousand at a time, and a TextEncoder call costs more than the few bytes of a store or an id.
  const parts = [label, ...fields].map((f) => (typeof f === 'string' && !isAscii(f) ? utf8(f) : f));
  const out = new Uint8Array(parts.reduce((sum, p) => sum + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.length, false);
    offset += 4;
    if (typeof part === 'string') for (let i = 0; i < part.length; i++) out[offset + i] = part.charCodeAt(i);
    else out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether `text` is ASCII, so that its UTF-8 is its char codes. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Byte-wise lexicographic order, as §10 orders keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Lower- or upper-case hex of even length; used only for test vectors and known answers. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
