/**
 * Recovery from the server (PROTOCOL §15), the syncing device's side: it keeps at the server a
 * version 2 escrow holding the keys of a **recovery identity** made for its recovery key (an admin
 * of the personal circle only), never its own keys; it seals it again whenever the membership log's
 * head moves on, with a counter it remembers, and checks on every sync that the server serves back
 * what it put last. A replaced key's identity is removed from the circle before its escrow is
 * deleted, so the old key, with any copy of the old escrow, opens nothing written afterwards.
 */
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { type EscrowSecrets, openEscrow, sealEscrow } from '../../crypto/escrow';
import { type DeviceKeys, deviceKeysFrom, generateDeviceKeys, makeIdentity } from '../../crypto/identity';
import { isObject } from '../../crypto/json';
import {
  type DeviceIdentity,
  ESCROW,
  ESCROW_IDENTITIES,
  ESCROW_RETIRED,
  type Records,
  type StateStore,
  type StoredEscrow,
} from '../../storage';
import { SyncError } from '../errors';
import type { CircleReplica } from '../replica/replica';
import { ApiError } from '../transport/api';
import type { Connection } from '../transport/connection';
import { dayOf } from './linked';

/** Where the server keeps the escrow of id `id` (b64u). */
export function escrowPath(id: string): string {
  return `/v1/recovery/${id}`;
}

/** The circle and log head the server's escrow was sealed with, so it is put again only when they change. */
const ESCROW_STORED = 'escrow-stored';
/** The last escrow counter the server acknowledged: one served back below it is an old copy. */
export const ESCROW_COUNTER = 'escrow-counter';

type Identities = Record<string, { readonly signSeed: string; readonly kemPrivate: string }>;
type EscrowStore = DeviceIdentity & StateStore & Pick<Records, 'get' | 'put' | 'remove'>;
type Personal = Pick<CircleReplica, 'circleId' | 'genesisHash' | 'id' | 'add' | 'remove' | 'verified' | 'sendWaiting'>;

/**
 * Keeps this vault's escrow at the server: makes, registers and adds this recovery key's identity
 * if needed, puts the escrow when the head moved on, else checks the one the server serves, then
 * retires the escrows of replaced keys. A vault made before §15 has no escrow secrets, and keeps
 * none. Call it after a sync, when the replica has stored the head it verified (`head:<circle id>`).
 *
 * Contract: an escrow served back whose counter is below the last one the server acknowledged
 * rejects with SyncError `escrow_rolled_back` (the server is serving an old copy), and nothing is
 * put over it; a version 1 escrow this device put itself under the same id is replaced.
 */
export async function keepEscrow(api: Connection, store: EscrowStore, personal: Personal): Promise<void> {
  const stored = await store.getState(ESCROW);
  if (!isObject(stored) || !isObject(await store.getState(`head:${personal.id}`))) return;
  const { id, key } = stored as unknown as StoredEscrow;
  const secrets = { id: unb64uId(id), key: unb64u(key, 32) };
  const identity = await recoveryIdentity(store, id);
  const state = await personal.verified();
  if (!state.members.has(b64u(identity.public.deviceId))) {
    // Registered signed in as this device, so a server that asks for registration codes needs none for it.
    await api.call('POST', '/v1/devices', { identity: makeIdentity(identity) });
    await personal.add(makeIdentity(identity), 'admin');
  }
  if (await noteRecoveryIdentity(store, b64u(identity.public.deviceId))) await personal.sendWaiting();
  const head = (await store.getState(`head:${personal.id}`)) as Record<string, unknown>;
  const mark = `${id}:${personal.id}:${String(head['seq'])}:${String(head['hash'])}`;
  if ((await store.getState(ESCROW_STORED)) === mark) await checkEscrow(api, store, secrets, id);
  else await putEscrow(api, store, { secrets, identity, personal, head, mark });
  await retireEscrows(api, store, personal);
}

/** The note that tells each of the person's devices this member is a recovery key, not a device (§16). */
async function noteRecoveryIdentity(store: EscrowStore, id: string): Promise<boolean> {
  if ((await store.get('device', id))?.body.recovery === true) return false;
  await store.put('device', id, { name: '', seenOn: dayOf(Date.now()), recovery: true });
  return true;
}

