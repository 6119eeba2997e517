/**
 * The audited primitives this protocol uses, each named by its RFC, with every library failure
 * mapped to the ProtocolError §11 requires. AES-GCM, HKDF and SHA-256 are WebCrypto; Ed25519 and
 * X25519 are @noble/curves; HPKE, in hpke.ts, is @hpke/core on that same X25519; Argon2id is
 * hash-wasm, loaded on first use (argon2.ts). Nothing here implements a primitive: ed25519Verify
 * adds the subgroup checks that make @noble/curves' verify agree with the cofactorless rule of §1.
 */
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from './errors';

export { randomBytes } from './random';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/** A fresh ArrayBuffer-backed copy: WebCrypto's types refuse views of shared or resizable buffers. */
export function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', buf(data)));
}

/** HKDF-SHA256 (RFC 5869). An empty salt is 32 zero bytes, as the RFC specifies and §1 repeats. */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const params = {
    name: 'HKDF',
    hash: 'SHA-256',
    salt: salt.length === 0 ? new Uint8Array(32) : buf(salt),
    info: buf(info),
  };
  return new Uint8Array(await subtle().deriveBits(params, key, length * 8));
}

/** An AES-256-GCM key imported (not extractable) for `usages`; import one for both to seal and open many items with it. */
export function aeadKey(key: Uint8Array, usages: readonly KeyUsage[] = ['encrypt', 'decrypt']): Promise<CryptoKey> {
  if (key.length !== KEY_BYTES) throw new RangeError('AES-256-GCM takes a 32-byte key');
  return subtle().importKey('raw', buf(key), 'AES-GCM', false, [...usages]);
}

/** AES-256-GCM with a 96-bit nonce and 128-bit tag; returns ciphertext || tag. */
export async function aeadSeal(
  key: Uint8Array | CryptoKey,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const params = { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad), tagLength: 128 };
  const cryptoKey = key instanceof Uint8Array ? await aeadKey(key, ['encrypt']) : key;
  return new Uint8Array(await subtle().encrypt(params, cryptoKey, buf(plaintext)));
}

/**
 * Opens ciphertext || tag.
 *
 * Contract: a nonce that is not 12 bytes or a ciphertext shorter than its tag is `truncated`;
 * any authentication failure (tampering, wrong key, wrong AAD) is `decrypt_failed`.
 */
export async function aeadOpen(
  key: Uint8Array | CryptoKey,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  if (nonce.length !== NONCE_BYTES || ciphertext.length < TAG_BYTES) {
    throw new ProtocolError('truncated', 'nonce or ciphertext too short');
  }
  const cryptoKey = key instanceof Uint8Array ? await aeadKey(key, ['decrypt']) : key;
  try {
    const params = { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad), tagLength: 128 };
    return new Uint8Array(await subtle().decrypt(params, cryptoKey, buf(ciphertext)));
  } catch {
    throw new ProtocolError('decrypt_failed');
  }
}

export function ed25519Public(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

/** Ed25519 (RFC 8032), pure, no context. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed);
}

/**
 * Ed25519 verification as §1 requires: strict decoding, S < L, and keys and R in the prime-order
 * subgroup. @noble/curves' verify checks the cofactored equation even with `zip215: false`; once
 * A and R are known to be torsion-free, the cofactored and cofactorless equations accept exactly
 * the same signatures, so the library's own check is used and nothing is written by hand.
 * A small-order or mixed-order key, or an R with a small-order component, is refused here as in
 * the Python reference (libsodium's point check beside OpenSSL's cofactorless verify).
 *
 * Contract: a signature that is not 64 bytes, a key or R that is not a canonical encoding of a
 * point of the prime-order subgroup, S ≥ L, or a signature that does not verify all fail with
 * `bad_signature`.
 */
export function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): void {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== KEY_BYTES) {
    throw new ProtocolError('bad_signature', 'a signature is 64 bytes and a key 32');
  }
  if (!isPrimeOrderPoint(publicKey) || !isPrimeOrderPoint(signature.subarray(0, 32))) {
    throw new ProtocolError('bad_signature', 'not a point of the prime-order subgroup');
  }
  let valid: boolean;
  try {
    valid = ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    valid = false;
  }
  if (!valid) throw new ProtocolError('bad_signature');
}

function isPrimeOrderPoint(encoded: Uint8Array): boolean {
  try {
    // zip215 = false: RFC 8032 §5.1.3 decoding, y < p and no x = 0 with the sign bit set.
    const point: EdwardsPoint = ed25519.Point.fromBytes(encoded, false);
    return !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    return false;
  }
}

export function x25519Public(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

let argon2Loading: Promise<typeof import('./argon2')> | null = null;

function loadArgon2id(): Promise<typeof import('./argon2')> {
  argon2Loading ??= import('./argon2').catch((error: unknown) => {
    argon2Loading = null;
    throw error;
  });
  return argon2Loading;
}

/** Loads Argon2id's code ahead of its first use, for a screen that will soon need it (unlocking). */
export function preloadArgon2id(): void {
  loadArgon2id().catch(() => undefined); // the derivation itself tries again, and reports
}

/** Argon2id version 0x13 (RFC 9106), 32-byte tag, no secret and no associated data. */
export async function argon2id(
  password: Uint8Array,
  salt: Uint8Array,
  params: { mKib: number; t: number; p: number },
): Promise<Uint8Array> {
  const wasm = await loadArgon2id();
  return wasm.argon2id({
    password,
    salt,
    iterations: params.t,
    parallelism: params.p,
    memorySize: params.mKib,
    hashLength: KEY_BYTES,
    outputType: 'binary',
  });
}
