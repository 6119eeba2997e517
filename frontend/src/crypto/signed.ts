/** Signed objects (§2): the exact bytes signed travel with the signature, never re-serialised. */
import { b64u, bytesEqual, ctx, unb64u, unb64uId, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { checkPayloadVersion, dumpJson, expectObject, isObject, type JsonObject, parseJsonBytes } from './json';
import { ed25519Sign, ed25519Verify, SIGNATURE_BYTES } from './primitives';

export type { SignedObject } from '../wire/types';

import type { SignedObject } from '../wire/types';

/** The signed types of version 1. */
export type SignedType = 'identity' | 'record' | 'membership' | 'invite';

/** Given a signer's device id, the `sign_pub` the verifier already trusts for it, or undefined. */
export type KeyLookup = (deviceId: Uint8Array) => Uint8Array | undefined;

/** A signed object taken apart, checked for form only. */
export interface DecodedSigned {
  signer: Uint8Array;
  payload: Uint8Array;
  sig: Uint8Array;
}

/** The bytes an Ed25519 signature of type `type` covers: the label keeps each type's signatures apart. */
export function signingInput(type: SignedType, payload: Uint8Array): Uint8Array {
  return ctx(`support-circle/v1/signed/${type}`, payload);
}

/** Signs the compact JSON of `payload`, whose `type` names the signing domain, as device `signerId`. */
export function signPayload(
  seed: Uint8Array,
  signerId: Uint8Array,
  payload: JsonObject & { type: SignedType },
): SignedObject {
  const bytes = dumpJson(payload);
  return {
    v: VERSION,
    signer: b64u(signerId),
    payload: b64u(bytes),
    sig: b64u(ed25519Sign(seed, signingInput(payload.type, bytes))),
  };
}

/**
 * Takes a signed object apart without trusting anything in it: all of §2 step 1.
 *
 * Contract: §1's steps first — `v` absent or other than 1 is `unsupported_version`; not exactly
 * the members v, signer, payload and optional sig, or a member not a string (sig may be null), is
 * `malformed`; a signer that is not an id or a payload or sig that is not canonical b64u is
 * `bad_encoding` — then a missing, null or empty sig is `missing_signature` and a sig that is not
 * 64 bytes `bad_signature`: all before any signer is looked up or hash computed.
 */
export function decodeSigned(signed: unknown): DecodedSigned {
  const fields = expectObject(signed, ['v', 'signer', 'payload'], ['sig']);
  const signer = unb64uId(fields['signer']);
  const payload = unb64u(fields['payload']);
  const sigText = fields['sig'];
  if (sigText === undefined || sigText === null || sigText === '') throw new ProtocolError('missing_signature');
  const sig = unb64u(sigText);
  if (sig.length !== SIGNATURE_BYTES) throw new ProtocolError('bad_signature', 'a signature is 64 bytes');
  return { signer, payload, sig };
}

/** Contract: a signature that is not 64 bytes or does not verify over signingInput is `bad_signature`. */
export function verifySignedBytes(type: SignedType, signPub: Uint8Array, payload: Uint8Array, sig: Uint8Array): void {
  ed25519Verify(signPub, sig, signingInput(type, payload));
}

/**
 * Parses a payload whose signature already verified (§2 step 4).
 *
 * Contract: not a strict JSON object is `malformed`; its `v` absent or not one of `versions`
 * (1 unless the type has more) is `unsupported_version`; its `type` absent or not `type` is `wrong_type`; its `signerField`
 * absent or not a string is `malformed`, not an id `bad_encoding`, not the outer signer
 * `context_mismatch`. Members are checked by the caller, which knows them.
 */
export function parsePayload(
  type: SignedType,
  payload: Uint8Array,
  signer: Uint8Array,
  signerField: string,
  versions: readonly number[] = [VERSION],
): JsonObject {
  const document = parseJsonBytes(payload);
  if (!isObject(document)) throw new ProtocolError('malformed', 'a payload is a JSON object');
  checkPayloadVersion(document, versions);
  if (document['type'] !== type) throw new ProtocolError('wrong_type', `expected ${type}`);
  if (!bytesEqual(unb64uId(document[signerField]), signer)) {
    throw new ProtocolError('context_mismatch', `payload ${signerField} is not the signer`);
  }
  return document;
}

/** A verified signed object: its parsed payload and the exact bytes it came from. */
export interface VerifiedSigned extends DecodedSigned {
  document: JsonObject;
}

/**
 * Verifies a signed object of type `type` as §2 orders it: the signature is checked before the
 * payload is parsed, so no parser ever reads bytes an attacker could choose freely.
 *
 * Contract: the failures of decodeSigned (a sig not 64 bytes among them, `bad_signature`); a
 * signer `lookup` does not know is `unknown_author`; then `bad_signature`; then the failures of
 * parsePayload.
 */
export function verifySigned(
  signed: unknown,
  type: SignedType,
  lookup: KeyLookup,
  signerField = 'signer',
  versions: readonly number[] = [VERSION],
): VerifiedSigned {
  const decoded = decodeSigned(signed);
  const signPub = lookup(decoded.signer);
  if (signPub === undefined) throw new ProtocolError('unknown_author', 'the signer is not trusted here');
  verifySignedBytes(type, signPub, decoded.payload, decoded.sig);
  return { ...decoded, document: parsePayload(type, decoded.payload, decoded.signer, signerField, versions) };
}