/** This recovery key's identity, made and kept in the vault before anything reaches the server. */
async function recoveryIdentity(store: EscrowStore, escrowId: string): Promise<DeviceKeys> {
  const identities = ((await store.getState(ESCROW_IDENTITIES)) ?? {}) as Identities;
  const kept = identities[escrowId];
  if (kept !== undefined) return deviceKeysFrom(unb64u(kept.signSeed, 32), unb64u(kept.kemPrivate, 32));
  const made = await generateDeviceKeys();
  const entry = { signSeed: b64u(made.signSeed), kemPrivate: b64u(made.kemPrivate) };
  await store.setState(ESCROW_IDENTITIES, { ...identities, [escrowId]: entry });
  return made;
}

interface Put {
  readonly secrets: EscrowSecrets;
  readonly identity: DeviceKeys;
  readonly personal: Pick<CircleReplica, 'circleId' | 'genesisHash'>;
  readonly head: Record<string, unknown>;
  readonly mark: string;
}

async function putEscrow(api: Connection, store: EscrowStore, put: Put): Promise<void> {
  const counter = (await lastCounter(store)) + 1;
  const content = {
    signSeed: put.identity.signSeed,
    kemPrivate: put.identity.kemPrivate,
    circleId: put.personal.circleId,
    genesisHash: put.personal.genesisHash,
    head: { seq: Number(put.head['seq']), hash: unb64u(put.head['hash'], 32) },
    escrowing: { deviceId: store.deviceKeys.public.deviceId, counter },
  };
  const path = escrowPath(b64u(put.secrets.id));
  const body = { escrow: await sealEscrow(put.secrets, content) };
  // Put as the recovery identity, so a recovering device, which has its keys, can delete it.
  const asIdentity = api.as(put.identity);
  try {
    await asIdentity.call('PUT', path, body).catch(async (error: unknown) => {
      if (!(error instanceof ApiError && error.code === 'escrow_taken')) throw error;
      // A version 1 escrow this device put itself, before it upgraded: its own keys, which must go.
      await api.call('DELETE', path);
      await asIdentity.call('PUT', path, body);
    });
  } finally {
    await asIdentity.signOut();
  }
  await store.setState(ESCROW_COUNTER, counter);
  await store.setState(ESCROW_STORED, put.mark);
}

async function lastCounter(store: EscrowStore): Promise<number> {
  const counter = await store.getState(ESCROW_COUNTER);
  return typeof counter === 'number' ? counter : 0;
}

/** The escrow the server serves is the one this device put last, or a later put whose answer was lost. */
async function checkEscrow(api: Connection, store: EscrowStore, secrets: EscrowSecrets, id: string): Promise<void> {
  const found = await api.call<{ escrow: unknown }>('GET', escrowPath(id)).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  });
  // Gone: put it again on this sync's next round.
  if (found === undefined) return store.setState(ESCROW_STORED, undefined);
  const content = await openEscrow(secrets, found.escrow);
  const served = content.escrowing?.counter ?? 0;
  const last = await lastCounter(store);
  if (served < last) throw new SyncError('escrow_rolled_back');
  if (served > last) await store.setState(ESCROW_COUNTER, served);
}

/**
 * Retires the escrows of recovery keys this vault replaced: their identity leaves the personal
 * circle (a new epoch it gets no key of), then the escrow is deleted, as that identity; an escrow
 * with no identity here (version 1) is deleted as this device.
 */
async function retireEscrows(api: Connection, store: EscrowStore, personal: Personal): Promise<void> {
  const retired = await store.getState(ESCROW_RETIRED);
  if (!Array.isArray(retired) || retired.length === 0) return;
  for (const id of retired.map(String)) {
    const identities = ((await store.getState(ESCROW_IDENTITIES)) ?? {}) as Identities;
    const kept = identities[id];
    if (kept === undefined) {
      await deleteEscrow(api, id);
      continue;
    }
    const old = await deviceKeysFrom(unb64u(kept.signSeed, 32), unb64u(kept.kemPrivate, 32));
    const state = await personal.verified();
    if (state.members.has(b64u(old.public.deviceId))) await personal.remove(old.public.deviceId);
    const asOld = api.as(old);
    try {
      await deleteEscrow(asOld, id);
    } finally {
      await asOld.signOut();
    }
    const note = b64u(old.public.deviceId);
    if ((await store.get('device', note)) !== undefined) await store.remove('device', note);
    const left = Object.fromEntries(Object.entries(identities).filter(([name]) => name !== id));
    await store.setState(ESCROW_IDENTITIES, left);
  }
  await store.setState(ESCROW_RETIRED, undefined);
}

async function deleteEscrow(owner: Connection, id: string): Promise<void> {
  await owner.call('DELETE', escrowPath(id)).catch((error: unknown) => {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  });
}
