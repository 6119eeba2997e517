/**
 * Recovery from the server (PROTOCOL §15), the syncing device's side: it keeps its escrow at the
 * server, and a device that took the plan over by recovery unlinks the device it replaced.
 */
import { b64u, unb64u, unb64uId } from '../crypto/encoding';
import { sealEscrow } from '../crypto/escrow';
import { isObject } from '../crypto/json';
import { ESCROW, type Session, type StoredEscrow } from '../storage';
import { ApiError } from './api';
import type { Caller, CircleReplica } from './circle';
import { removeDevice } from './devices';
import type { PersonalCircle } from './personal';

/** The personal circle whose escrow the server has, so it is put once, not on every sync. */
const ESCROW_STORED = 'escrow-stored';
/** The device a recovery replaced, until it is unlinked. */
export const REPLACES = 'replaces-device';

type EscrowStore = Pick<Session, 'deviceKeys' | 'getState' | 'setState' | 'get' | 'put' | 'list' | 'remove'>;

/**
 * Puts this vault's escrow at the server, once per personal circle. A vault made before §15 has
 * no escrow secrets, and keeps none.
 */
export async function keepEscrow(api: Caller, store: EscrowStore, personal: PersonalCircle): Promise<void> {
  const stored = await store.getState(ESCROW);
  if (!isObject(stored) || (await store.getState(ESCROW_STORED)) === personal.circleId) return;
  const { id, key } = stored as unknown as StoredEscrow;
  const secrets = { id: unb64uId(id), key: unb64u(key, 32) };
  const device = store.deviceKeys;
  const content = { signSeed: device.signSeed, kemPrivate: device.kemPrivate, circleId: unb64uId(personal.circleId), genesisHash: unb64u(personal.genesisHash, 32) };
  try {
    await api.call('PUT', `/v1/recovery/${b64u(secrets.id)}`, { escrow: await sealEscrow(secrets, content) });
  } catch (error) {
    // Another device put an escrow under this recovery key's id first: only someone holding this
    // vault's recovery key could. It is not overwritten, nor marked as ours; sync goes on.
    if (error instanceof ApiError && error.code === 'escrow_taken') return;
    throw error;
  }
  await store.setState(ESCROW_STORED, personal.circleId);
}

/** After a recovery: unlinks the device this one replaced (a new epoch), once; a no-op otherwise. */
export async function finishReplacing(circle: CircleReplica, store: EscrowStore): Promise<void> {
  const replaced = await store.getState(REPLACES);
  if (typeof replaced !== 'string') return;
  const state = await circle.refresh();
  if (state.members.has(replaced)) await removeDevice(circle, store, replaced);
  else if ((await store.get('device', replaced)) !== undefined) await store.remove('device', replaced);
  await store.setState(REPLACES, undefined);
}
