/**
 * Recovery from the server on a new device (PROTOCOL §15): the recovery key alone finds the escrow
 * of the device that made it, and this device takes the plan over from that one, which is taken
 * to be lost or in someone else's hands and is unlinked before anything new reaches the circle.
 *
 * The hand-over is kept in the new vault (state RECOVERING, written with the vault in one
 * transaction) until every step is done, and each step checks first whether it is done already:
 * a hand-over cut short (the app closed, the network gone) is finished by the next attempt, which
 * the sync engine makes before anything else.
 */
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { ProtocolError } from '../../crypto/errors';
import { type EscrowContent, openEscrow } from '../../crypto/escrow';
import { type DeviceKeys, deviceKeysFrom, makeIdentity } from '../../crypto/identity';
import { isObject } from '../../crypto/json';
import { escrowSecretsFromText } from '../../crypto/vault';
import type { LocalStore, Records, Session, StateStore } from '../../storage';
import { NO_ESCROW, RECOVERY_REFUSED } from '../errors';
import { Clock } from '../replica/clock';
import { adoptPersonal } from '../replica/personal';
import { CircleReplica, type ReplicaStore } from '../replica/replica';
import { ApiError, callApi, type Fetch } from '../transport/api';
import { Connection } from '../transport/connection';
import { escrowPath } from './escrow';
import { letInToEveryCircle } from './recoverCircles';
import { REVIEW_DEVICES } from './review';

/** The vault state of a hand-over not finished yet. */
export const RECOVERING = 'recovering';

/** What the new vault keeps until the hand-over is done: the escrow's content and where to delete it. */
interface Recovering {
  readonly circleId: string;
  readonly genesisHash: string;
  readonly head: { readonly seq: number; readonly hash: string };
  /** The keys the escrow holds: a recovery identity's (version 2), or the escrowed device's own (version 1). */
  readonly old: { readonly signSeed: string; readonly kemPrivate: string };
  /** The device that put a version 2 escrow: removed first. Absent for version 1, where it is `old`. */
  readonly escrowing?: string;
  readonly escrowPath: string;
}

export interface RecoverOptions {
  readonly fetchImpl?: Fetch;
  /** Runs once the new vault exists, before the hand-over (the app turns sync on there). */
  readonly onVault?: (session: Session) => Promise<void>;
  /** Sent when this new device registers, for a server that asks for one. */
  readonly registrationCode?: string;
}

/**
 * Makes a vault on this device under `newPassphrase` that holds the plan of the device whose
 * recovery key `recoveryText` is. Resolves with the open session and this vault's own new
 * recovery key (show it once).
 *
 * Contract: `recovery_key_typo` (ProtocolError) for a mistyped key, NO_ESCROW (ApiError) when the
 * server keeps none, `network_unreachable` (ApiError) when it cannot be reached, and the
 * protocol's code when the escrow does not open, all before anything is written. A hand-over the
 * server refuses for good (the old device was unlinked: RECOVERY_REFUSED; the log it serves is
 * older than the escrow's or does not verify: a ProtocolError) wipes the new vault and rejects, so
 * the person can start again. One cut short by the network resolves: the engine finishes it.
 */
export async function recoverFromServer(
  store: LocalStore,
  recoveryText: string,
  newPassphrase: string,
  options: RecoverOptions = {},
): Promise<{ session: Session; recoveryText: string }> {
  const fetchImpl = options.fetchImpl !== undefined ? { fetchImpl: options.fetchImpl } : {};
  const secrets = await escrowSecretsFromText(recoveryText);
  const path = escrowPath(b64u(secrets.id));
  const found = await callApi<{ escrow: unknown }>('GET', path, fetchImpl).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) throw new ApiError(404, NO_ESCROW, error.code);
    throw error;
  });
  const content = await openEscrow(secrets, found.escrow);
  const made = await store.createVault(newPassphrase, { [RECOVERING]: recovering(content, path) });
  content.signSeed.fill(0);
  content.kemPrivate.fill(0);
  await options.onVault?.(made.session);
  try {
    const code = options.registrationCode !== undefined ? { registrationCode: options.registrationCode } : {};
    await finishRecovery(
      made.session,
      new Connection(made.session.deviceKeys, { ...fetchImpl, ...code }),
      options.fetchImpl,
    );
  } catch (error) {
    if (!refusedForGood(error)) return made;
    made.session.lock();
    await store.wipe();
    throw error;
  }
  return made;
}

/** Whether this vault still has a hand-over to finish. */
export async function isRecovering(session: Pick<StateStore, 'getState'>): Promise<boolean> {
  return isObject(await session.getState(RECOVERING));
}

