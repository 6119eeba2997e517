/**
 * Recovery from the server on a new device (PROTOCOL §15): the recovery key alone finds the escrow
 * of the device that made it, and this device takes the plan over from that one.
 *
 * The old device is taken to be lost or in someone else's hands: once this device has the plan,
 * the engine's next sync unlinks the old one with a new key (see escrow.ts finishReplacing).
 */
import { b64u } from '../crypto/encoding';
import { openEscrow } from '../crypto/escrow';
import { ProtocolError } from '../crypto/errors';
import { deviceKeysFrom, makeIdentity, type DeviceKeys } from '../crypto/identity';
import { escrowSecretsFromText } from '../crypto/vault';
import type { LocalStore, Session } from '../storage';
import { ApiError, callApi, type Fetch } from './api';
import { CircleReplica, type ReplicaStore } from './circle';
import { Clock } from './clock';
import { Connection } from './connection';
import { REPLACES } from './escrow';
import { adoptPersonal } from './personal';

/** The code of "this server keeps no plan for that recovery key". */
export const NO_ESCROW = 'no_escrow';

export const RECOVERY_MESSAGES = {
  noEscrow:
    'This server has no plan for that recovery key. The key may belong to a device that never synced, or to another server. ' +
    'Check the key, or open the app from the server you used before.',
  damaged: 'What the server keeps for this recovery key does not open. It may have been changed. Nothing was set up on this device.',
  removed: 'The device this recovery key belongs to was unlinked from your plan, so it cannot bring the plan here. Use the recovery key of one of your devices that is still linked.',
} as const;

export interface RecoverOptions {
  readonly fetchImpl?: Fetch;
}

/**
 * Makes a vault on this device under `newPassphrase` that holds the plan of the device whose
 * recovery key `recoveryText` is. Resolves with the open session and this vault's own new
 * recovery key (show it once).
 *
 * Contract: `recovery_key_typo` (ProtocolError) for a mistyped key and NO_ESCROW (ApiError) when
 * the server keeps none, both before anything is written; an escrow that does not open is
 * ProtocolError with RECOVERY_MESSAGES.damaged. A failure before this device is in the plan
 * wipes the new vault, so the person can try again from the start.
 */
export async function recoverFromServer(store: LocalStore, recoveryText: string, newPassphrase: string, options: RecoverOptions = {}): Promise<{ session: Session; recoveryText: string }> {
  const fetchImpl = options.fetchImpl !== undefined ? { fetchImpl: options.fetchImpl } : {};
  const secrets = await escrowSecretsFromText(recoveryText);
  const escrowPath = `/v1/recovery/${b64u(secrets.id)}`;
  const found = await callApi<{ escrow: unknown }>('GET', escrowPath, fetchImpl).catch((error: unknown) => {
    throw error instanceof ApiError && error.status === 404 ? new ApiError(404, NO_ESCROW, RECOVERY_MESSAGES.noEscrow) : error;
  });
  const content = await openEscrow(secrets, found.escrow).catch((error: unknown) => {
    throw error instanceof ProtocolError ? new ProtocolError(error.code, RECOVERY_MESSAGES.damaged) : error;
  });
  const old = await deviceKeysFrom(content.signSeed, content.kemPrivate);
  const made = await store.createVault(newPassphrase);
  const { session } = made;
  try {
    // Registered first: the server admits only devices it knows.
    await new Connection(session.deviceKeys, fetchImpl).signIn();
    const asOld = new Connection(old, fetchImpl);
    const replica = new CircleReplica(asOld, actingAs(session, old), content.circleId, content.genesisHash, { clock: new Clock(old.public.deviceId) });
    await replica.addWithHistory(makeIdentity(session.deviceKeys), 'admin').catch((error: unknown) => {
      throw error instanceof ApiError && error.status === 404 ? new ApiError(404, 'not_found', RECOVERY_MESSAGES.removed) : error;
    });
    replica.forget();
    // Spent: the next recovery needs this vault's own key. Losing this call costs nothing but a
    // stale escrow of a device that is about to be unlinked.
    await asOld.call('DELETE', escrowPath).catch(() => undefined);
    await asOld.signOut().catch(() => undefined);
  } catch (error) {
    session.lock();
    await store.wipe();
    throw error;
  }
  await adoptPersonal(session, content.circleId, content.genesisHash);
  await session.setState(REPLACES, b64u(old.public.deviceId));
  return made;
}

/** The new vault's storage, signing as the escrowed device: its replica's verified log head lands in this vault. */
function actingAs(session: Session, device: DeviceKeys): ReplicaStore {
  return {
    deviceKeys: device,
    pending: () => session.pending(),
    markSent: (...args) => session.markSent(...args),
    settle: (...args) => session.settle(...args),
    applyRemote: (...args) => session.applyRemote(...args),
    baseOf: (...args) => session.baseOf(...args),
    cursor: (...args) => session.cursor(...args),
    setCursor: (...args) => session.setCursor(...args),
    getState: (...args) => session.getState(...args),
    setState: (...args) => session.setState(...args),
  };
}
