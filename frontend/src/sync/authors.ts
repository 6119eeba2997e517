/**
 * Whose revisions count, by kind (PROTOCOL §16). A record's signature proves who wrote it (§7);
 * these rules say whether that member may write it: a member cannot rename the circle, pass words
 * off as the survivor's shared plan, rename another member, or rewrite another's check-in.
 */
import type { CircleState } from '../crypto/membership';
import type { Revision } from '../storage/transitions';
import type { SyncedKind } from './bodies';

export interface Revising {
  readonly recordId: string;
  /** The revision's verified author (b64u device id). */
  readonly author: string;
  readonly circleId: string;
  readonly state: CircleState;
  /** The revision this device holds of the record, or null. */
  readonly base: Revision | null;
}

/** The device that wrote a revision, from its hlc (`<ms>-<counter>-<author>`, §7). */
export function hlcAuthor(hlc: string): string {
  return hlc.slice(hlc.lastIndexOf('-') + 1);
}

/** When a revision was written (ms since the Unix epoch), from its hlc. */
export function hlcTime(hlc: string): number {
  return Number(hlc.slice(0, 13));
}

/** Whether `revising.author` may write this revision of a record of `kind`. */
export function mayWrite(kind: SyncedKind, revising: Revising): boolean {
  const { recordId, author, state, base } = revising;
  switch (kind) {
    case 'circle':
      return recordId === revising.circleId && state.members.get(author)?.role === 'admin';
    case 'shared-plan':
    case 'shared-ally':
      return state.members.get(author)?.role === 'admin';
    case 'member':
      return recordId === author;
    case 'checkin':
      return base === null || hlcAuthor(base.hlc) === author;
    default:
      return true;
  }
}
