/**
 * Keeping a shared circle readable for the members it admits later (PROTOCOL §16). A new member
 * gets the current epoch's key only, so what describes the circle must be sealed under it: a
 * device seals again, unchanged, each record it owns of that kind — its own name and shared
 * copies, and as an admin the circle's name (also when the admin who wrote it left by their own
 * leave) — that some member now cannot open: one sealed under an epoch in which neither that
 * member nor its person was a member. Notes and check-ins are not: they stay with those who were
 * there when they were written.
 *
 * Not at every new epoch: an `add` is let in only where its epoch began, with nothing placed under
 * it (§8, "Rotate before add"), so sealing again at the admin's `rotate` helps nobody, and it moves
 * the change log under the admin, whose add is refused (`changes_moved`); the admin rotates again,
 * every member sealed again at that rotate, and on a busy circle the add never landed. Asked per
 * record, a device whose records every member can open writes nothing at a bare epoch, and one that
 * missed a newcomer's epoch still seals for it at the next.
 */
import { type CircleState, personOf } from '../../crypto/membership';
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
    .filter(
      (r) =>
        !r.unsynced &&
        mine(r.kind, writerOf(r, me)) &&
        (r.epoch ?? -1) < state.epoch &&
        someCannotOpen(state, r.epoch ?? -1),
    );
  for (const record of stale) await store.put(record.kind, record.id, record.body, circleId);
  return stale.length > 0;
}

/**
 * Whether a member now, with every device of its person, was no member during `epoch`: it holds no
 * key of it (a person's devices read the epochs of its other devices through its keyring, §16). A
 * record of no known epoch (-1) is one nobody is known to open.
 */
function someCannotOpen(state: CircleState, epoch: number): boolean {
  const during = state.epochMembers.get(epoch) ?? new Set<string>();
  return [...state.members.keys()].some((id) => !during.has(id) && !during.has(personOf(state, id)));
}
