/**
 * HPKE's DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1) on the app's one X25519, @noble/curves'.
 *
 * @hpke/dhkem-x25519 bundles a copy of noble's curve code (and of its SHA-2 and HMAC) beside the
 * @noble/curves the app already ships for Ed25519 and X25519 keys: two X25519s in one app. This
 * KEM is @hpke/common's own, through the extension points it publishes for that purpose
 * (`Dhkem` with `XCurveDhkemPrimitives`, as @hpke/dhkem-x25519 builds its own), given noble's
 * x25519 as the curve and @hpke/core's WebCrypto HKDF-SHA256 as the KDF. Nothing here implements a
 * primitive or a step of the KEM: the RFC 9180 known-answer vector and the shared vectors check it.
 */
import { Dhkem, KemId, XCurveDhkemPrimitives } from '@hpke/common';
import { HkdfSha256 } from '@hpke/core';
import { x25519 } from '@noble/curves/ed25519.js';

/** noble's x25519 in the shape @hpke/common's Montgomery primitives take (a random key may be async there). */
const curve = {
  ...x25519,
  utils: { ...x25519.utils, randomSecretKey: async () => x25519.utils.randomSecretKey() },
};

/** DHKEM(X25519, HKDF-SHA256), KEM id 0x0020. */
export class DhkemX25519Noble extends Dhkem {
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
