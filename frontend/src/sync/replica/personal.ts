/**
 * The person's personal circle: a circle whose only members are their own devices, holding their
 * plan answers and allies. It is made on the first sync with a server that has something to keep
 * (see the engine), and its id and genesis hash (the trust anchor of its membership log) are kept
 * sealed in the vault. Settings never go to it: they stay on each device.
 */
import { newEpochKey, sealKeyEnvelope } from '../../crypto/circleKeys';
import { b64u, ID_BYTES, unb64u, unb64uId } from '../../crypto/encoding';
import type { DeviceKeys } from '../../crypto/identity';
import { isObject } from '../../crypto/json';
import { entryHash, makeGenesis } from '../../crypto/membership';
import { randomBytes } from '../../crypto/primitives';
import type { SignedObject } from '../../crypto/signed';
import type { KeyEnvelope } from '../../wire/api';
import { DEVICE_REMOVED } from '../errors';
import { ApiError } from '../transport/api';
import type { Clock } from './clock';
import { type Caller, CircleReplica, type ReplicaStore } from './replica';

/** The vault state name of the personal circle. */
export const PERSONAL = 'personal-circle';

/**
 * What the vault keeps. `created` is false between making the genesis and the server's answer:
 * the genesis and key envelope are kept so a retry after a lost answer creates the same circle.
 */
export interface PersonalCircle {
  readonly circleId: string;
  readonly genesisHash: string;
  readonly created: boolean;
  readonly genesis?: SignedObject;
  readonly keyEnvelope?: KeyEnvelope;
}

export async function readPersonal(store: ReplicaStore): Promise<PersonalCircle | undefined> {
  const stored = await store.getState(PERSONAL);
  return isObject(stored) && typeof stored['circleId'] === 'string' ? (stored as unknown as PersonalCircle) : undefined;
}

/** A replica of the stored personal circle. */
export function personalReplica(
  api: Caller,
  store: ReplicaStore,
  personal: PersonalCircle,
  clock: Clock,
): CircleReplica {
  return new CircleReplica(api, store, unb64uId(personal.circleId), unb64u(personal.genesisHash, 32), { clock });
}

/**
 * The personal circle's replica, making the circle at the server first when this vault has none
 * yet (genesis with this device as its admin, and the epoch-0 key sealed to itself).
 *
 * Contract: the new circle's ids are sealed in the vault before anything is sent, so a lost
 * answer never makes a second circle; a `conflict` from the server for the same id means an
 * earlier attempt arrived, and is taken as made.
 */
export async function ensurePersonal(api: Caller, store: ReplicaStore, clock: Clock): Promise<CircleReplica> {
  const personal = (await readPersonal(store)) ?? (await planPersonal(store));
  if (!personal.created) await createAtServer(api, store, personal);
  return personalReplica(api, store, personal, clock);
}

/** A planned circle: what the vault keeps before the server has it. */
export type PlannedCircle = Required<Pick<PersonalCircle, 'circleId' | 'genesisHash' | 'genesis' | 'keyEnvelope'>>;

/** A new circle with `device` as its first admin: a genesis entry, and the epoch-0 key sealed to the device itself. */
export async function planCircle(device: DeviceKeys): Promise<PlannedCircle> {
  const circleId = randomBytes(ID_BYTES);
  const key = newEpochKey();
  try {
    const genesis = await makeGenesis(device, circleId, key);
    const keyEnvelope = await sealKeyEnvelope(circleId, 0, device.public, key);
    return { circleId: b64u(circleId), genesisHash: b64u(await entryHash(genesis)), genesis, keyEnvelope };
  } finally {
    key.fill(0);
  }
}

/** Makes a planned circle at the server; a `circle_exists` answer means an earlier attempt arrived, its answer lost. */
export async function postCircle(api: Caller, planned: PlannedCircle): Promise<void> {
  try {
    await api.call('POST', '/v1/circles', {
      circle_id: planned.circleId,
      genesis: planned.genesis,
      key_envelope: planned.keyEnvelope,
    });
  } catch (error) {
    // The log's verification against the genesis hash then shows whether it really is ours.
    if (!(error instanceof ApiError && error.code === 'circle_exists')) throw error;
  }
}

async function planPersonal(store: ReplicaStore): Promise<PersonalCircle> {
  const personal: PersonalCircle = { ...(await planCircle(store.deviceKeys)), created: false };
  await store.setState(PERSONAL, personal);
  return personal;
}

async function createAtServer(api: Caller, store: ReplicaStore, personal: PersonalCircle): Promise<void> {
  await postCircle(api, personal as PlannedCircle);
  await store.setState(PERSONAL, {
    circleId: personal.circleId,
    genesisHash: personal.genesisHash,
    created: true,
  } satisfies PersonalCircle);
}

/** Makes `circleId` at `genesisHash` this vault's personal circle (a device that joined by a link). */
export async function adoptPersonal(store: ReplicaStore, circleId: Uint8Array, genesisHash: Uint8Array): Promise<void> {
  await store.setState(PERSONAL, {
    circleId: b64u(circleId),
    genesisHash: b64u(genesisHash),
    created: true,
  } satisfies PersonalCircle);
}

/**
 * Runs work on the personal circle. The server answers 404 for a circle this device is not a
 * member of: for the personal circle, made or joined before, that means another of the person's
 * devices removed this one.
 */
export async function removedHere<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new ApiError(404, DEVICE_REMOVED, error.code);
    throw error;
  }
}
