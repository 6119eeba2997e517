/**
 * Telling a removed device, and being told (§17). The device that unlinks another leaves it a
 * signed notice at the server; a device whose personal circle answers `not_found` reads its
 * notices and believes one only if its own last verified log makes the signer an admin. A bare
 * `not_found` (a server that lost or hides the circle, a proxy, a bug) never makes it wipe.
 */
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import type { DeviceKeys } from '../../crypto/identity';
import { isObject, parseJsonBytes } from '../../crypto/json';
import { entryHash, type Head, verifyLog } from '../../crypto/membership';
import type { SignedObject } from '../../crypto/signed';
import { makeUnlinkedNotice, verifyUnlinkedNotice } from '../../crypto/unlinked';
import type { UnlinkedNoticeList } from '../../wire/api';
import { readPersonal } from '../replica/personal';
import type { Caller, CircleReplica, ReplicaStore } from '../replica/replica';

/** The vault state name of the personal circle's last verified log, the removed device's only proof of who its admins were. */
const KEPT_LOG = 'personal-log';

/** Keeps the personal circle's log as last verified, sealed in the vault like every other state. */
export async function keepVerifiedLog(store: ReplicaStore, circle: CircleReplica): Promise<void> {
  const kept = await store.getState(KEPT_LOG);
  if (circle.log.length > 0 && (!Array.isArray(kept) || kept.length !== circle.log.length)) {
    await store.setState(KEPT_LOG, circle.log);
  }
}

/** The newest `remove` of `deviceId` in the log `circle` last verified. */
async function removalOf(circle: CircleReplica, deviceId: string): Promise<Head | undefined> {
  for (let seq = circle.log.length - 1; seq > 0; seq -= 1) {
    const entry = circle.log[seq]!;
    const payload = parseJsonBytes(unb64u(entry.payload));
    if (isObject(payload) && payload['op'] === 'remove' && payload['device_id'] === deviceId) {
      return { seq, hash: await entryHash(entry) };
    }
  }
  return undefined;
}

/**
 * Leaves the device `id` the notice of its removal, which `circle`'s log (just refreshed) holds;
 * nothing when it holds none (the device left, or was never a member).
 */
export async function tellRemoved(api: Caller, keys: DeviceKeys, circle: CircleReplica, id: string): Promise<void> {
  const removal = await removalOf(circle, id);
  if (removal === undefined) return;
  const notice = makeUnlinkedNotice(keys, circle.circleId, unb64uId(id), removal);
  await api.call('PUT', `/v1/circles/${circle.id}/unlinked/${id}`, { notice });
}

/**
 * Whether one of the person's own devices signed that it removed this one: a notice at the server
 * that passes §17's checks against the log this device kept. False when there is none, when
 * none passes, or when this device kept no log to check one with.
 */
export async function unlinkedByOwnDevice(api: Caller, store: ReplicaStore): Promise<boolean> {
  const personal = await readPersonal(store);
  const kept = await store.getState(KEPT_LOG);
  if (personal === undefined || !Array.isArray(kept) || kept.length === 0) return false;
  let state: Awaited<ReturnType<typeof verifyLog>>;
  try {
    state = await verifyLog(unb64uId(personal.circleId), unb64u(personal.genesisHash, 32), kept);
  } catch {
    return false;
  }
  const { data } = await api.call<UnlinkedNoticeList>('GET', '/v1/unlinked');
  const me = store.deviceKeys.public.deviceId;
  return data.some((notice: SignedObject) => {
    try {
      return b64u(verifyUnlinkedNotice(notice, state, me).deviceId) === b64u(me);
    } catch {
      return false;
    }
  });
}
