// Helpers for the crypto tests only.
import { expect } from 'vitest';
import { b64u, ctx, unb64u } from '../crypto/encoding';
import { type ErrorCode, ProtocolError } from '../crypto/errors';
import { deriveInvite, type InviteRecord } from '../crypto/invites';
import { pad, unpad } from '../crypto/padding';
import { aeadOpen, aeadSeal, NONCE_BYTES, randomBytes } from '../crypto/primitives';

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

/**
 * The admin's invite record taken out of its link and sealed, byte for byte, under the link of
 * `holderSecret`: what anyone who holds the admin's link can make (PROTOCOL §9 step 11).
 */
export async function rewrapInvite(
  record: InviteRecord,
  secret: Uint8Array,
  holderSecret: Uint8Array,
): Promise<InviteRecord> {
  const [keys, holder] = [await deriveInvite(secret), await deriveInvite(holderSecret)];
  const aad = ctx('support-circle/v1/invite', keys.inviteId);
  const content = unpad(await aeadOpen(keys.inviteKey, unb64u(record.nonce), unb64u(record.ct), aad));
  const nonce = randomBytes(NONCE_BYTES);
  const ct = await aeadSeal(holder.inviteKey, nonce, pad(content), ctx('support-circle/v1/invite', holder.inviteId));
  return { v: 1, invite_id: b64u(holder.inviteId), nonce: b64u(nonce), ct: b64u(ct) };
}
