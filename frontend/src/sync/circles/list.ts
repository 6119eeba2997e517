/**
 * The shared circles this device is in (or was in), kept sealed in the vault: each with the trust
 * anchor of its membership log (its genesis hash), and what the person should know about it.
 *
 * A circle this device starts is planned in the vault first (its genesis and first key envelope),
 * so a lost answer from the server never makes a second circle; the sync engine makes it at the
 * server on its next sync.
 */
import { unb64u, unb64uId } from '../../crypto/encoding';
import type { SignedObject } from '../../crypto/signed';
import type { DeviceIdentity, StateStore } from '../../storage';
import type { KeyEnvelope } from '../../wire/api';
import type { Clock } from '../replica/clock';
import { type PlannedCircle, planCircle, postCircle } from '../replica/personal';
import { type Caller, CircleReplica, type ReplicaOptions, type ReplicaStore } from '../replica/replica';

const CIRCLES = 'shared-circles';

/** `member` while this device syncs it; `removed` once the server says it is no longer a member (removed, or it left). */
export type CircleStanding = 'member' | 'removed' | 'left';

export interface StoredCircle {
  readonly circleId: string;
  readonly genesisHash: string;
  readonly standing: CircleStanding;
  /**
   * Found in the person's keyring (PROTOCOL §16, "A person's circles") and not synced yet: the
   * server says `not_found` until one of the person's devices lets this one in, which is waiting,
   * not a removal. Cleared by the first sync of it that succeeds.
   */
  readonly awaiting?: true;
  /** Present until the server has made a circle this device started. */
  readonly planned?: { readonly genesis: SignedObject; readonly keyEnvelope: KeyEnvelope };
}

/** Every shared circle this vault knows, in the order it learned them. */
export async function storedCircles(store: Pick<StateStore, 'getState'>): Promise<StoredCircle[]> {
  const stored = await store.getState(CIRCLES);
  return Array.isArray(stored) ? (stored as StoredCircle[]) : [];
}

async function saveCircles(store: Pick<StateStore, 'setState'>, circles: readonly StoredCircle[]): Promise<void> {
  await store.setState(CIRCLES, circles);
}

/** Adds (or replaces) a circle in the list. */
export async function keepCircle(store: StateStore, circle: StoredCircle): Promise<void> {
  const others = (await storedCircles(store)).filter((c) => c.circleId !== circle.circleId);
  await saveCircles(store, [...others, circle]);
}

/** Sets a circle's standing; a circle not in the list is left alone. */
export async function setStanding(store: StateStore, circleId: string, standing: CircleStanding): Promise<void> {
  const circles = await storedCircles(store);
  if (!circles.some((c) => c.circleId === circleId)) return;
  await saveCircles(
    store,
    circles.map((c) => (c.circleId === circleId ? { ...c, standing } : c)),
  );
}

/** Plans a new circle with this device as its admin and keeps it in the list; the sync engine makes it at the server. */
export async function startCircle(store: DeviceIdentity & StateStore): Promise<StoredCircle> {
  const planned: PlannedCircle = await planCircle(store.deviceKeys);
  const circle: StoredCircle = {
    circleId: planned.circleId,
    genesisHash: planned.genesisHash,
    standing: 'member',
    planned: { genesis: planned.genesis, keyEnvelope: planned.keyEnvelope },
  };
  await keepCircle(store, circle);
  return circle;
}

/** Makes a planned circle at the server (once), then forgets the plan. */
export async function ensureMade(api: Caller, store: StateStore, circle: StoredCircle): Promise<StoredCircle> {
  if (circle.planned === undefined) return circle;
  await postCircle(api, { circleId: circle.circleId, genesisHash: circle.genesisHash, ...circle.planned });
  const made: StoredCircle = { circleId: circle.circleId, genesisHash: circle.genesisHash, standing: circle.standing };
  await keepCircle(store, made);
  return made;
}

/** A replica of a stored shared circle. */
export function sharedReplica(
  api: Caller,
  store: ReplicaStore,
  circle: Pick<StoredCircle, 'circleId' | 'genesisHash'>,
  clock: Clock,
  extra: Pick<ReplicaOptions, 'keyring' | 'ownDevices'> = {},
): CircleReplica {
  return new CircleReplica(api, store, unb64uId(circle.circleId), unb64u(circle.genesisHash, 32), {
    clock,
    shared: true,
    ...extra,
  });
}
