/** Invites (§9): a secret in the link's fragment, an encrypted invite record, and a join proof. */
import { b64u, bytesEqual, ctx, ID_BYTES, unb64u, unb64uId, utf8, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { type DeviceKeys, makeIdentity, type PublicIdentity, verifyIdentity } from './identity';
import { dumpJson, expectObject, isObject, parseJsonBytes } from './json';
import { type CircleState, inviterIdentity } from './membership';
import { pad, unpad } from './padding';
import {
  aeadOpen,
  aeadSeal,
  ed25519Public,
  ed25519Sign,
  ed25519Verify,
  hkdf,
  KEY_BYTES,
  NONCE_BYTES,
  randomBytes,
  TAG_BYTES,
} from './primitives';
import { decodeSigned, type SignedObject, signPayload, verifySigned } from './signed';
import { formatTime, parseTime } from './time';

// Times are §1's; callers of invites have always found them here.
export { formatTime, parseTime };

const SECRET_BYTES = 32;
const NO_SALT = new Uint8Array(0);
/** v2 binds an invite to its link; a v1 invite is still read by v1 rules until it expires (§9). */
export const INVITE_VERSION = 2;
const INVITE_VERSIONS = [1, 2] as const;
const PAYLOAD_V1 = ['v', 'type', 'signer', 'circle_id', 'genesis_hash', 'expires_at'];
const PAYLOAD_BY_VERSION: Readonly<Record<number, readonly string[]>> = {
  1: PAYLOAD_V1,
  2: [...PAYLOAD_V1, 'invite_id', 'auth_pub'],
};
/** A v2 request carries the admin's signed invite, so every admin can check it, not the inviter only. */
export const JOIN_VERSION = 2;
const REQUEST_V1 = ['v', 'invite_id', 'identity', 'proof'];
const REQUEST_V2 = [...REQUEST_V1, 'invite'];

/** Everything a link's secret yields. Only `inviteId` and `authPub` ever go to the server. */
export interface InviteKeys {
  readonly inviteId: Uint8Array;
  readonly inviteKey: Uint8Array;
  readonly authSeed: Uint8Array;
  readonly authPub: Uint8Array;
}

export type { InviteRecord, JoinRequest } from '../wire/types';

import type { InviteRecord, JoinRequest } from '../wire/types';

/** A verified invite. The joiner must still check, once it reads the log, that the inviter is an admin there. */
export interface Invite {
  readonly circleId: Uint8Array;
  readonly genesisHash: Uint8Array;
  readonly expiresAt: Date;
  readonly inviter: PublicIdentity;
  /** The admin's signed invite as the record holds it (v2 payloads only): a v2 join request passes it on. */
  readonly signed?: SignedObject;
}

/** A fresh 32-byte link secret. */
export function newInviteSecret(): Uint8Array {
  return randomBytes(SECRET_BYTES);
}

/**
 * Which app flow a link opens: `join` a shared circle, or `link` another of the person's own
 * devices to their plan (the same invite, PROTOCOL §9, under another name).
 */
export type LinkKind = 'join' | 'link';

/** The link a person shares: the secret rides in the fragment, which browsers never send to a server. */
export function inviteLink(origin: string, secret: Uint8Array, kind: LinkKind = 'join'): string {
  return `${origin.replace(/\/$/, '')}/#${kind}=${b64u(secret)}`;
}

/**
 * The secret of a link of `kind`, from the whole link or the text after `#join=` / `#link=`.
 * Contract: anything else is `bad_encoding` (ProtocolError).
 */
export function linkSecret(text: string, kind: LinkKind = 'join'): Uint8Array {
  const trimmed = text.trim();
  const fragment = new RegExp(`#${kind}=([A-Za-z0-9_-]+)$`).exec(trimmed);
  return unb64u(fragment?.[1] ?? trimmed, SECRET_BYTES);
}

/**
 * invite_id, invite_key and the auth key pair, each HKDF'd from the secret with its own label.
 *
 * Contract: a secret that is not 32 bytes is `bad_encoding`.
 */
export async function deriveInvite(secret: Uint8Array): Promise<InviteKeys> {
  if (secret.length !== SECRET_BYTES) throw new ProtocolError('bad_encoding', 'an invite secret is 32 bytes');
  const inviteId = await hkdf(secret, NO_SALT, utf8('support-circle/v1/invite-id'), ID_BYTES);
  const inviteKey = await hkdf(secret, NO_SALT, utf8('support-circle/v1/invite-key'), KEY_BYTES);
  const authSeed = await hkdf(secret, NO_SALT, utf8('support-circle/v1/invite-auth'), KEY_BYTES);
  return { inviteId, inviteKey, authSeed, authPub: ed25519Public(authSeed) };
}

function inviteAad(inviteId: Uint8Array): Uint8Array {
  return ctx('support-circle/v1/invite', inviteId);
}

/**
 * The invite record for a circle, signed by the inviting admin and encrypted under the link's key.
 * The signed invite (v2) names this link's invite_id and auth_pub, so it opens under no other link.
 */
export async function sealInvite(
  inviter: DeviceKeys,
  secret: Uint8Array,
  circleId: Uint8Array,
  genesisHash: Uint8Array,
  expiresAt: Date,
): Promise<InviteRecord> {
  const keys = await deriveInvite(secret);
  const invite = signPayload(inviter.signSeed, inviter.public.deviceId, {
    v: INVITE_VERSION,
    type: 'invite',
    signer: b64u(inviter.public.deviceId),
    circle_id: b64u(circleId),
    genesis_hash: b64u(genesisHash),
    expires_at: formatTime(expiresAt),
    invite_id: b64u(keys.inviteId),
    auth_pub: b64u(keys.authPub),
  });
  const content = dumpJson({ v: VERSION, inviter: makeIdentity(inviter), invite });
  const nonce = randomBytes(NONCE_BYTES);
  const ct = await aeadSeal(keys.inviteKey, nonce, pad(content), inviteAad(keys.inviteId));
  return { v: VERSION, invite_id: b64u(keys.inviteId), nonce: b64u(nonce), ct: b64u(ct) };
}

/**
 * Opens and verifies an invite record with the link's secret.
 *
 * Contract, in §9's order (the first check that fails names the error): `bad_encoding` for a
 * secret not 32 bytes; for the record, `unsupported_version`, `malformed` for missing or extra
 * members, `bad_encoding` for an invite_id, nonce or ct not of §1's form, `truncated` for a nonce
 * not 12 bytes or a ct under 16, `context_mismatch` for a record of another invite,
 * `decrypt_failed` when it does not open; `bad_padding`; for the content, `malformed` /
 * `unsupported_version`; the inviter identity's failures (verifyIdentity); the invite's as §2
 * says (`unknown_author` for an invite not signed by that inviter, `bad_signature`, `wrong_type`,
 * `context_mismatch`; `unsupported_version` for a payload `v` other than 1 or 2); `malformed` for
 * its members (v1's, or v2's with invite_id and auth_pub) or its time; `bad_encoding` for its
 * circle id, genesis hash, invite id or auth key; for v2, `context_mismatch` when the invite names
 * another link's invite_id or auth_pub (an admin's invite re-wrapped under another link); `expired`
 * once `now` has reached `expires_at`.
 */
export async function openInvite(secret: Uint8Array, record: unknown, now: Date): Promise<Invite> {
  // An invalid clock would compare as never past expiry; refuse it rather than accept every invite.
  if (Number.isNaN(now.getTime())) throw new RangeError('openInvite needs a valid current time');
  const keys = await deriveInvite(secret);
  const fields = expectObject(record, ['v', 'invite_id', 'nonce', 'ct']);
  const inviteId = unb64uId(fields['invite_id']);
  const nonce = unb64u(fields['nonce']);
  const ct = unb64u(fields['ct']);
  if (nonce.length !== NONCE_BYTES || ct.length < TAG_BYTES) {
    throw new ProtocolError('truncated', 'a nonce is 12 bytes and a ct at least 16');
  }
  if (!bytesEqual(inviteId, keys.inviteId))
    throw new ProtocolError('context_mismatch', 'the record is for another invite');
  const content = expectObject(
    parseJsonBytes(unpad(await aeadOpen(keys.inviteKey, nonce, ct, inviteAad(keys.inviteId)))),
    ['v', 'inviter', 'invite'],
  );
  const inviter = await verifyIdentity(content['inviter']);
  const lookup = (deviceId: Uint8Array) => (bytesEqual(deviceId, inviter.deviceId) ? inviter.signPub : undefined);
  const { document } = verifySigned(content['invite'], 'invite', lookup, 'signer', INVITE_VERSIONS);
  const version = document['v'] as number;
  const payload = expectObject(document, PAYLOAD_BY_VERSION[version] ?? PAYLOAD_V1, [], INVITE_VERSIONS);
  const expiresAt = parseTime(payload['expires_at']);
  const circleId = unb64uId(payload['circle_id']);
  const genesisHash = unb64u(payload['genesis_hash'], 32);
  if (version >= 2) checkBound(payload, keys);
  if (now.getTime() >= expiresAt.getTime()) throw new ProtocolError('expired');
  const signed = version === INVITE_VERSION ? { signed: content['invite'] as SignedObject } : {};
  return { circleId, genesisHash, expiresAt, inviter, ...signed };
}

/**
 * A v2 invite signed for another link than the one it came in (§9 step 11): someone who held the
 * admin's link wrapped its signed invite in a link of their own. Its code is `context_mismatch`;
 * the class lets the app name this one problem to the person.
 */
export class InviteForAnotherLink extends ProtocolError {
  constructor(detail: string) {
    super('context_mismatch', detail);
    this.name = 'InviteForAnotherLink';
  }
}

/** A v2 invite names its link: the admin's signed invite re-wrapped under another link fails here. */
function checkBound(payload: Record<string, unknown>, keys: InviteKeys): void {
  if (!bytesEqual(unb64uId(payload['invite_id']), keys.inviteId))
    throw new InviteForAnotherLink("the invite was signed for another link's invite id");
  if (!bytesEqual(unb64u(payload['auth_pub'], KEY_BYTES), keys.authPub))
    throw new InviteForAnotherLink("the invite was signed for another link's auth key");
}

/**
 * The check §9 leaves for when the joiner can read the circle's log: the inviter must be an admin
 * there now (an admin who left keeps no standing). Call it with the state verifyLog
 * returned for `invite.circleId`, anchored at `invite.genesisHash`.
 *
 * Contract: a state of another circle or genesis is `context_mismatch`; an inviter who is neither
 * a current admin there, or whose identity is not the one the log holds for
 * its device id, is `not_admin` (§9).
 */
export function checkInviterIsAdmin(invite: Invite, state: CircleState, genesisHash: Uint8Array): void {
  if (!bytesEqual(state.circleId, invite.circleId) || !bytesEqual(genesisHash, invite.genesisHash)) {
    throw new ProtocolError('context_mismatch', 'a log of another circle');
  }
  const identity = inviterIdentity(state, b64u(invite.inviter.deviceId));
  if (identity === undefined) throw new ProtocolError('not_admin', 'the inviter is not an admin of the circle');
  // The same device id means the same sign_pub; the kem_pub must be the log's too, or the invite
  // carries an identity the circle never accepted.
  if (!bytesEqual(identity.kemPub, invite.inviter.kemPub) || !bytesEqual(identity.signPub, invite.inviter.signPub)) {
    throw new ProtocolError('not_admin', "the inviter's identity is not the one the circle's log holds");
  }
}

function joinInput(inviteId: Uint8Array, joiner: PublicIdentity): Uint8Array {
  return ctx('support-circle/v1/join', inviteId, joiner.deviceId, joiner.signPub, joiner.kemPub);
}

/**
 * The joiner's request, proving with the link's auth key that it holds the link; version 2, with
 * the admin's signed invite, when `invite` (opened from the link) holds a v2 one, so that any admin
 * of the circle can check it.
 */
export async function makeJoinRequest(secret: Uint8Array, joiner: DeviceKeys, invite?: Invite): Promise<JoinRequest> {
  const keys = await deriveInvite(secret);
  const proof = ed25519Sign(keys.authSeed, joinInput(keys.inviteId, joiner.public));
  const request = { invite_id: b64u(keys.inviteId), identity: makeIdentity(joiner), proof: b64u(proof) };
  return invite?.signed === undefined
    ? { v: VERSION, ...request }
    : { v: JOIN_VERSION, ...request, invite: invite.signed };
}

/**
 * The joiner's verified identity, when the proof shows they hold the link. The approving admin
 * passes the `authPub` and `inviteId` it derives from the secret itself, so a request the server
 * made up is refused.
 *
 * Contract, in §9's order: `unsupported_version`; `malformed` for missing or extra members;
 * `bad_encoding` for an invite_id or proof not of §1's form; `context_mismatch` for a request for
 * another invite; the identity's failures (verifyIdentity); `bad_proof` for a proof that is not
 * 64 bytes or does not verify.
 */
export async function verifyJoinRequest(
  authPub: Uint8Array,
  inviteId: Uint8Array,
  request: unknown,
): Promise<PublicIdentity> {
  const fields =
    isObject(request) && request['v'] === JOIN_VERSION
      ? expectObject(request, REQUEST_V2, [], [JOIN_VERSION])
      : expectObject(request, REQUEST_V1);
  const requestId = unb64uId(fields['invite_id']);
  const proof = unb64u(fields['proof']);
  if (!bytesEqual(requestId, inviteId)) throw new ProtocolError('context_mismatch', 'a request for another invite');
  const joiner = await verifyIdentity(fields['identity']);
  try {
    ed25519Verify(authPub, proof, joinInput(inviteId, joiner));
  } catch {
    throw new ProtocolError('bad_proof');
  }
  return joiner;
}

/** A request any admin may answer: who asks, and which admin of the circle made the link they hold. */
export interface ProvenByInvite {
  readonly joiner: PublicIdentity;
  readonly inviter: PublicIdentity;
}

/**
 * A version 2 request checked by any admin of the circle, without the link's secret (§9, "Any
 * admin answers"). The request carries the signed invite its joiner opened: it shows an admin of
 * this circle made that link with this auth_pub, so the server, which knows the auth_pub, still
 * cannot make a request up. Call it with the circle's verified state and genesis hash, and the
 * time now: an expired invite is refused, or the server could list an old request again for ever.
 *
 * Contract, in §9's order: the request's form as verifyJoinRequest's, for `"v": 2` only (a v1
 * request is `unsupported_version`: only the holder of its secret can check it); `not_admin` for an
 * invite whose signer is not an admin now; the invite's §2 failures
 * (`bad_signature`, `wrong_type`, `unsupported_version` for a payload other than v2, `malformed`,
 * `bad_encoding`); `context_mismatch` for an invite of another circle or genesis, then of another
 * link than the request's invite_id; `expired` once `now` is at or past the invite's expires_at;
 * the identity's failures; `bad_proof` for a proof that does not
 * verify with the invite's auth_pub.
 */
export async function verifyRequestByInvite(
  state: CircleState,
  genesisHash: Uint8Array,
  request: unknown,
  now: Date,
): Promise<ProvenByInvite> {
  const fields = expectObject(request, REQUEST_V2, [], [JOIN_VERSION]);
  const requestId = unb64uId(fields['invite_id']);
  const proof = unb64u(fields['proof']);
  const { signer } = decodeSigned(fields['invite']);
  const inviter = inviterIdentity(state, b64u(signer));
  if (inviter === undefined) throw new ProtocolError('not_admin', 'the invite was not made by an admin of this circle');
  const lookup = (deviceId: Uint8Array) => (bytesEqual(deviceId, signer) ? inviter.signPub : undefined);
  const { document } = verifySigned(fields['invite'], 'invite', lookup, 'signer', [INVITE_VERSION]);
  const payload = expectObject(document, PAYLOAD_BY_VERSION[INVITE_VERSION]!, [], [INVITE_VERSION]);
  const expiresAt = parseTime(payload['expires_at']);
  if (
    !bytesEqual(unb64uId(payload['circle_id']), state.circleId) ||
    !bytesEqual(unb64u(payload['genesis_hash'], 32), genesisHash)
  )
    throw new ProtocolError('context_mismatch', 'the invite is for another circle');
  if (!bytesEqual(unb64uId(payload['invite_id']), requestId))
    throw new ProtocolError('context_mismatch', 'the invite is for another link than the request');
  if (now.getTime() >= expiresAt.getTime()) throw new ProtocolError('expired');
  const joiner = await verifyIdentity(fields['identity']);
  try {
    ed25519Verify(unb64u(payload['auth_pub'], KEY_BYTES), proof, joinInput(requestId, joiner));
  } catch {
    throw new ProtocolError('bad_proof');
  }
  return { joiner, inviter };
}
