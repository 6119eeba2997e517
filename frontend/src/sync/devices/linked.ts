/**
 * The person's own devices: the members of their personal circle. Each device names itself in an
 * encrypted `device` record whose id is its device id, so the server never learns a name, and
 * notes the day it last synced, at most once a day, so the note says little about habits.
 */
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { deviceKeysFrom } from '../../crypto/identity';
import { type DeviceIdentity, ESCROW_IDENTITIES, type Records, type StateStore } from '../../storage';
import type { CircleReplica } from '../replica/replica';

export interface LinkedDevice {
  readonly id: string;
  /** The name it gave itself; empty until it has synced one. */
  readonly name: string;
  /** The last day it synced (YYYY-MM-DD); empty when not known yet. */
  readonly seenOn: string;
  readonly thisDevice: boolean;
}

export type DeviceStore = DeviceIdentity & Records;

/** The longest name a device may have. */
export const MAX_DEVICE_NAME = 60;

/** The device's calendar day at `now`, YYYY-MM-DD. */
export function dayOf(now: number): string {
  const date = new Date(now);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

/** What kind of device this is, by what the browser says it runs on; ui/strings.ts has its words. */
export type DeviceKind =
  | 'ipad'
  | 'iphone'
  | 'android-phone'
  | 'android-tablet'
  | 'chromebook'
  | 'mac'
  | 'windows'
  | 'linux'
  | 'other';

/** The kind a first name for this device is made from (in the person's language); they can change it. */
export function guessDeviceKind(userAgent: string = globalThis.navigator?.userAgent ?? ''): DeviceKind {
  const kinds: [RegExp, DeviceKind][] = [
    [/iPad/, 'ipad'],
    [/iPhone/, 'iphone'],
    [/Android.*Mobile/, 'android-phone'],
    [/Android/, 'android-tablet'],
    [/CrOS/, 'chromebook'],
    [/Macintosh/, 'mac'],
    [/Windows/, 'windows'],
    [/Linux/, 'linux'],
  ];
  return kinds.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'other';
}

/**
 * Writes this device's note when it has none or it names another day; a no-op otherwise. A new
 * note takes `firstName`, the words the app has for this kind of device (sync keeps no words).
 */
export async function noteThisDevice(store: DeviceStore, now: number, firstName: string): Promise<void> {
  const id = store.deviceId;
  const mine = await store.get('device', id);
  const seenOn = dayOf(now);
  if (mine?.body.seenOn === seenOn) return;
  await store.put('device', id, { name: mine?.body.name ?? firstName, seenOn });
}

/**
 * Renames this device. Contract: a name that is empty after trimming or longer than
 * MAX_DEVICE_NAME is a RangeError, with nothing written.
 */
export async function renameThisDevice(store: DeviceStore, name: string, now: number): Promise<void> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_DEVICE_NAME)
    throw new RangeError(`a device name is 1 to ${MAX_DEVICE_NAME} characters`);
  await store.put('device', store.deviceId, { name: trimmed, seenOn: dayOf(now) });
}

/**
 * The members of the personal circle as the server's log says now (verified), this device first,
 * but for recovery identities (§15), this vault's and those another device noted (`recovery`):
 * they are recovery keys, not devices.
 */
export async function listDevices(circle: CircleReplica, store: DeviceStore & StateStore): Promise<LinkedDevice[]> {
  const state = await circle.refresh();
  const notes = new Map((await store.list('device')).map((record) => [record.id, record.body]));
  const self = store.deviceId;
  const recovery = await recoveryIdentityIds(store);
  const members = [...state.members.keys()].filter((id) => !recovery.has(id) && notes.get(id)?.recovery !== true);
  const devices = members.map((id) => ({
    id,
    name: notes.get(id)?.name ?? '',
    seenOn: notes.get(id)?.seenOn ?? '',
    thisDevice: id === self,
  }));
  return devices.sort((a, b) => Number(b.thisDevice) - Number(a.thisDevice) || a.name.localeCompare(b.name));
}

/** This device alone, before it syncs a plan: named as it will be once it does. */
export async function thisDeviceOnly(store: DeviceStore, now: number, firstName: string): Promise<LinkedDevice> {
  const mine = await store.get('device', store.deviceId);
  return {
    id: store.deviceId,
    name: mine?.body.name ?? firstName,
    seenOn: mine?.body.seenOn ?? dayOf(now),
    thisDevice: true,
  };
}

/**
 * Removes another of the person's devices from the personal circle with a new epoch key, and
 * deletes its note; a device no longer a member only has its note deleted. Contract: this device
 * itself is a RangeError (a device does not remove itself here; wiping it is the way).
 */
export async function removeDevice(circle: CircleReplica, store: DeviceStore, id: string): Promise<void> {
  if (id === store.deviceId) throw new RangeError('this device cannot remove itself');
  // Unlinked already (a retry after a lost answer, or another device was quicker): only the note is left to delete.
  if ((await circle.refresh()).members.has(id)) await circle.remove(unb64uId(id));
  if ((await store.get('device', id)) !== undefined) await store.remove('device', id);
}

async function recoveryIdentityIds(store: StateStore): Promise<Set<string>> {
  const kept = ((await store.getState(ESCROW_IDENTITIES)) ?? {}) as Record<
    string,
    { signSeed: string; kemPrivate: string }
  >;
  const keys = await Promise.all(
    Object.values(kept).map((k) => deviceKeysFrom(unb64u(k.signSeed, 32), unb64u(k.kemPrivate, 32))),
  );
  return new Set(keys.map((k) => b64u(k.public.deviceId)));
}
