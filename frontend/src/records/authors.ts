/**
 * Whose revisions count, by kind (PROTOCOL §16). A record's signature proves who wrote it (§7);
 * these rules say whether that member may write it: a member cannot rename the circle, or rewrite
 * another's shared copy, name or check-in. A member shares their own plan answers and allies (a
 * survivor who joined a facilitator's circle is a member there).
 */
import type { MemberProfile } from './kinds';

export interface Revising {
  readonly recordId: string;
  /** The revision's verified author (b64u device id). */
  readonly author: string;
  readonly circleId: string;
  /** Whether a device is an admin, in the log this device verified. */
  readonly isAdmin: (deviceId: string) => boolean;
  /** Who wrote the revision this device holds of the record, or null when it holds none. */
  readonly baseAuthor: string | null;
}

/** The device that wrote a revision, from its hlc (`<13 digits ms>-<4 hex counter>-<author>`, §7; b64u may itself hold `-`). */
export function hlcAuthor(hlc: string): string {
  return hlc.slice(HLC_AUTHOR_AT);
}

const HLC_AUTHOR_AT = '0000000000000-0000-'.length;

/** When a revision was written (ms since the Unix epoch), from its hlc. */
export function hlcTime(hlc: string): number {
  return Number(hlc.slice(0, 13));
}

/** Whether `revising.author` may write this revision of a record of `kind` (the `authors` vectors fix it). */
export function mayWrite(kind: string, revising: Revising): boolean {
  const { recordId, author, isAdmin, baseAuthor } = revising;
  switch (kind) {
    case 'circle':
      return recordId === revising.circleId && isAdmin(author);
    case 'shared-plan':
    case 'shared-ally':
      return isAdmin(author) || baseAuthor === null || baseAuthor === author;
    case 'member':
    case 'checkin':
      return baseAuthor === null || baseAuthor === author;
    default:
      return true;
  }
}

/** A record as storage holds it: its document, and the hlc of its last synced revision when it has one. */
export interface Written<B> {
  readonly hlc?: string;
  readonly body: B;
}

/** Who wrote a record: the author of its last synced revision, or this device (`me`) for one never synced. */
export function writerOf(record: { readonly hlc?: string }, me: string): string {
  return record.hlc === undefined ? me : hlcAuthor(record.hlc);
}

/** Each member's name (by device id): the newest `member` record they wrote (PROTOCOL §16). */
export function memberNames(records: readonly Written<MemberProfile>[], me: string): Map<string, string> {
  const newest = new Map<string, Written<MemberProfile>>();
  for (const record of records) {
    const writer = writerOf(record, me);
    const held = newest.get(writer);
    if (held === undefined || (record.hlc ?? '~') > (held.hlc ?? '~')) newest.set(writer, record);
  }
  return new Map([...newest].map(([writer, record]) => [writer, record.body.name]));
}
