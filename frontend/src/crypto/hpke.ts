/**
 * HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: @hpke/core,
 * with its KEM on the app's one X25519, @noble/curves'. Apart from primitives.ts so that unlocking
 * (which needs those primitives and not HPKE) does not load it: circles do.
 *
 * @hpke/dhkem-x25519 bundles a copy of noble's curve code (and of its SHA-2 and HMAC) beside the
 * @noble/curves the app already ships for Ed25519 and X25519 keys: two X25519s in one app. This
 * KEM is @hpke/common's own, through the extension points it publishes for that purpose
 * (`Dhkem` with `XCurveDhkemPrimitives`, as @hpke/dhkem-x25519 builds its own), given noble's
 * x25519 as the curve and @hpke/core's WebCrypto HKDF-SHA256 as the KDF. Nothing here implements a
 * primitive or a step of the KEM: the RFC 9180 known-answer vector and the shared vectors check it.
 */
import { Dhkem, KemId, XCurveDhkemPrimitives } from '@hpke/common';
import { Aes128Gcm, Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { x25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from './errors';
import { buf, TAG_BYTES } from './primitives';

export const HPKE_ENC_BYTES = 32;

/** noble's x25519 in the shape @hpke/common's Montgomery primitives take (a random key may be async there). */
const curve = {
  ...x25519,
  utils: { ...x25519.utils, randomSecretKey: async () => x25519.utils.randomSecretKey() },
};

/** DHKEM(X25519, HKDF-SHA256), KEM id 0x0020. */
class DhkemX25519Noble extends Dhkem {
  // Dhkem's constructor leaves these 0 for each KEM to set (RFC 9180 §7.1: Nsecret, Nenc, Npk, Nsk).
  override secretSize = 32;
  override encSize = 32;
  override publicKeySize = 32;
  override privateKeySize = 32;

  constructor() {
    const kdf = new HkdfSha256();
    super(KemId.DhkemX25519HkdfSha256, new XCurveDhkemPrimitives('X25519', 32, curve, kdf), kdf);
  }
}

/** The AEAD of an HPKE suite; the protocol uses AES-256-GCM, the RFC 9180 known answer AES-128-GCM. */
export type HpkeAead = 'aes-256-gcm' | 'aes-128-gcm';

function hpkeSuite(aead: HpkeAead = 'aes-256-gcm'): CipherSuite {
  return new CipherSuite({
    kem: new DhkemX25519Noble(),
    kdf: new HkdfSha256(),
    aead: aead === 'aes-256-gcm' ? new Aes256Gcm() : new Aes128Gcm(),
  });
}

/** HPKE (RFC 9180) SealBase, single shot, empty aad: returns enc || ciphertext. */
export async function hpkeSeal(
  recipientPublic: Uint8Array,
  info: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const suite = hpkeSuite();
  const recipientPublicKey = await suite.kem.deserializePublicKey(buf(recipientPublic));
  const { enc, ct } = await suite.seal({ recipientPublicKey, info: buf(info) }, buf(plaintext), new Uint8Array(0));
  const out = new Uint8Array(enc.byteLength + ct.byteLength);
  out.set(new Uint8Array(enc));
  out.set(new Uint8Array(ct), enc.byteLength);
  return out;
}

/**
 * HPKE OpenBase of enc || ciphertext.
 *
 * Contract: fewer than 48 bytes is `truncated`; a bad private key, a low-order enc, or a failed
 * authentication is `decrypt_failed`.
 */
export async function hpkeOpen(
  recipientPrivate: Uint8Array,
  info: Uint8Array,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  if (sealed.length < HPKE_ENC_BYTES + TAG_BYTES) throw new ProtocolError('truncated', 'sealed key too short');
  return hpkeOpenWith(
    'aes-256-gcm',
    recipientPrivate,
    sealed.subarray(0, HPKE_ENC_BYTES),
    sealed.subarray(HPKE_ENC_BYTES),
    info,
    new Uint8Array(0),
  );
}

/** OpenBase with an explicit AEAD and aad, for the RFC 9180 known-answer test; failures are `decrypt_failed`. */
export async function hpkeOpenWith(
  aead: HpkeAead,
  recipientPrivate: Uint8Array,
  enc: Uint8Array,
  ciphertext: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const suite = hpkeSuite(aead);
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(buf(recipientPrivate));
    return new Uint8Array(
      await suite.open({ recipientKey, enc: buf(enc), info: buf(info) }, buf(ciphertext), buf(aad)),
    );
  } catch {
    throw new ProtocolError('decrypt_failed');
  }
}
