/**
 * Keeping a shared circle readable for the members it admits later (PROTOCOL §16). A new member
 * gets the current epoch's key only, so what describes the circle must be sealed under it: once
 * someone was let in under the current epoch (an `add`), a device seals again, unchanged, the
 * records it owns of that kind — its own name and shared copies, and as an admin the circle's name
 * (also when the admin who wrote it left by their own leave). Notes and check-ins are not: they
 * stay with those who were there when they were written.
 *
 * Not after a bare new epoch: an `add` is let in only where its epoch began, with nothing placed
 * under it (§8, "Rotate before add"), so whatever is sealed again before the add helps nobody,
 * and it moves the change log under the admin, whose add is refused (`changes_moved`); the admin
 * rotates again, every member seals again at that rotate, and on a busy circle the add never lands.
 */
import type { CircleState } from '../../crypto/membership';
import { type CircleKind, writerOf } from '../../records';
import type { Records } from '../../storage';

const OWN_KINDS: readonly CircleKind[] = ['member', 'shared-plan', 'shared-ally'];
const ADMIN_KINDS: readonly CircleKind[] = [...OWN_KINDS, 'circle'];

/**
 * Seals again under the current epoch the records `me` owns in the circle and wrote under an
 * older (or unknown) one; resolves with whether any is waiting to be pushed.
 */
export async function resealOwn(
  store: Records,
  circleId: string,
  state: CircleState,
  me: string,
  own: ReadonlySet<string> = new Set(),
): Promise<boolean> {
  if (!admittedUnder(state)) return false;
  const kinds = state.members.get(me)?.role === 'admin' ? ADMIN_KINDS : OWN_KINDS;
  // The circle's name is kept by whichever admin is here when the admin who wrote it left by
  // their own leave (issue 17, hand-over). Never one a removed or demoted admin wrote: that edit
  // may be one made after losing the right, on a log the server held back from this device.
  // And the person's own (PROTOCOL §16, "A person's circles"): what another of their devices wrote.
  const mine = (kind: string, writer: string) =>
    writer === me || own.has(writer) || (kind === 'circle' && state.leftAdmins.has(writer));
  // Asked for at once, the lists share one read of the vault (Session.list).
  const lists = await Promise.all(kinds.map((kind) => store.list(kind, circleId)));
  const stale = lists
    .flat()
    .filter((r) => !r.unsynced && mine(r.kind, writerOf(r, me)) && (r.epoch ?? -1) < state.epoch);
  for (const record of stale) await store.put(record.kind, record.id, record.body, circleId);
  return stale.length > 0;
}

/**
 * Whether a member now began a person under the current epoch (an `add`, not a `companion`: a
 * person's other devices read older epochs through its keyring, §16). In epoch 0 nothing older
 * exists but a record of no known epoch, which is always sealed again.
 */
export function admittedUnder(state: CircleState): boolean {
  if (state.epoch === 0) return true;
  const before = state.epochMembers.get(state.epoch - 1) ?? new Set<string>();
  const during = state.epochMembers.get(state.epoch) ?? new Set<string>();
  return [...during].some((id) => !before.has(id) && state.members.has(id) && !state.persons.has(id));
}
