/**
 * The person's keyring (§16, "A person's circles"): where each of their shared circles is and
 * every epoch key they hold of it, kept as records of their personal circle, so a device linked
 * later, or a phone recovered with the recovery key, reads every circle from its first epoch.
 *
 * Contract: a key is used only once `checkedKey` matched it against the commitment of its epoch
 * in the shared circle's own verified log, so a keyring record can point only at keys that log
 * already commits to.
 */
import { keyCommitment } from './circleKeys';
import { b64u, bytesEqual, concat, u32, unb64u, unb64uId, utf8 } from './encoding';
import { ProtocolError } from './errors';
import { expectInt, type JsonObject } from './json';
import type { CircleState } from './membership';
import { hkdf, KEY_BYTES } from './primitives';

export const LINK_KIND = 'circle-link';
export const KEY_KIND = 'circle-key';

/**
 * One id per person and shared circle, which every device of the person derives alike. Salted
 * with the personal circle's id, which no other member of the shared circle knows, so nobody there
 * can take the id first in their own circle (§16: an id belongs where it was first seen).
 */
export function linkRecordId(personalCircleId: Uint8Array, circleId: Uint8Array): Promise<Uint8Array> {
  return hkdf(circleId, personalCircleId, utf8('support-circle/v1/circle-link-id'), 16);
}

/** One id per person, shared circle and epoch: two devices keeping the same key write the same record and body. */
export function keyRecordId(personalCircleId: Uint8Array, circleId: Uint8Array, epoch: number): Promise<Uint8Array> {
  return hkdf(concat(circleId, u32(epoch)), personalCircleId, utf8('support-circle/v1/circle-key-id'), 16);
}

export function linkBody(circleId: Uint8Array, genesisHash: Uint8Array): JsonObject {
  return { kind: LINK_KIND, circle: b64u(circleId), genesisHash: b64u(genesisHash) };
}

export function keyBody(circleId: Uint8Array, epoch: number, key: Uint8Array): JsonObject {
  return { kind: KEY_KIND, circle: b64u(circleId), epoch, key: b64u(key) };
}

/** A `circle-link` body's circle id and the genesis hash its log is verified from. */
export function readLink(body: JsonObject): { circleId: Uint8Array; genesisHash: Uint8Array } {
  return { circleId: unb64uId(body['circle']), genesisHash: unb64u(body['genesisHash'], KEY_BYTES) };
}

/**
 * A `circle-key` body's epoch and key, checked against the shared circle's verified log (§6 step 5).
 *
 * Contract: a body naming another circle is `context_mismatch`; an epoch that is not an integer
 * `malformed`; a key that is not 32 bytes `bad_encoding`; an epoch the log does not have
 * `unknown_epoch`; a key whose commitment is not that epoch's `key_mismatch`.
 */
export async function checkedKey(
  body: JsonObject,
  state: Pick<CircleState, 'circleId' | 'keyCommitments'>,
): Promise<{ epoch: number; key: Uint8Array }> {
  if (!bytesEqual(unb64uId(body['circle']), state.circleId))
    throw new ProtocolError('context_mismatch', 'a key of another circle');
  const epoch = expectInt(body, 'epoch');
  const key = unb64u(body['key'], KEY_BYTES);
  const commitment = state.keyCommitments.get(epoch);
  if (commitment === undefined) throw new ProtocolError('unknown_epoch');
  if (!bytesEqual(await keyCommitment(key, state.circleId), commitment)) throw new ProtocolError('key_mismatch');
  return { epoch, key };
}
