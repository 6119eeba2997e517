/** Recovery from the server (§15): a device's keys and personal circle, sealed under a key only the recovery key gives. */

import type { Escrow, EscrowContent as EscrowDocument } from '../wire/types';
import { b64u, ctx, unb64u, unb64uId, utf8, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { checkPayloadVersion, dumpJson, expectInt, expectObject, isObject, parseJsonBytes } from './json';
import type { Head } from './membership';
import { pad, unpad } from './padding';
import { aeadOpen, aeadSeal, hkdf, KEY_BYTES, NONCE_BYTES, randomBytes } from './primitives';

/** Where an escrow lives and the key that opens it: all a new device needs, from the recovery key alone. */
export interface EscrowSecrets {
  readonly id: Uint8Array;
  readonly key: Uint8Array;
}

/**
 * What an escrow holds: the private keys of the identity a recovering device signs in as, and where
 * the personal circle is. With `escrowing` (version 2) the keys are a recovery identity's, made for
 * one recovery key; without (version 1) they are the escrowed device's own.
 */
export interface EscrowContent {
  readonly signSeed: Uint8Array;
  readonly kemPrivate: Uint8Array;
  readonly circleId: Uint8Array;
  readonly genesisHash: Uint8Array;
  /** The membership log head the escrowed device had verified: a recovering device refuses an older log. */
  readonly head: Head;
  readonly escrowing?: Escrowing;
}

/** Who put a version 2 escrow, and which of its puts it is: the device catches an older one served back. */
export interface Escrowing {
  readonly deviceId: Uint8Array;
  readonly counter: number;
}

const CONTENT_VERSION = 2;
const V2_MEMBERS = ['type', 'device', 'device_id', 'counter', 'circle_id', 'genesis_hash', 'head'];
const V1_MEMBERS = ['v', 'type', 'device', 'circle_id', 'genesis_hash', 'head'];

const NO_SALT = new Uint8Array(0);

/** escrow_id and escrow_key from the 32 recovery key bytes. */
export async function escrowSecrets(recoveryKey: Uint8Array): Promise<EscrowSecrets> {
  if (recoveryKey.length !== KEY_BYTES) throw new RangeError('a recovery key is 32 bytes');
  return {
    id: await hkdf(recoveryKey, NO_SALT, utf8('support-circle/v1/escrow-id'), 16),
    key: await hkdf(recoveryKey, NO_SALT, utf8('support-circle/v1/escrow-key'), KEY_BYTES),
  };
}

function aad(id: Uint8Array): Uint8Array {
  return ctx('support-circle/v1/escrow', id);
}

export async function sealEscrow(secrets: EscrowSecrets, content: EscrowContent): Promise<Escrow> {
  const document = escrowDocument(content);
  const nonce = randomBytes(NONCE_BYTES);
  const ct = await aeadSeal(secrets.key, nonce, pad(dumpJson(document)), aad(secrets.id));
  return { v: VERSION, nonce: b64u(nonce), ct: b64u(ct) };
}

/** The content as the JSON object that is sealed: version 2 when it names its escrowing device. */
export function escrowDocument(content: EscrowContent): EscrowDocument {
  const common = {
    type: 'escrow' as const,
    device: { sign_seed: b64u(content.signSeed), kem_private: b64u(content.kemPrivate) },
    circle_id: b64u(content.circleId),
    genesis_hash: b64u(content.genesisHash),
    head: { seq: content.head.seq, hash: b64u(content.head.hash) },
  };
  const by = content.escrowing;
  if (by === undefined) return { v: VERSION, ...common };
  const { type, device, ...rest } = common;
  return { v: CONTENT_VERSION, type, device, device_id: b64u(by.deviceId), counter: by.counter, ...rest };
}

/**
 * The content of an escrow.
 *
 * Contract, in §15's order: an object not of the form is `unsupported_version` / `malformed` /
 * `bad_encoding` / `truncated`; another key or an escrow moved to another id is `decrypt_failed`;
 * `bad_padding`; content that is not a JSON object is `malformed`, of another version
 * `unsupported_version`, of another type `wrong_type`; then the content's members, its `device`,
 * its `head`, each as §1 checks an object: `malformed` for members missing, extra or of the wrong
 * type (a `seq` not an integer from 0 to 2^32 − 1), `bad_encoding` for a key or hash not 32 bytes
 * or an id not canonical. Content `v` 2 (§15) also has `device_id` and `counter`: a counter not an
 * integer from 1 to 2^32 − 1 is `malformed`, before any encoding; `v` 1 content with them is `malformed`.
 */
export async function openEscrow(secrets: EscrowSecrets, escrow: unknown): Promise<EscrowContent> {
  const fields = expectObject(escrow, ['v', 'nonce', 'ct']);
  const nonce = unb64u(fields['nonce']);
  const ct = unb64u(fields['ct']);
  const document = parseJsonBytes(unpad(await aeadOpen(secrets.key, nonce, ct, aad(secrets.id))));
  // Version and type first, then exactly the members, as for every typed object (§1 steps 2 to 4).
  if (!isObject(document)) throw new ProtocolError('malformed', 'an escrow holds a JSON object');
  checkPayloadVersion(document, [VERSION, CONTENT_VERSION]);
  const v2 = document['v'] === CONTENT_VERSION;
  if (document['type'] !== 'escrow') throw new ProtocolError('wrong_type', 'not an escrow');
  if (!v2) return common(expectObject(document, V1_MEMBERS));
  if (!sameMembers(document, ['v', ...V2_MEMBERS])) throw new ProtocolError('malformed', 'not the members of v2');
  // A counter of 0 is a wrong value, malformed with the types, before any encoding is looked at.
  const counter = expectInt(document, 'counter', 1);
  // v is 2, checked above: expectObject checks only a v of 1, so v is allowed, not required.
  const content = expectObject(document, V2_MEMBERS, ['v']);
  return { ...common(content), escrowing: { deviceId: unb64uId(content['device_id']), counter } };
}

function sameMembers(document: Record<string, unknown>, names: readonly string[]): boolean {
  const keys = Object.keys(document);
  return keys.length === names.length && names.every((name) => Object.hasOwn(document, name));
}

function common(content: Record<string, unknown>): EscrowContent {
  const device = expectObject(content['device'], ['sign_seed', 'kem_private']);
  const head = expectObject(content['head'], ['seq', 'hash']);
  return {
    signSeed: unb64u(device['sign_seed'], KEY_BYTES),
    kemPrivate: unb64u(device['kem_private'], KEY_BYTES),
    circleId: unb64uId(content['circle_id']),
    genesisHash: unb64u(content['genesis_hash'], KEY_BYTES),
    head: { seq: expectInt(head, 'seq'), hash: unb64u(head['hash'], KEY_BYTES) },
  };
}
