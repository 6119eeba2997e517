/**
 * Unlinked notices (§17): one of the person's devices tells a device it removed. A removed device
 * is answered as if its circle did not exist, which a server or a broken network could also make
 * it see, so it wipes itself only on a notice signed by an admin its own verified log trusts: a
 * server can withhold a wipe, never cause one.
 */
import { b64u, bytesEqual, unb64u, unb64uId, VERSION } from './encoding';
import { ProtocolError } from './errors';
import type { DeviceKeys } from './identity';
import { expectInt, expectObject } from './json';
import { type CircleState, type Head, memberKeys } from './membership';
import { type SignedObject, signPayload, verifySigned } from './signed';

const MEMBERS = ['v', 'type', 'signer', 'circle_id', 'device_id', 'seq', 'entry_hash'];

export interface UnlinkedNotice {
  readonly signer: Uint8Array;
  readonly circleId: Uint8Array;
  readonly deviceId: Uint8Array;
  /** The `remove` entry that removed the device. */
  readonly removal: Head;
}

/** The notice for `deviceId`, naming the `remove` entry at `removal`. */
export function makeUnlinkedNotice(
  signer: DeviceKeys,
  circleId: Uint8Array,
  deviceId: Uint8Array,
  removal: Head,
): SignedObject {
  const signerId = signer.public.deviceId;
  return signPayload(signer.signSeed, signerId, {
    v: VERSION,
    type: 'unlinked',
    signer: b64u(signerId),
    circle_id: b64u(circleId),
    device_id: b64u(deviceId),
    seq: removal.seq,
    entry_hash: b64u(removal.hash),
  });
}

/**
 * §17's checks, as the removed device `me` makes them against the last log of its personal circle
 * it verified; only a notice that passes them all may make it wipe.
 *
 * Contract: the failures of verifySigned with the members of `state` (`unknown_author` for anyone
 * else); not exactly §17's members, or one of the wrong JSON type, `malformed`; an id or
 * entry_hash of the wrong length `bad_encoding`; another circle or another device
 * `context_mismatch`; a signer who is not an admin `not_admin`; a notice signed by `me`, or naming
 * an entry at or before the verified head, `invalid_operation`.
 */
export function verifyUnlinkedNotice(notice: unknown, state: CircleState, me: Uint8Array): UnlinkedNotice {
  const { document } = verifySigned(notice, 'unlinked', memberKeys(state));
  const fields = expectObject(document, MEMBERS);
  const read: UnlinkedNotice = {
    signer: unb64uId(fields['signer']),
    circleId: unb64uId(fields['circle_id']),
    deviceId: unb64uId(fields['device_id']),
    removal: { seq: expectInt(fields, 'seq'), hash: unb64u(fields['entry_hash']) },
  };
  if (!bytesEqual(read.circleId, state.circleId)) throw new ProtocolError('context_mismatch', 'another circle');
  if (!bytesEqual(read.deviceId, me)) throw new ProtocolError('context_mismatch', 'a notice for another device');
  if (state.members.get(b64u(read.signer))?.role !== 'admin') throw new ProtocolError('not_admin');
  if (bytesEqual(read.signer, me) || read.removal.seq <= state.head.seq) {
    throw new ProtocolError('invalid_operation', 'no removal this device has not seen');
  }
  return read;
}
