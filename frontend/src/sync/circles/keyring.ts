/**
 * The person's keyring in the app (PROTOCOL §16, "A person's circles"): each shared circle this
 * device holds goes into the personal circle as a `circle-link` and one `circle-key` per epoch key,
 * so every other device of the person (one linked later, a phone recovered with the recovery key)
 * finds the circle and reads its history; a device that finds a link it does not hold yet keeps
 * the circle, and syncs it once one of the person's devices has let it in.
 */
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { type JsonObject, jsonEqual } from '../../crypto/json';
import { checkedKey, keyBody, keyRecordId, linkBody, linkRecordId } from '../../crypto/keyring';
import type { CircleState } from '../../crypto/membership';
import type { Records, StateStore } from '../../storage';
import { keepCircle, storedCircles } from './list';

type KeyringStore = Records & StateStore;

/**
 * Writes the circle's link and a key record for each key held that has none yet. The ids are
 * derived, so every device of the person writes the same record with the same body; nothing is
 * written when it is there already, so a sync that changes nothing writes nothing.
 */
export async function keepKeyring(
  store: KeyringStore,
  personalId: string,
  circle: { readonly circleId: string; readonly genesisHash: string },
  keys: ReadonlyMap<number, Uint8Array>,
): Promise<void> {
  const [personal, circleId] = [unb64uId(personalId), unb64uId(circle.circleId)];
  const link = linkBody(circleId, unb64u(circle.genesisHash, 32));
  await putOnce(store, 'circle-link', b64u(await linkRecordId(personal, circleId)), link);
  for (const [epoch, key] of keys) {
    const id = b64u(await keyRecordId(personal, circleId, epoch));
    await putOnce(store, 'circle-key', id, keyBody(circleId, epoch, key));
  }
}

async function putOnce(store: KeyringStore, kind: 'circle-link' | 'circle-key', id: string, wire: JsonObject) {
  const { kind: _kind, ...body } = wire;
  const held = await store.get(kind, id);
  if (held !== undefined && jsonEqual(held.body, body)) return;
  await store.put(kind, id, body as never);
}

/** Deletes the circle's link once the person left it (its key records stay: they read the history the person had). */
export async function forgetLink(store: KeyringStore, personalId: string | undefined, circleId: string): Promise<void> {
  if (personalId === undefined) return;
  const id = b64u(await linkRecordId(unb64uId(personalId), unb64uId(circleId)));
  if ((await store.get('circle-link', id)) !== undefined) await store.remove('circle-link', id);
}

/**
 * The keyring's keys of the shared circle `state` verified, each checked against that log (§6
 * step 5). Only the person's own devices write the keyring, so a key that fails is refused, as
 * everything in the personal circle is: the rejection names the protocol's code.
 */
export async function keyringKeys(store: Records, state: CircleState): Promise<Map<number, Uint8Array>> {
  const id = b64u(state.circleId);
  const keys = new Map<number, Uint8Array>();
  for (const record of await store.list('circle-key')) {
    if (record.body.circle !== id) continue;
    const { epoch, key } = await checkedKey({ kind: 'circle-key', ...record.body }, state);
    keys.set(epoch, key);
  }
  return keys;
}

/**
 * Keeps every circle the keyring links that this vault does not know yet, as `awaiting`: the
 * server answers `not_found` until one of the person's devices lets this one in, and the circle
 * is not shown until its first sync succeeds.
 */
export async function adoptLinkedCircles(store: KeyringStore): Promise<void> {
  const known = new Set((await storedCircles(store)).map((c) => c.circleId));
  for (const record of await store.list('circle-link')) {
    const { circle, genesisHash } = record.body;
    if (known.has(circle)) continue;
    await keepCircle(store, { circleId: circle, genesisHash, standing: 'member', awaiting: true });
    known.add(circle);
  }
}
