/** The documents the app keeps, typed for the UI; stored and synced as JSON objects. */
import { b64u, ID_BYTES, unb64uId } from '../crypto/encoding';
import { randomBytes } from '../crypto/primitives';
import type { Conflict } from '../records/merge';

/** Values another device's concurrent edit replaced, kept for the person to look at (PROTOCOL §7). */
export type WithConflicts = { readonly _conflicts?: readonly Conflict[] };

/** One answer of the guided plan: private unless the person marks it shareable. */
export type PlanAnswer = WithConflicts & {
  /** Which guided section this answers (a stable section key, not words the person wrote). */
  readonly section: string;
  readonly answer: string;
  readonly shareable: boolean;
  /** Ids of ally records this answer is linked to. */
  readonly allyIds: readonly string[];
};

export type AllyRole = 'supports-me' | 'supports-person-doing-harm' | 'facilitator' | 'supports-allies';
export type AllyStatus = 'ally' | 'maybe' | 'barrier';

/** A person on the map of possible allies and barriers: always private, never shared. */
export type Ally = WithConflicts & {
  /** A name or nickname. */
  readonly name: string;
  /** How to reach them. */
  readonly reach: string;
  readonly roles: readonly AllyRole[];
  readonly whatTheyKnow: string;
  readonly whatIWantThemToKnow: string;
  readonly availability: string;
  readonly trustNotes: string;
  readonly status: AllyStatus;
};

/**
 * One of the person's own devices, as it names itself. Its record id is its device id; it goes
 * only to the personal circle (the person's own devices), never to a shared one.
 */
export type DeviceNote = WithConflicts & {
  /** A name the person recognises, e.g. "Android phone"; they can change it. */
  readonly name: string;
  /** The last day it synced (YYYY-MM-DD, its own calendar): a day, so it says little about habits. */
  readonly seenOn: string;
};

/**
 * One of the survivor's choices to share a record with a circle, kept in their personal circle (so
 * their own devices know it, and nobody else does).
 */
export type Share = WithConflicts & {
  /** The shared circle's id (b64u). */
  readonly circle: string;
  /** The plan answer or ally record shared. */
  readonly source: string;
  /** The copy in the circle: a `shared-plan` or `shared-ally` record the app keeps in step with `source`. */
  readonly copy: string;
};

export type CirclePurpose = 'supports-me' | 'supports-person-doing-harm' | 'supports-allies' | 'other';

/** A circle's name and purpose, one record per circle (its record id is the circle id), written by its admins. */
export type CircleInfo = WithConflicts & {
  readonly name: string;
  readonly purpose: CirclePurpose;
  /** Members (device ids) the admins name as facilitators of this circle. */
  readonly facilitators: readonly string[];
};

/** How a member shows to the others: only its author writes it; a member's name is the newest one they wrote. */
export type MemberProfile = WithConflicts & {
  readonly name: string;
};

/** A plan answer the survivor shared with a circle: the words only, never who it names. */
export type SharedPlan = WithConflicts & {
  readonly section: string;
  readonly answer: string;
};

/** An ally entry the survivor shared with a circle: how to reach them and what they do, never trust notes or what they know. */
export type SharedAlly = WithConflicts & {
  readonly name: string;
  readonly reach: string;
  readonly roles: readonly AllyRole[];
  readonly availability: string;
};

/** A note any member of a circle may write and edit. */
export type Note = WithConflicts & {
  readonly title: string;
  readonly text: string;
};

export type Feeling = 'okay' | 'struggling' | 'need-break';

/** A short post of how a member is doing and what they need; never where they are. Only its author edits it. */
export type CheckIn = WithConflicts & {
  readonly feeling: Feeling;
  readonly text: string;
  readonly need: string;
  /** While on a break: the member (device id) who speaks for the author meanwhile; empty otherwise. */
  readonly speaksFor: string;
};

/** This app's settings. */
export type AppSettings = WithConflicts & {
  readonly serverUrl: string;
  readonly lockAfterMinutes: number;
  /** Where quick exit goes: a neutral page. */
  readonly quickExitUrl: string;
  /** What the organisation gave for a server that asks one before a device may sync; sent once, at registration. */
  readonly registrationCode?: string;
};

export interface RecordBodies {
  readonly plan: PlanAnswer;
  readonly ally: Ally;
  readonly device: DeviceNote;
  readonly share: Share;
  readonly circle: CircleInfo;
  readonly member: MemberProfile;
  readonly 'shared-plan': SharedPlan;
  readonly 'shared-ally': SharedAlly;
  readonly note: Note;
  readonly checkin: CheckIn;
  readonly settings: AppSettings;
}

export type RecordKind = keyof RecordBodies;
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
