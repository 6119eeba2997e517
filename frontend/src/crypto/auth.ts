/** Signing in to a server (§14): the device signs the server's one-time challenge. */
import { ctx } from './encoding';
import type { DeviceKeys } from './identity';
import { ed25519Sign } from './primitives';

/**
 * The signature over `ctx("support-circle/v1/auth", server_id, challenge)`. Bound to the server's
 * id, so a signature made for one server is worthless at another.
 */
export function signChallenge(keys: DeviceKeys, serverId: Uint8Array, challenge: Uint8Array): Uint8Array {
  return ed25519Sign(keys.signSeed, ctx('support-circle/v1/auth', serverId, challenge));
}