/**
 * Finishes this vault's hand-over, if it has one: each step is skipped when done already.
 * `mine` is this device's connection (registered by signing in). Rejects with what the server
 * answered; RECOVERY_REFUSED when neither device is in the plan.
 */
export async function finishRecovery(
  session: ReplicaStore & Records,
  mine: Connection,
  fetchImpl?: Fetch,
): Promise<void> {
  const stored = await session.getState(RECOVERING);
  if (!isObject(stored)) return;
  const r = stored as unknown as Recovering;
  const [circleId, genesisHash] = [unb64uId(r.circleId), unb64u(r.genesisHash, 32)];
  const old = await deviceKeysFrom(unb64u(r.old.signSeed, 32), unb64u(r.old.kemPrivate, 32));
  const asOld = new Connection(old, fetchImpl !== undefined ? { fetchImpl } : {});
  try {
    // The head the escrowed device had verified: an older log from the server is `rolled_back`.
    if ((await session.getState(`head:${r.circleId}`)) === undefined)
      await session.setState(`head:${r.circleId}`, r.head);
    await mine.signIn();
    const clock = new Clock(session.deviceKeys.public.deviceId);
    const circle = new CircleReplica(mine, session, circleId, genesisHash, { clock });
    if (!(await isMember(circle))) {
      const through = new CircleReplica(asOld, actingAs(session, old), circleId, genesisHash, { clock });
      if (!(await isMember(through))) throw new ApiError(404, RECOVERY_REFUSED, 'neither device is in the plan');
      await through.add(makeIdentity(session.deviceKeys), 'admin');
      through.forget();
    }
    await adoptPersonal(session, circleId, genesisHash);
    const state = await circle.refresh();
    const oldId = b64u(old.public.deviceId);
    // The lost device first, then the spent key's recovery identity: neither gets a key of what comes next.
    const leaving = [...new Set([r.escrowing ?? oldId, oldId])];
    for (const id of leaving) if ((await circle.refresh()).members.has(id)) await circle.remove(unb64uId(id));
    // Other devices stay linked: one may be the person's own, or one someone added from the lost
    // device. Only the person can tell, so the app asks them to look (REVIEW_DEVICES).
    const me = session.deviceId;
    if ([...state.members.keys()].some((id) => id !== me && !leaving.includes(id)))
      await session.setState(REVIEW_DEVICES, true);
    // The person's shared circles: the keyring says which; the recovery identity lets this device in.
    await circle.pull();
    await letInToEveryCircle(session, asOld, old, makeIdentity(session.deviceKeys));
    circle.forget();
    // Spent: the next recovery needs this vault's own key. The old device is still registered,
    // so it may delete what it put.
    await asOld.call('DELETE', r.escrowPath).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    });
    await session.setState(RECOVERING, undefined);
  } finally {
    await asOld.signOut().catch(() => undefined);
    old.signSeed.fill(0);
    old.kemPrivate.fill(0);
  }
}

function recovering(content: EscrowContent, escrowPath: string): Recovering {
  return {
    circleId: b64u(content.circleId),
    genesisHash: b64u(content.genesisHash),
    head: { seq: content.head.seq, hash: b64u(content.head.hash) },
    old: { signSeed: b64u(content.signSeed), kemPrivate: b64u(content.kemPrivate) },
    ...(content.escrowing !== undefined ? { escrowing: b64u(content.escrowing.deviceId) } : {}),
    escrowPath,
  };
}

/** Whether the replica's device is a member: the server answers 404 for a circle it is not in. */
async function isMember(replica: CircleReplica): Promise<boolean> {
  try {
    await replica.refresh();
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

/** A refusal no retry can change: start again from nothing. */
function refusedForGood(error: unknown): boolean {
  return error instanceof ProtocolError || (error instanceof ApiError && error.status === 404);
}

/** The new vault's storage, signing as the escrowed device: its replica's verified log head lands in this vault. */
function actingAs(session: ReplicaStore, device: DeviceKeys): ReplicaStore {
  return {
    deviceKeys: device,
    deviceId: b64u(device.public.deviceId),
    pending: () => session.pending(),
    markSent: (...args) => session.markSent(...args),
    settle: (...args) => session.settle(...args),
    applyRemote: (...args) => session.applyRemote(...args),
    placeOf: (...args) => session.placeOf(...args),
    passOver: (...args) => session.passOver(...args),
    cursor: (...args) => session.cursor(...args),
    setCursor: (...args) => session.setCursor(...args),
    getState: (...args) => session.getState(...args),
    setState: (...args) => session.setState(...args),
  };
}
