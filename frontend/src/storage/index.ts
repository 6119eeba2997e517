/**
 * The app's encrypted local storage: the only module that touches IndexedDB.
 *
 * IndexedDB holds ciphertext only (PROTOCOL §5 local items, each bound to its store and key),
 * under keys that reveal nothing, plus what must be read before unlocking: the vault object
 * (wrapped keys) and the attempt guard (a count, a time, a setting). The UI gets a Session by
 * unlocking and never sees a key; the sync engine reads the outbox and writes pulled revisions
 * through the same Session. Each caller names only the jobs of a Session it uses (roles.ts:
 * Records, Outbox, ReplicaState, VaultSecrets, DeviceIdentity), never the whole of it.
 */

export { STORAGE_ERROR_CODES, StorageError, type StorageErrorCode } from './errors';
export { ESCROW, ESCROW_IDENTITIES, ESCROW_RETIRED, type StoredEscrow } from './escrowState';
export { FREE_ATTEMPTS, MIN_WIPE_AFTER, retryDelayMs } from './guard';
export { newRecordId } from './ids';
export { type Persistence, requestPersistence } from './persistence';
export type {
  DeviceIdentity,
  LocalRecord,
  Outbox,
  PendingChange,
  RecordPlace,
  Records,
  ReplicaState,
  StateStore,
  VaultSecrets,
} from './roles';
export type { Session } from './session';
export { type Attempts, LocalStore, type LocalStoreOptions } from './store';
export type { RemoteOutcome, RemoteRevision, Revision, SentChange } from './transitions';
