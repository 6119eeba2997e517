/**
 * The documents the app keeps, one type per record kind. Each synced kind is the body that
 * shared_schema/schemas/record-body.schema.json (PROTOCOL §16) defines, as scripts/wire-types.ts
 * generates it into src/wire/types.ts, without its `kind` (storage keeps the kind beside the
 * document) and read-only for the app. A field, kind or value added to the schema appears here
 * with no edit; only this device's settings, which never leave it, are written by hand.
 */
import type { RecordBody } from '../wire/types';

/** Read-only down through its lists: the app replaces a document, it never edits one in place. */
type Frozen<T> = T extends readonly (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

/** One value another device's concurrent edit replaced; `hlc` says who wrote it and when, when known. */
export type Conflict = Frozen<NonNullable<RecordBody['_conflicts']>[number]>;

/** Values another device's concurrent edit replaced, kept for the person to look at (PROTOCOL §7). */
export type WithConflicts = { readonly _conflicts?: readonly Conflict[] };

/** Kinds that may leave the device, the schema's `kind` values: to the person's own devices, or to a shared circle. */
export type SyncedKind = RecordBody['kind'];

/** The document of a synced kind: its wire body less `kind`. */
type Document<K extends SyncedKind> = Frozen<Omit<Extract<RecordBody, { kind: K }>, 'kind' | '_conflicts'>> &
  WithConflicts;

type SyncedBodies = { readonly [K in SyncedKind]: Document<K> };

/** This app's settings: kept on each device, never synced, so not in the schema. */
export type AppSettings = WithConflicts & {
  readonly serverUrl: string;
  readonly lockAfterMinutes: number;
  /** Where quick exit goes: a neutral page. */
  readonly quickExitUrl: string;
  /** What the organisation gave for a server that asks one before a device may sync; sent once, at registration. */
  readonly registrationCode?: string;
};

/** The document of each kind. */
export interface RecordBodies extends SyncedBodies {
  readonly settings: AppSettings;
}

export type RecordKind = keyof RecordBodies;

/**
 * One answer of the guided plan: private unless the person marks it shareable. `section` is a
 * stable section key, never words the person wrote; `allyIds` are the ally records it is linked to.
 */
export type PlanAnswer = RecordBodies['plan'];

/**
 * A person on the map of possible allies and barriers (a name or nickname, how to reach them,
 * what they know…): always private, never shared as it is (see SharedAlly).
 */
export type Ally = RecordBodies['ally'];
export type AllyRole = Ally['roles'][number];
export type AllyStatus = Ally['status'];

/**
 * One of the person's own devices, as it names itself (a name the person recognises, e.g.
 * "Android phone"). Its record id is its device id; it goes only to the personal circle. It
 * was last seen on a day, not at a time, so it says little about habits.
 */
export type DeviceNote = RecordBodies['device'];

/**
 * One of the survivor's choices to share a record with a circle, kept in their personal circle (so
 * their own devices know it, and nobody else does): `source`, a plan answer or ally record, is
 * shared with `circle` as `copy`, a `shared-plan` or `shared-ally` record the app keeps in step.
 */
export type Share = RecordBodies['share'];

/** A circle's name and purpose, one record per circle (its record id is the circle id), written by its admins. */
export type CircleInfo = RecordBodies['circle'];
export type CirclePurpose = CircleInfo['purpose'];

/** How a member shows to the others: only its author writes it; a member's name is the newest one they wrote. */
export type MemberProfile = RecordBodies['member'];

/** A plan answer the survivor shared with a circle: the words only, never who it names. */
export type SharedPlan = RecordBodies['shared-plan'];

/** An ally entry the survivor shared with a circle: how to reach them and what they do, never trust notes or what they know. */
export type SharedAlly = RecordBodies['shared-ally'];

/** A note any member of a circle may write and edit. */
export type Note = RecordBodies['note'];

/** A short post of how a member is doing and what they need; never where they are. Only its author edits it. */
export type CheckIn = RecordBodies['checkin'];
export type Feeling = CheckIn['feeling'];

// The lists ------------------------------------------------------------------------------------
// Each is keyed by a generated type, so the compiler refuses a list that misses or invents a
// value the schema has; kinds.test.ts compares them with the schema file itself.

/** Every value of a string union, from an object with one key per value. */
const valuesOf = <T extends string>(each: Readonly<Record<T, true>>): readonly T[] => Object.keys(each) as T[];

export const ALLY_ROLES = valuesOf<AllyRole>({
  'supports-me': true,
  'supports-person-doing-harm': true,
  facilitator: true,
  'supports-allies': true,
});
export const ALLY_STATUSES = valuesOf<AllyStatus>({ ally: true, maybe: true, barrier: true });
export const CIRCLE_PURPOSES = valuesOf<CirclePurpose>({
  'supports-me': true,
  'supports-person-doing-harm': true,
  'supports-allies': true,
  other: true,
});
export const FEELINGS = valuesOf<Feeling>({ okay: true, struggling: true, 'need-break': true });

/** Where each synced kind is kept: the person's own (personal) circle, or a shared circle, each record bound to it. */
const PLACES = {
  plan: 'personal',
  ally: 'personal',
  device: 'personal',
  share: 'personal',
  'circle-link': 'personal',
  'circle-key': 'personal',
  circle: 'shared',
  member: 'shared',
  'shared-plan': 'shared',
  'shared-ally': 'shared',
  note: 'shared',
  checkin: 'shared',
} as const satisfies Readonly<Record<SyncedKind, 'personal' | 'shared'>>;

type KindsIn<P> = { [K in SyncedKind]: (typeof PLACES)[K] extends P ? K : never }[SyncedKind];
export type PersonalKind = KindsIn<'personal'>;
export type CircleKind = KindsIn<'shared'>;

const kindsIn = <K extends SyncedKind>(place: 'personal' | 'shared'): readonly K[] =>
  (Object.keys(PLACES) as SyncedKind[]).filter((kind) => PLACES[kind] === place) as K[];

/** Kinds kept in the person's own (personal) circle. */
export const PERSONAL_KINDS = kindsIn<PersonalKind>('personal');
/** Kinds kept in a shared circle, each record bound to it. */
export const CIRCLE_KINDS = kindsIn<CircleKind>('shared');
export const SYNCED_KINDS: readonly SyncedKind[] = [...PERSONAL_KINDS, ...CIRCLE_KINDS];
export const RECORD_KINDS: readonly RecordKind[] = [...SYNCED_KINDS, 'settings'];

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value);
}

export function isSyncedKind(kind: unknown): kind is SyncedKind {
  return typeof kind === 'string' && (SYNCED_KINDS as readonly string[]).includes(kind);
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
