/** Device identities (§3): an Ed25519 and an X25519 key pair, published as a self-signed identity. */
import { b64u, bytesEqual, ctx, ID_BYTES, unb64u, unb64uId, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { checkPayloadVersion, expectObject, isObject, parseJsonBytes } from './json';
import { ed25519Public, KEY_BYTES, randomBytes, sha256, x25519Public } from './primitives';
import { decodeSigned, type SignedObject, signPayload, verifySignedBytes } from './signed';

/** What a verified identity vouches for. */
export interface PublicIdentity {
  readonly deviceId: Uint8Array;
  readonly signPub: Uint8Array;
  readonly kemPub: Uint8Array;
}

/** A device's private keys and its public identity. Keep them in the vault; never log or send them. */
export interface DeviceKeys {
  readonly signSeed: Uint8Array;
  readonly kemPrivate: Uint8Array;
  readonly public: PublicIdentity;
}

/** device_id = SHA-256(ctx("support-circle/v1/device-id", sign_pub))[0:16]. */
export async function deviceIdFor(signPub: Uint8Array): Promise<Uint8Array> {
  return (await sha256(ctx('support-circle/v1/device-id', signPub))).slice(0, ID_BYTES);
}

/** A device's keys from its two 32-byte private keys (an Ed25519 seed and an X25519 scalar). */
export async function deviceKeysFrom(signSeed: Uint8Array, kemPrivate: Uint8Array): Promise<DeviceKeys> {
  if (signSeed.length !== KEY_BYTES || kemPrivate.length !== KEY_BYTES)
    throw new RangeError('device keys are 32 bytes each');
  const signPub = ed25519Public(signSeed);
  const identity = { deviceId: await deviceIdFor(signPub), signPub, kemPub: x25519Public(kemPrivate) };
  return { signSeed, kemPrivate, public: identity };
}

/** Fresh device keys from the platform's secure random source, made once per device. */
export async function generateDeviceKeys(): Promise<DeviceKeys> {
  return deviceKeysFrom(randomBytes(KEY_BYTES), randomBytes(KEY_BYTES));
}

/** The device's identity (§3), signed with its own signing key. */
export function makeIdentity(device: DeviceKeys): SignedObject {
  const { deviceId, signPub, kemPub } = device.public;
  return signPayload(device.signSeed, deviceId, {
    v: VERSION,
    type: 'identity',
    device_id: b64u(deviceId),
    sign_pub: b64u(signPub),
    kem_pub: b64u(kemPub),
  });
}

/**
 * Verifies a self-signed identity and returns its keys; the X25519 key is trusted only through it.
 *
 * The payload is parsed before the signature is checked — the one exception of §2 — because the
 * key that verifies it is inside it.
 *
 * Contract: the form failures of a signed object (`unsupported_version`, `malformed`,
 * `bad_encoding`, `missing_signature`, `bad_signature` for a sig not 64 bytes); a payload that is not JSON or has other members is
 * `malformed`; its `v` not 1 is `unsupported_version`; its type not `identity` is `wrong_type`;
 * keys not 32 bytes are `bad_encoding`; a `device_id` not derived from `sign_pub`, or not the
 * outer signer, is `identity_mismatch`; a signature that does not verify is `bad_signature`.
 */
export async function verifyIdentity(identity: unknown): Promise<PublicIdentity> {
  const { signer, payload, sig } = decodeSigned(identity);
  const document = parseJsonBytes(payload);
  if (!isObject(document)) throw new ProtocolError('malformed', 'a payload is a JSON object');
  checkPayloadVersion(document);
  if (document['type'] !== 'identity') throw new ProtocolError('wrong_type', 'expected identity');
  const fields = expectObject(document, ['v', 'type', 'device_id', 'sign_pub', 'kem_pub']);
  const signPub = unb64u(fields['sign_pub'], KEY_BYTES);
  const kemPub = unb64u(fields['kem_pub'], KEY_BYTES);
  const deviceId = unb64uId(fields['device_id']);
  if (!bytesEqual(deviceId, await deviceIdFor(signPub)) || !bytesEqual(deviceId, signer)) {
    throw new ProtocolError('identity_mismatch');
  }
  verifySignedBytes('identity', signPub, payload, sig);
  return { deviceId, signPub, kemPub };
}
