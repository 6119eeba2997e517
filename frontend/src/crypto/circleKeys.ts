/** Epoch keys of a circle (§6): derived keys, key commitments and key envelopes. */
import { b64u, bytesEqual, ctx, u32, unb64u, unb64uId, utf8, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { HPKE_ENC_BYTES, hpkeOpen, hpkeSeal } from './hpke';
import type { PublicIdentity } from './identity';
import { expectInt, expectObject } from './json';
import { hkdf, KEY_BYTES, randomBytes, TAG_BYTES } from './primitives';

export type { KeyEnvelope } from '../wire/types';

import type { KeyEnvelope } from '../wire/types';

/** A key envelope's `sealed` (§6): HPKE's 32-byte enc, then the epoch key and its 16-byte tag. Never another size. */
export const SEALED_KEY_BYTES = HPKE_ENC_BYTES + KEY_BYTES + TAG_BYTES;

/** A fresh epoch key, made by the admin who starts the epoch. */
export function newEpochKey(): Uint8Array {
  return randomBytes(KEY_BYTES);
}

/** record_key(K) = HKDF(K, circle_id, "support-circle/v1/record-key", 32). */
export async function recordKey(epochKey: Uint8Array, circleId: Uint8Array): Promise<Uint8Array> {
  return hkdf(epochKey, circleId, utf8('support-circle/v1/record-key'), KEY_BYTES);
}

/** key_commitment(K): binds an epoch key to the signed log, so a key the server made is caught. */
export async function keyCommitment(epochKey: Uint8Array, circleId: Uint8Array): Promise<Uint8Array> {
  return hkdf(epochKey, circleId, utf8('support-circle/v1/key-commitment'), KEY_BYTES);
}

function envelopeInfo(circleId: Uint8Array, epoch: number, recipient: Uint8Array): Uint8Array {
  return ctx('support-circle/v1/key-envelope', circleId, u32(epoch), recipient);
}

/** Seals `epochKey` to one device's verified X25519 key with HPKE, bound to circle, epoch and recipient. */
export async function sealKeyEnvelope(
  circleId: Uint8Array,
  epoch: number,
  recipient: PublicIdentity,
  epochKey: Uint8Array,
): Promise<KeyEnvelope> {
  const sealed = await hpkeSeal(recipient.kemPub, envelopeInfo(circleId, epoch, recipient.deviceId), epochKey);
  return { v: VERSION, circle_id: b64u(circleId), epoch, recipient: b64u(recipient.deviceId), sealed: b64u(sealed) };
}

/** An opened envelope's key, with the circle and epoch it belongs to. */
export interface OpenedEpochKey {
  readonly circleId: Uint8Array;
  readonly epoch: number;
  readonly epochKey: Uint8Array;
}

/**
 * Opens an envelope sealed to this device and checks the key against the verified log.
 *
 * `commitments` maps each epoch of the verified membership log to its key commitment.
 *
 * Contract, in §6's order (the first check that fails names the error): `unsupported_version`;
 * `malformed` for missing or extra members or an epoch that is not an integer in 0..2^32 − 1;
 * `bad_encoding` for ids or `sealed` not of §1's form; `context_mismatch` when it names another
 * recipient; `truncated` under 80 sealed bytes and `malformed` over 80; `decrypt_failed` when HPKE
 * does not open (tampering, another epoch or circle, another key); `unknown_epoch` for an epoch
 * the log does not contain; `key_mismatch` for a key whose commitment is not the log's.
 */
export async function openKeyEnvelope(
  envelope: unknown,
  recipientDeviceId: Uint8Array,
  kemPrivate: Uint8Array,
  commitments: ReadonlyMap<number, Uint8Array>,
): Promise<OpenedEpochKey> {
  const fields = expectObject(envelope, ['v', 'circle_id', 'epoch', 'recipient', 'sealed']);
  const epoch = expectInt(fields, 'epoch');
  const circleId = unb64uId(fields['circle_id']);
  const recipient = unb64uId(fields['recipient']);
  const sealed = unb64u(fields['sealed']);
  if (!bytesEqual(recipient, recipientDeviceId))
    throw new ProtocolError('context_mismatch', 'sealed to another device');
  if (sealed.length < SEALED_KEY_BYTES) throw new ProtocolError('truncated', 'a sealed key is 80 bytes');
  if (sealed.length > SEALED_KEY_BYTES) throw new ProtocolError('malformed', 'a sealed key is 80 bytes');
  // 80 sealed bytes always open to 32: HPKE adds the 32-byte enc and the 16-byte tag.
  const epochKey = await hpkeOpen(kemPrivate, envelopeInfo(circleId, epoch, recipientDeviceId), sealed);
  const expected = commitments.get(epoch);
  if (expected === undefined) throw new ProtocolError('unknown_epoch');
  if (!bytesEqual(await keyCommitment(epochKey, circleId), expected)) throw new ProtocolError('key_mismatch');
  return { circleId, epoch, epochKey };
}
