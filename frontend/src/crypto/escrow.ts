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

/** What an escrow holds: the escrowed device's private keys and where its personal circle is. */
export interface EscrowContent {
  readonly signSeed: Uint8Array;
  readonly kemPrivate: Uint8Array;
  readonly circleId: Uint8Array;
  readonly genesisHash: Uint8Array;
  /** The membership log head the escrowed device had verified: a recovering device refuses an older log. */
  readonly head: Head;
}

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
  const document: EscrowDocument = {
    v: VERSION,
    type: 'escrow',
    device: { sign_seed: b64u(content.signSeed), kem_private: b64u(content.kemPrivate) },
    circle_id: b64u(content.circleId),
    genesis_hash: b64u(content.genesisHash),
    head: { seq: content.head.seq, hash: b64u(content.head.hash) },
  };
  const nonce = randomBytes(NONCE_BYTES);
  const ct = await aeadSeal(secrets.key, nonce, pad(dumpJson(document)), aad(secrets.id));
  return { v: VERSION, nonce: b64u(nonce), ct: b64u(ct) };
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
 * or an id not canonical.
 */
export async function openEscrow(secrets: EscrowSecrets, escrow: unknown): Promise<EscrowContent> {
  const fields = expectObject(escrow, ['v', 'nonce', 'ct']);
  const nonce = unb64u(fields['nonce']);
  const ct = unb64u(fields['ct']);
  const document = parseJsonBytes(unpad(await aeadOpen(secrets.key, nonce, ct, aad(secrets.id))));
  // Version and type first, then exactly the members, as for every typed object (§1 steps 2 to 4).
  if (!isObject(document)) throw new ProtocolError('malformed', 'an escrow holds a JSON object');
  checkPayloadVersion(document);
  if (document['type'] !== 'escrow') throw new ProtocolError('wrong_type', 'not an escrow');
  const content = expectObject(document, ['v', 'type', 'device', 'circle_id', 'genesis_hash', 'head']);
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
