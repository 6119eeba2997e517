/**
 * A recovery's hand-over of the person's shared circles (PROTOCOL §15, §16 "A person's circles"):
 * the escrow's recovery identity is a companion of the person in each of their shared circles, so
 * it lets the new device in as its own companion there, with the current key; the keyring gives
 * every older one. The lost device and the recovery identity are then removed from each circle by
 * the new device's first sync of it, as devices of the person its personal circle no longer has.
 */
import { sealKeyEnvelope } from '../../crypto/circleKeys';
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { type DeviceKeys, type PublicIdentity, verifyIdentity } from '../../crypto/identity';
import { heldEpochKeys, makeCompanion, mustRotate, verifyLog } from '../../crypto/membership';
import type { SignedObject } from '../../crypto/signed';
import type { Records } from '../../storage';
import type { CirclePublic, KeysPublic, LogPublic } from '../../wire/api';
import { MAX_REBASES } from '../replica/replica';
import { ApiError } from '../transport/api';
import type { Connection } from '../transport/connection';

/**
 * As `recovery` (signed in as `asRecovery`), lets `joiner` in as its companion in every circle
 * the keyring links. Each circle is skipped when `joiner` is in already (a retry), when the
 * recovery identity is not a member there (an escrow older than this rule: the circle is lost to
 * this recovery), or when its current key may not be used (another device of the person rotates
 * and lets it in later).
 */
export async function letInToEveryCircle(
  store: Records,
  asRecovery: Connection,
  recovery: DeviceKeys,
  joiner: SignedObject,
): Promise<void> {
  const publicJoiner = await verifyIdentity(joiner);
  for (const link of await store.list('circle-link')) {
    const genesisHash = unb64u(link.body.genesisHash, 32);
    await letIn(asRecovery, recovery, link.body.circle, genesisHash, { signed: joiner, public: publicJoiner });
  }
}

async function letIn(
  api: Connection,
  recovery: DeviceKeys,
  id: string,
  genesisHash: Uint8Array,
  joiner: { readonly signed: SignedObject; readonly public: PublicIdentity },
): Promise<void> {
  const joinerId = b64u(joiner.public.deviceId);
  const path = `/v1/circles/${id}`;
  for (let attempt = 0; attempt <= MAX_REBASES; attempt++) {
    let log: LogPublic;
    try {
      log = await api.call<LogPublic>('GET', `${path}/log`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return;
      throw error;
    }
    const state = await verifyLog(unb64uId(id), genesisHash, log.data);
    if (state.members.has(joinerId) || mustRotate(state)) return;
    const { data } = await api.call<KeysPublic>('GET', `${path}/keys`);
    const held = await heldEpochKeys(data, state, recovery.public.deviceId, recovery.kemPrivate, true);
    const key = held.keys.get(state.epoch);
    if (key === undefined) return;
    // A companion needs no rotate first (§8), so no pull either: the server's position orders it.
    const { change_seq } = await api.call<CirclePublic>('GET', path);
    const role = state.members.get(b64u(recovery.public.deviceId))?.role ?? 'member';
    const entry = makeCompanion(recovery, state, joiner.signed, role, change_seq);
    const envelope = await sealKeyEnvelope(unb64uId(id), state.epoch, joiner.public, key);
    try {
      await api.call('POST', `${path}/log`, { entry, key_envelopes: [envelope] });
      return;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'changes_moved') throw error;
    } finally {
      for (const k of held.keys.values()) k.fill(0);
    }
  }
}
