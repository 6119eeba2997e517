/**
 * What the survivor shares with each circle: only on purpose, piece by piece (docs/architecture.md §1).
 *
 * Nothing is shared by default. Sharing a plan answer or an ally with a circle writes a `share`
 * record in the personal circle and a copy in the shared circle (PROTOCOL §16): a copy, so the
 * circle's key, not the personal one, encrypts it, and it holds only what a circle may see.
 * The copies follow their source on every sync (reconcileShares): an edit is shared too, and a
 * source deleted, or made private again, is taken back. Un-sharing deletes the copy from the
 * circle; members who already read it may remember it, and the app says so.
 */
import { type JsonObject, jsonEqual } from '../../crypto/json';
import { type Ally, hlcAuthor, isShareable, type PlanAnswer, type SharedAlly, type SharedPlan } from '../../records';
import { type DeviceIdentity, type LocalRecord, newRecordId, type Outbox, type Records } from '../../storage';

export type ShareStore = DeviceIdentity & Records & Outbox;

type Copy =
  | { readonly kind: 'shared-plan'; readonly body: SharedPlan }
  | { readonly kind: 'shared-ally'; readonly body: SharedAlly };
const COPY_KINDS = ['shared-plan', 'shared-ally'] as const;

/** What a circle may see of a source record: a plan answer's words (not the allies it names), an ally's name, reach, roles and availability. */
export function copyOf(source: LocalRecord<'plan'> | LocalRecord<'ally'>): Copy | undefined {
  if (!isShareable(source.kind, source.body)) return undefined;
  if (source.kind === 'plan') {
    const { section, answer } = source.body as PlanAnswer;
    return { kind: 'shared-plan', body: { section, answer } };
  }
  const { name, reach, roles, availability } = source.body as Ally;
  return { kind: 'shared-ally', body: { name, reach, roles, availability } };
}

/** The source ids (plan answers and allies) shared with `circleId`. */
export async function sharedWith(store: ShareStore, circleId: string): Promise<Set<string>> {
  return new Set((await store.list('share')).filter((s) => s.body.circle === circleId).map((s) => s.body.source));
}

/**
 * Shares the plan answer or ally `sourceId` with `circleId`; sharing it again changes nothing.
 * Contract: a source that is not shareable (a private answer; a maybe or a barrier) is a
 * RangeError, and nothing is written.
 */
export async function share(store: ShareStore, circleId: string, sourceId: string): Promise<void> {
  const source = await readSource(store, sourceId);
  const copy = source === undefined ? undefined : copyOf(source);
  if (copy === undefined) throw new RangeError('only a shareable answer, or an ally, can be shared');
  if ((await sharedWith(store, circleId)).has(sourceId)) return;
  const copyId = newRecordId();
  // The share first: a copy is never left without the record that explains it.
  await store.put('share', newRecordId(), { circle: circleId, source: sourceId, copy: copyId });
  await store.put(copy.kind, copyId, copy.body, circleId);
}

/**
 * Stops sharing `sourceId` with `circleId`: its copy is deleted from the circle. Nobody admitted
 * later can open the words taken back: admitting starts a new epoch (CircleReplica.approve).
 */
export async function unshare(store: ShareStore, circleId: string, sourceId: string): Promise<void> {
  for (const s of await store.list('share')) {
    if (s.body.circle !== circleId || s.body.source !== sourceId) continue;
    await takeBack(store, s);
  }
}

async function takeBack(store: ShareStore, share: LocalRecord<'share'>): Promise<void> {
  await store.remove('share', share.id);
  await removeCopy(store, share.body.copy);
}

/**
 * Brings the copies in `circles` (the circles this device syncs as an admin) in step with their
 * sources: an edited source is copied again, a source deleted or no longer shareable is taken back
 * (share and copy), and a copy this device wrote whose share is gone (an un-share cut short) goes.
 */
export async function reconcileShares(store: ShareStore, circles: readonly string[]): Promise<void> {
  const shares = (await store.list('share')).filter((s) => circles.includes(s.body.circle));
  for (const s of shares) {
    const source = await readSource(store, s.body.source);
    const copy = source === undefined ? undefined : copyOf(source);
    if (copy === undefined) {
      await takeBack(store, s);
      continue;
    }
    const current = await store.get(copy.kind, s.body.copy);
    if (current === undefined || !jsonEqual(withoutConflicts(current.body), copy.body as unknown as JsonObject))
      await store.put(copy.kind, s.body.copy, copy.body, s.body.circle);
  }
  await removeOrphans(store, circles, new Set((await store.list('share')).map((s) => s.body.copy)));
}

async function removeOrphans(
  store: ShareStore,
  circles: readonly string[],
  copyIds: ReadonlySet<string>,
): Promise<void> {
  const me = store.deviceId;
  // Asked for at once, the lists share one read of the vault (Session.list).
  const copies = await Promise.all(circles.flatMap((circle) => COPY_KINDS.map((kind) => store.list(kind, circle))));
  for (const copy of copies.flat()) {
    const mine = copy.hlc === undefined || hlcAuthor(copy.hlc) === me;
    if (mine && !copyIds.has(copy.id)) await store.remove(copy.kind, copy.id);
  }
}

async function readSource(
  store: ShareStore,
  sourceId: string,
): Promise<LocalRecord<'plan'> | LocalRecord<'ally'> | undefined> {
  const place = await store.placeOf(sourceId);
  if (place === null || place.circle !== undefined) return undefined;
  if (place.kind === 'plan') return store.get('plan', sourceId);
  return place.kind === 'ally' ? store.get('ally', sourceId) : undefined;
}

async function removeCopy(store: ShareStore, copyId: string): Promise<void> {
  const place = await store.placeOf(copyId);
  if (place !== null && (place.kind === 'shared-plan' || place.kind === 'shared-ally'))
    await store.remove(place.kind, copyId);
}

function withoutConflicts(body: object): JsonObject {
  const { _conflicts: _ignored, ...rest } = body as JsonObject;
  return rest;
}
