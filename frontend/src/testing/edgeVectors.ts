/**
 * Fixed negative vectors for Ed25519's edge cases (§1), made here because they need point
 * arithmetic, which the Python reference's `cryptography` does not expose. Written to
 * shared_schema/vectors/ts-ed25519-edge.json by `npm run vectors:fresh`; every byte is derived from
 * fixed labels, so the file is the same on every run.
 *
 * Each forged signature is checked here, when the file is made, to be one that a lenient
 * verifier accepts (@noble/curves' own verify, which is cofactored, or its ZIP 215 decoding), so
 * the vector tests the strictness §1 asks for and not merely a broken signature.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { b64u, concat, fromHex, unb64u, utf8, VERSION } from '../crypto/encoding';
import { type DeviceKeys, deviceIdFor, deviceKeysFrom, makeIdentity } from '../crypto/identity';
import { dumpJson, type JsonObject } from '../crypto/json';
import { ed25519Verify } from '../crypto/primitives';
import { signingInput } from '../crypto/signed';
import type { VectorFile } from './vectorRunner';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const P = Point.Fp.ORDER;

/** The fixed 32 bytes this file's keys come from: SHA-256 of a label. */
function fixed(label: string): Uint8Array {
  return sha256(utf8(`support-circle/v1/test/ed25519-edge/${label}`));
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function toLittleEndian(n: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** SHA-512(parts) as an integer mod L, as RFC 8032 reduces its hashes. */
function hashToScalar(...parts: Uint8Array[]): bigint {
  return littleEndian(sha512(concat(...parts))) % L;
}

/** The neutral point (0, 1), canonically: y = 1, sign bit 0. */
const NEUTRAL = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
/** The neutral point again with y written as p + 1: the same point to a decoder that reduces y mod p. */
const NEUTRAL_Y_UNREDUCED = toLittleEndian(P + 1n);
/** The neutral point with the sign bit of x set although x = 0: RFC 8032 §5.1.3 refuses it. */
const NEUTRAL_NEGATIVE_ZERO = fromHex('0100000000000000000000000000000000000000000000000000000000000080');
/** A point of order 8 (one of the curve's eight small-order points). */
const ORDER_8 = fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');

/** The identity payload for these keys, and the bytes its signature covers. */
async function identityPayload(
  signPub: Uint8Array,
  kemPub: Uint8Array,
): Promise<{ deviceId: Uint8Array; payload: Uint8Array; message: Uint8Array }> {
  const deviceId = await deviceIdFor(signPub);
  const payload = dumpJson({
    v: VERSION,
    type: 'identity',
    device_id: b64u(deviceId),
    sign_pub: b64u(signPub),
    kem_pub: b64u(kemPub),
  });
  return { deviceId, payload, message: signingInput('identity', payload) };
}

function signedIdentity(deviceId: Uint8Array, payload: Uint8Array, sig: Uint8Array): JsonObject {
  return { v: VERSION, signer: b64u(deviceId), payload: b64u(payload), sig: b64u(sig) };
}

function rejectedHere(signPub: Uint8Array, sig: Uint8Array, message: Uint8Array): boolean {
  try {
    ed25519Verify(signPub, sig, message);
    return false;
  } catch {
    return true;
  }
}

/** Throws unless the forgery is one the named lenient check accepts and this side refuses: a vector that tests nothing is a bug. */
function assertEdge(
  name: string,
  lenientAccepts: boolean,
  signPub: Uint8Array,
  sig: Uint8Array,
  message: Uint8Array,
): void {
  if (!lenientAccepts)
    throw new Error(`edge vector "${name}": the lenient verifier does not accept it, so it tests nothing`);
  if (!rejectedHere(signPub, sig, message)) throw new Error(`edge vector "${name}": this side accepts it`);
}

function vector(name: string, comment: string, identity: JsonObject): JsonObject {
  return { name, comment, expect: 'bad_signature', identity };
}

/** The honest device every forgery that needs a real key is made with. */
async function honestDevice(): Promise<DeviceKeys> {
  return deviceKeysFrom(fixed('sign-seed'), fixed('kem-private'));
}

async function smallOrderComponentInR(device: DeviceKeys): Promise<JsonObject> {
  const name = 'order-8 point added to R';
  const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(device.signSeed);
  const { deviceId, payload, message } = await identityPayload(A, device.public.kemPub);
  const r = hashToScalar(fixed('nonce'), message);
  const R = Point.BASE.multiply(r).add(Point.fromBytes(ORDER_8)).toBytes();
  const S = (r + hashToScalar(R, A, message) * a) % L;
  const sig = concat(R, toLittleEndian(S));
  // [S]B − R − [k]A is the order-8 point: [8]·it vanishes, so the cofactored check holds.
  const lenient =
    ed25519.verify(sig, message, A, { zip215: false }) && ed25519.verify(sig, message, A, { zip215: true });
  assertEdge(name, lenient, A, sig, message);
  return vector(
    name,
    "the device's real key; R = [r]B + T with T of order 8 and S = r + k·a, so [S]B = R + [k]A − T: a cofactored verifier ([8][S]B = [8]R + [8][k]A, as ZIP 215 and @noble/curves' verify even with zip215: false) accepts it, the cofactorless equation §1 requires does not",
    signedIdentity(deviceId, payload, sig),
  );
}

async function smallOrderKey(device: DeviceKeys): Promise<JsonObject> {
  const name = 'sign_pub the neutral point, R of order 8';
  const { deviceId, payload, message } = await identityPayload(NEUTRAL, device.public.kemPub);
  const sig = concat(ORDER_8, toLittleEndian(0n));
  // A = O and S = 0: the cofactorless equation reads O = R, false; the cofactored one [8]R = O holds.
  const lenient = ed25519.verify(sig, message, NEUTRAL, { zip215: true });
  assertEdge(name, lenient, NEUTRAL, sig, message);
  return vector(
    name,
    'sign_pub 0100…00 is the neutral point O (a small-order key), R a point of order 8 and S = 0: [S]B = O but R + [k]A = R, so the cofactorless equation fails for every message, while a cofactored verifier that does not refuse small-order keys (ZIP 215) accepts it',
    signedIdentity(deviceId, payload, sig),
  );
}

async function smallOrderKeySatisfyingTheEquation(device: DeviceKeys): Promise<JsonObject> {
  const name = 'sign_pub the neutral point, R = [S]B';
  const { deviceId, payload, message } = await identityPayload(NEUTRAL, device.public.kemPub);
  const S = hashToScalar(fixed(name), message);
  const sig = concat(Point.BASE.multiply(S).toBytes(), toLittleEndian(S));
  // [k]O = O, so [S]B = R + [k]A holds for every message: only the subgroup rule of §1 refuses it.
  assertEdge(name, ed25519.verify(sig, message, NEUTRAL, { zip215: true }), NEUTRAL, sig, message);
  return vector(
    name,
    'sign_pub 0100…00 is the neutral point O, a canonical small-order key; R = [S]B, so even the cofactorless equation holds, for any message: §1 refuses keys outside the prime-order subgroup (OpenSSL alone would accept this)',
    signedIdentity(deviceId, payload, sig),
  );
}

async function nonCanonicalR(device: DeviceKeys): Promise<JsonObject> {
  const name = 'R written with y = p + 1';
  const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(device.signSeed);
  const { deviceId, payload, message } = await identityPayload(A, device.public.kemPub);
  // R is the neutral point, so [S]B = [k]A: S = k·a, with k hashed over R's bytes as written.
  const S = (hashToScalar(NEUTRAL_Y_UNREDUCED, A, message) * a) % L;
  const sig = concat(NEUTRAL_Y_UNREDUCED, toLittleEndian(S));
  assertEdge(name, ed25519.verify(sig, message, A, { zip215: true }), A, sig, message);
  return vector(
    name,
    "the device's real key; R's 32 bytes are y = p + 1 (eeff…ff7f), a non-canonical encoding of the neutral point, and S = k·a, so the equation holds for a decoder that reduces y mod p (ZIP 215): RFC 8032 §5.1.3 refuses y ≥ p",
    signedIdentity(deviceId, payload, sig),
  );
}

async function nonCanonicalKey(
  device: DeviceKeys,
  name: string,
  signPub: Uint8Array,
  written: string,
): Promise<JsonObject> {
  const { deviceId, payload, message } = await identityPayload(signPub, device.public.kemPub);
  // A decodes (leniently) to the neutral point, so R = [S]B satisfies [S]B = R + [k]A.
  const S = hashToScalar(fixed(name), message);
  const sig = concat(Point.BASE.multiply(S).toBytes(), toLittleEndian(S));
  assertEdge(name, ed25519.verify(sig, message, signPub, { zip215: true }), signPub, sig, message);
  return vector(
    name,
    `sign_pub ${written}, a non-canonical encoding of the neutral point, with R = [S]B so the equation holds once it is decoded leniently (ZIP 215): RFC 8032 §5.1.3 refuses the encoding, whatever one decides about small-order keys`,
    signedIdentity(deviceId, payload, sig),
  );
}

async function scalarNotReduced(device: DeviceKeys): Promise<JsonObject> {
  const name = 'S + L';
  const identity = makeIdentity(device);
  const sig = ed25519.sign(signingInput('identity', unb64u(identity.payload)), device.signSeed);
  const S = littleEndian(sig.subarray(32)) + L;
  if (S >= 1n << 256n) throw new Error(`edge vector "${name}": S + L does not fit in 32 bytes`);
  const forged = concat(sig.subarray(0, 32), toLittleEndian(S));
  // [S + L]B = [S]B, so only the S < L rule of RFC 8032 §5.1.7 stands between this and acceptance.
  if (!rejectedHere(device.public.signPub, forged, signingInput('identity', unb64u(identity.payload)))) {
    throw new Error(`edge vector "${name}": this side accepts it`);
  }
  return vector(
    name,
    "the device's real key and an honest signature with L added to S: the same point [S]B, so only the rule S < L refuses it (a malleated signature)",
    { ...identity, sig: b64u(forged) },
  );
}

/** The vector file, the same bytes on every run. */
export async function makeEdgeVectors(): Promise<VectorFile> {
  const device = await honestDevice();
  const honest = makeIdentity(device);
  return {
    group: 'identity',
    description:
      'Ed25519 edge cases (§1: canonical A and R of the prime-order subgroup, S < L, [S]B = R + [k]A), as self-signed identities (§3). Made by the TypeScript implementation from fixed labels with @noble/curves point arithmetic (npm run vectors:fresh); each forgery is one a lenient verifier accepts.',
    vectors: [
      {
        name: 'honest identity of the device the forgeries use',
        comment: 'the control: the same fixed key, signed by RFC 8032',
        expect: 'ok',
        identity: { ...honest },
        device_id: b64u(device.public.deviceId),
        sign_pub: b64u(device.public.signPub),
        kem_pub: b64u(device.public.kemPub),
      },
      await smallOrderComponentInR(device),
      await smallOrderKey(device),
      await smallOrderKeySatisfyingTheEquation(device),
      await nonCanonicalR(device),
      await nonCanonicalKey(device, 'sign_pub written with y = p + 1', NEUTRAL_Y_UNREDUCED, 'eeff…ff7f (y = p + 1)'),
      await nonCanonicalKey(
        device,
        'sign_pub with x = 0 and its sign bit set',
        NEUTRAL_NEGATIVE_ZERO,
        '0100…0080 (x = 0 with the sign bit set)',
      ),
      await scalarNotReduced(device),
    ],
  };
}
