/**
 * The person's private map of allies: who stands where, and the toolkit's cautions that go with it.
 * Pure functions over ally documents; the words they lead to are in strings.ts.
 */
import { ALLY_STATUSES, type Ally, type AllyStatus, type CirclePurpose } from '../records';

/** One standing on the map with the people in it, in the order they were given. */
export interface StandingGroup<T> {
  readonly standing: AllyStatus;
  readonly allies: readonly T[];
}

/**
 * The allies grouped by where they stand: with me, then maybe, then careful (the schema's order).
 * A standing nobody holds is left out, so the map never shows an empty heading; the order of
 * people inside a group is the order they came in.
 */
export function byStanding<T extends { readonly body: Pick<Ally, 'status'> }>(
  allies: readonly T[],
): StandingGroup<T>[] {
  return ALLY_STATUSES.map((standing) => ({
    standing,
    allies: allies.filter((a) => a.body.status === standing),
  })).filter((group) => group.allies.length > 0);
}

/**
 * Whether one person both supports the survivor and works with the person who did harm: the
 * toolkit warns that those helping the person doing harm may not be the best people to closely
 * support the survivor, so the app flags it (never forbids it).
 */
export function holdsBothRoles(ally: Pick<Ally, 'roles'>): boolean {
  return ally.roles.includes('supports-me') && ally.roles.includes('supports-person-doing-harm');
}

/**
 * What to say before inviting this person to a circle of this purpose:
 * - `careful`: the person marked them as someone to be careful with;
 * - `works-with-harm`: they work with the person who did harm, and the circle is there to support
 *   the survivor closely.
 * Empty when nothing needs saying. A caution asks the person to think; it never stops the invite.
 */
export type InviteCaution = 'careful' | 'works-with-harm';

export function inviteCautions(ally: Pick<Ally, 'roles' | 'status'>, purpose: CirclePurpose): InviteCaution[] {
  const cautions: InviteCaution[] = [];
  if (ally.status === 'barrier') cautions.push('careful');
  if (purpose === 'supports-me' && ally.roles.includes('supports-person-doing-harm')) cautions.push('works-with-harm');
  return cautions;
}

/**
 * Whether sharing with a circle of this purpose calls for the toolkit's caution: the people who
 * help the person doing harm take responsibility are often not the ones to hold the survivor's
 * private words.
 */
export function sharingCaution(purpose: CirclePurpose): boolean {
  return purpose === 'supports-person-doing-harm';
}
