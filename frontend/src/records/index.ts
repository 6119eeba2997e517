/**
 * The app's documents, the bottom layer beside crypto/: each kind's body as the shared schema
 * defines it, and the pure functions on bodies. The only place these are written; it imports the
 * JSON helpers and the generated wire types, nothing of storage, sync or the UI.
 */

export type {
  Ally,
  AllyRole,
  AllyStatus,
  AppSettings,
  CheckIn,
  CircleInfo,
  CirclePurpose,
  Conflict,
  DeviceNote,
  Feeling,
  MemberProfile,
  Note,
  PlanAnswer,
  RecordBodies,
  RecordKind,
  Share,
  SharedAlly,
  SharedPlan,
  SyncedKind,
  WithConflicts,
} from './kinds';
export { merge, type SideClocks } from './merge';
