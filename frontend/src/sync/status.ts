/** The sync status the app shows, and why a sync failed, as a code the UI says in words. */
import { ProtocolError } from '../crypto/errors';
import { StorageError } from '../storage';
import {
  DEVICE_REMOVED,
  NETWORK_UNREACHABLE,
  RECOVERY_REFUSED,
  SERVER_CHANGED,
  SyncError,
  type SyncErrorCode,
} from './errors';
import { ApiError } from './transport/api';

/**
 * One state at a time, each said once by the app's status line: `off` (sync not chosen),
 * `offline`, `syncing`, `up-to-date` (the last sync pulled and pushed; "up to date" is said only
 * when `waiting` is 0 too), `approval` (this device waits for another of the person's devices to
 * let it in; nothing to sync yet) and `error`. `reason` says why, as a code: the UI says what
 * happened and what to do in its own words (ui/failures.ts).
 */
export type SyncState = 'off' | 'offline' | 'syncing' | 'up-to-date' | 'approval' | 'error';

/**
 * Something the person's own circle set aside that they should know of even when all else synced
 * (PROTOCOL §7, "Where the server placed a change"): words the server placed from a device after it
 * was unlinked (`placed_late`), or a revision dated more than a day ahead, from a device whose clock
 * is wrong (`clock_ahead`). Said until the person dismisses it.
 */
export type SyncNotice = 'placed_late' | 'clock_ahead';

export interface SyncStatus {
  readonly state: SyncState;
  /** How many of this person's changes wait to reach the server, counted again after every local edit. */
  readonly waiting: number;
  /** What the person should know beyond the state itself; absent when the state says it all. */
  readonly reason?: SyncErrorCode;
  /** What the person's own circle set aside, when anything it should hear of was. */
  readonly notice?: SyncNotice;
  /** For a report or a support person: the technical reason behind an error. Never content or keys. */
  readonly detail?: string;
}

/** The status for a sync that failed with `error`, `waiting` changes still queued. */
export function statusFor(error: unknown, waiting: number): SyncStatus {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.code === NETWORK_UNREACHABLE) return { state: 'offline', waiting, detail };
  if (error instanceof StorageError) return { state: 'error', waiting, reason: 'sync_failed', detail: error.code };
  return { state: 'error', waiting, reason: reasonFor(error), detail };
}

function reasonFor(error: unknown): SyncErrorCode {
  if (error instanceof ProtocolError) return error.code === 'withheld' ? 'withheld' : 'tampered';
  if (error instanceof SyncError) return error.code;
  if (error instanceof ApiError) return apiReason(error);
  return 'sync_failed';
}

function apiReason(error: ApiError): SyncErrorCode {
  if (error.code === 'registration_code_required' || error.code === 'invalid_registration_code')
    return 'registration_needed';
  if (error.code === SERVER_CHANGED || error.code === DEVICE_REMOVED || error.code === RECOVERY_REFUSED)
    return error.code;
  if (error.code === 'unauthorized') return 'sign_in_failed';
  if (error.status === 429 || error.status >= 500) return 'server_busy';
  return 'sync_failed';
}
