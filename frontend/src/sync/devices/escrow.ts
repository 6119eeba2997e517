/**
 * Recovery from the server (PROTOCOL §15), the syncing device's side: it keeps its escrow at the
 * server, sealed again whenever the membership log's head moves on.
 */
import { unb64u, unb64uId } from '../../crypto/encoding';
import { sealEscrow } from '../../crypto/escrow';
import { isObject } from '../../crypto/json';
import { type DeviceIdentity, ESCROW, ESCROW_RETIRED, type StateStore, type StoredEscrow } from '../../storage';
import type { Caller, CircleReplica } from '../replica/replica';
import { ApiError } from '../transport/api';

/** Where the server keeps the escrow of id `id` (b64u). */
export function escrowPath(id: string): string {
  return `/v1/recovery/${id}`;
}

/** The circle and log head the server's escrow was sealed with, so it is put again only when they change. */
const ESCROW_STORED = 'escrow-stored';

type EscrowStore = DeviceIdentity & StateStore;

/**
 * Puts this vault's escrow at the server when it has none under this recovery key for this personal
 * circle and log head, then deletes the escrows of recovery keys it replaced. A vault made before
 * §15 has no escrow secrets, and keeps none. Call it after a sync, when the replica has stored
 * the head it verified (`head:<circle id>`).
 */
export async function keepEscrow(
  api: Caller,
  store: EscrowStore,
  personal: Pick<CircleReplica, 'circleId' | 'genesisHash' | 'id'>,
): Promise<void> {
  const stored = await store.getState(ESCROW);
  const head = await store.getState(`head:${personal.id}`);
  if (!isObject(stored) || !isObject(head)) return;
  const { id, key } = stored as unknown as StoredEscrow;
  const mark = `${id}:${personal.id}:${String(head['seq'])}:${String(head['hash'])}`;
  if ((await store.getState(ESCROW_STORED)) !== mark) await putEscrow(api, store, { id, key }, personal, head, mark);
  await retireEscrows(api, store);
}

async function putEscrow(
  api: Caller,
  store: EscrowStore,
  { id, key }: StoredEscrow,
  personal: Pick<CircleReplica, 'circleId' | 'genesisHash'>,
  head: Record<string, unknown>,
  mark: string,
): Promise<void> {
  const secrets = { id: unb64uId(id), key: unb64u(key, 32) };
  const device = store.deviceKeys;
  const content = {
    signSeed: device.signSeed,
    kemPrivate: device.kemPrivate,
    circleId: personal.circleId,
    genesisHash: personal.genesisHash,
    head: { seq: Number(head['seq']), hash: unb64u(head['hash'], 32) },
  };
  try {
    await api.call('PUT', escrowPath(id), { escrow: await sealEscrow(secrets, content) });
  } catch (error) {
    // Another device put an escrow under this recovery key's id first: only someone holding this
    // vault's recovery key could. It is not overwritten, nor marked as ours; sync goes on.
    if (error instanceof ApiError && error.code === 'escrow_taken') return;
    throw error;
  }
  await store.setState(ESCROW_STORED, mark);
}

/** Deletes the escrows of recovery keys this vault replaced: those keys must bring nothing to a new device. */
async function retireEscrows(api: Caller, store: EscrowStore): Promise<void> {
  const retired = await store.getState(ESCROW_RETIRED);
  if (!Array.isArray(retired) || retired.length === 0) return;
  for (const id of retired) {
    await api.call('DELETE', escrowPath(String(id))).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    });
  }
  await store.setState(ESCROW_RETIRED, undefined);
}
