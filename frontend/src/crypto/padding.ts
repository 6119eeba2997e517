import { ProtocolError } from './errors';

/** Size buckets of §4: 256, 512, …, 65536 bytes, so a ciphertext's length reveals only a power of two. */
export const BUCKETS: readonly number[] = Array.from({ length: 9 }, (_, i) => 1 << (8 + i));
const MAX_BUCKET = BUCKETS[BUCKETS.length - 1]!;

/**
 * pad(m): m || 0x80 || 0x00… up to the smallest bucket holding len(m) + 1 bytes.
 *
 * Contract: a message of 65536 bytes or more fails with `too_large`.
 */
export function pad(message: Uint8Array): Uint8Array {
  const size = BUCKETS.find((bucket) => message.length < bucket);
  if (size === undefined) throw new ProtocolError('too_large', `a message must be under ${MAX_BUCKET} bytes`);
  const out = new Uint8Array(size);
  out.set(message);
  out[message.length] = 0x80;
  return out;
}

/**
 * Removes the padding of §4.
 *
 * Contract: a length that is not a bucket, or no 0x80 marker before the trailing zeros, fails
 * with `bad_padding`.
 */
export function unpad(padded: Uint8Array): Uint8Array {
  if (!BUCKETS.includes(padded.length)) throw new ProtocolError('bad_padding', 'length is not a bucket');
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0x00) end--;
  if (end === 0 || padded[end - 1] !== 0x80) throw new ProtocolError('bad_padding', 'no 0x80 marker');
  return padded.slice(0, end - 1);
}
