// Helpers for the crypto tests only.
import { expect } from 'vitest';
import { b64u, unb64u } from '../crypto/encoding';
import { type ErrorCode, ProtocolError } from '../crypto/errors';

/** The ProtocolError code `action` fails with; any other outcome fails the test. */
export async function failsWith(action: () => unknown): Promise<ErrorCode> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError, but it succeeded');
}

/** The b64u text with one bit of byte `index` flipped (negative counts from the end). */
export function flip(text: string, index = -1): string {
  const bytes = unb64u(text);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return b64u(bytes);
}
