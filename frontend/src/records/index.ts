/**
 * The app's documents, the bottom layer beside crypto/: each kind's body as the shared schema
 * defines it, and the pure functions on bodies. The only place these are written; it imports the
 * JSON helpers and the generated wire types, nothing of storage, sync or the UI.
 */

export { hlcAuthor, hlcTime, mayWrite, memberNames, type Revising, type Written, writerOf } from './authors';
export { fromWire, isId, toWire } from './bodies';
export type {
  Ally,
  AllyRole,
  AllyStatus,
  AppSettings,
  CheckIn,
  CircleInfo,
  CircleKind,
  CirclePurpose,
  Conflict,
  DeviceNote,
  Feeling,
  MemberProfile,
  Note,
  PersonalKind,
  PlanAnswer,
  RecordBodies,
  RecordKind,
  Share,
  SharedAlly,
  SharedPlan,
  SyncedKind,
  WithConflicts,
} from './kinds';
export {
  ALLY_ROLES,
  ALLY_STATUSES,
  CIRCLE_KINDS,
  CIRCLE_PURPOSES,
  FEELINGS,
  isRecordKind,
  isShareable,
  isSyncedKind,
  PERSONAL_KINDS,
  RECORD_KINDS,
  SYNCED_KINDS,
} from './kinds';
export { merge, type SideClocks } from './merge';
export { mergeText, type Span, TEXT_MEMBERS, units } from './textMerge';
