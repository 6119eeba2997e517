/**
 * The app's encrypted local storage: the only module that touches IndexedDB.
 *
 * IndexedDB holds ciphertext only (PROTOCOL §5 local items, each bound to its store and key),
 * under keys that reveal nothing, plus what must be read before unlocking: the vault object
 * (wrapped keys) and the attempt guard (a count, a time, a setting). The UI gets a Session by
 * unlocking and never sees a key; the sync engine reads the outbox and writes pulled revisions
 * through the same Session.
 */
export { LocalStore, type Attempts, type LocalStoreOptions } from './store';
export { ESCROW, ESCROW_RETIRED, type StoredEscrow } from './escrowState';
export { Session, type LocalRecord, type PendingChange, type RecordPlace } from './session';
export { StorageError, type StorageErrorCode } from './errors';
export { retryDelayMs, FREE_ATTEMPTS, MIN_WIPE_AFTER } from './guard';
export {
  isShareable,
  newRecordId,
  RECORD_KINDS,
  type Ally,
  type AllyRole,
  type AllyStatus,
  type AppSettings,
  type CheckIn,
  type CircleInfo,
  type CircleKind,
  type CirclePurpose,
  type DeviceNote,
  type Feeling,
  type MemberProfile,
  type Note,
  type PersonalKind,
  type Share,
  type SharedAlly,
  type SharedPlan,
  CIRCLE_KINDS,
  PERSONAL_KINDS,
  type PlanAnswer,
  type RecordBodies,
  type RecordKind,
  type WithConflicts,
} from './kinds';
export type { RemoteOutcome, RemoteRevision, Revision, SentChange } from './transitions';
export { requestPersistence, type Persistence } from './persistence';
export { BACKUP_MEDIA_TYPE } from './backup';
