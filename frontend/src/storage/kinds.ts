/** The kinds of record the app keeps, and their ids. */
import { b64u, ID_BYTES, unb64uId } from '../crypto/encoding';
import { randomBytes } from '../crypto/primitives';
import type { RecordKind } from '../records/kinds';

export const RECORD_KINDS: readonly RecordKind[] = [
  'plan',
  'ally',
  'device',
  'share',
  'circle',
  'member',
  'shared-plan',
  'shared-ally',
  'note',
  'checkin',
  'settings',
];

/** Kinds kept in the person's own (personal) circle. */
export const PERSONAL_KINDS = ['plan', 'ally', 'device', 'share'] as const;
/** Kinds kept in a shared circle, each record bound to it. */
export const CIRCLE_KINDS = ['circle', 'member', 'shared-plan', 'shared-ally', 'note', 'checkin'] as const;
export type PersonalKind = (typeof PERSONAL_KINDS)[number];
export type CircleKind = (typeof CIRCLE_KINDS)[number];

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value);
}

/**
 * Whether the person may choose to share this record with a circle (as a copy, see Share): a plan
 * answer they marked shareable, or an ally entry of someone who is an ally (never a maybe or a
 * barrier). Settings and everything else never are.
 */
export function isShareable(kind: RecordKind, body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  if (kind === 'plan') return (body as { shareable?: unknown }).shareable === true;
  return kind === 'ally' && (body as { status?: unknown }).status === 'ally';
}

/** A new record id: 16 random bytes as b64u, so an IndexedDB key says nothing about its content. */
export function newRecordId(): string {
  return b64u(randomBytes(ID_BYTES));
}

/** Contract: an id that is not 16 bytes of canonical b64u is a RangeError (a caller's bug, never stored). */
export function checkRecordId(id: string): void {
  try {
    unb64uId(id);
  } catch {
    throw new RangeError('a record id is 16 bytes as b64u: use newRecordId');
  }
}
