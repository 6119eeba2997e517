/** The sync status the app shows, and sync failures in plain words. */
import { ProtocolError } from '../crypto/errors';
import { StorageError } from '../storage';
import { ApiError, NETWORK_UNREACHABLE } from './api';
import { SERVER_CHANGED } from './connection';

/**
 * One state at a time, each said once by the app's status line: `off` (sync not chosen),
 * `offline`, `syncing`, `up-to-date` (the last sync pulled and pushed; "up to date" is said only
 * when `waiting` is 0 too), `approval` (this device waits for another of the person's devices to
 * let it in; nothing to sync yet) and `error` (`message` says what happened and what to do).
 */
export type SyncState = 'off' | 'offline' | 'syncing' | 'up-to-date' | 'approval' | 'error';

export interface SyncStatus {
  readonly state: SyncState;
  /** How many of this person's changes wait to reach the server, counted again after every local edit. */
  readonly waiting: number;
  /** What the person should know beyond the state itself, in plain words; absent when the state says it all. */
  readonly message?: string;
  /** For a report or a support person: the technical reason behind an error. Never content or keys. */
  readonly detail?: string;
}

/** The engine's code for "another of the person's devices removed this one". */
export const DEVICE_REMOVED = 'device_removed';

/** A recovery's hand-over the server refused for good; its message says why. */
export const RECOVERY_REFUSED = 'recovery_refused';

export const KEPT = 'Your changes are kept on this phone.';

export const MESSAGES = {
  registration: `This server asks for a registration code before this phone can sync, and none was given or the one given was not accepted. Ask the organisation that runs it for a code, then type it in Settings, under sync. ${KEPT}`,
  busy: `The server is busy right now. Sync will try again in a moment. ${KEPT}`,
  signIn: `This phone could not sign in to the server. Sync will try again. ${KEPT}`,
  tampered:
    'Sync stopped to protect you: the server sent something your own devices did not sign, or took back ' +
    'something it had sent before. Your plan on this phone is safe and unchanged. Do not link new devices ' +
    'for now, and tell the organisation that runs the server.',
  failed: `Sync did not finish. It will try again. ${KEPT}`,
  otherServer:
    'Syncing with a server other than the one this app was opened from is not possible yet. ' +
    'Your plan stays on this phone. To sync with your organisation, open the app from their address instead.',
  waitingForApproval: 'Waiting for your other device to approve this one. Check that both show the same safety number.',
  removed:
    'This device no longer syncs: it was unlinked by another of your devices, or by someone using your recovery key ' +
    'on a new device, or the server let it go after a long time unused. What is on it stays here. If you did not do ' +
    'this, someone may have your other device or your recovery key: talk to someone you trust, or to the organisation that runs the server.',
  declined: 'Your other device did not approve this one. Nothing was shared. You can make a new link and try again.',
} as const;

/** The status for a sync that failed with `error`, `waiting` changes still queued. */
export function statusFor(error: unknown, waiting: number): SyncStatus {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError) return { ...apiStatus(error), waiting, detail };
  if (error instanceof ProtocolError) return { state: 'error', waiting, message: MESSAGES.tampered, detail };
  if (error instanceof StorageError) return { state: 'error', waiting, message: MESSAGES.failed, detail: error.code };
  return { state: 'error', waiting, message: MESSAGES.failed, detail };
}

function apiStatus(error: ApiError): { state: SyncState; message?: string } {
  if (error.code === NETWORK_UNREACHABLE) return { state: 'offline' };
  if (error.code === 'registration_code_required' || error.code === 'invalid_registration_code')
    return { state: 'error', message: MESSAGES.registration };
  // The connection's own message already says what happened and that nothing was sent.
  if (error.code === SERVER_CHANGED) return { state: 'error', message: `${error.message} ${KEPT}` };
  if (error.code === DEVICE_REMOVED) return { state: 'error', message: MESSAGES.removed };
  if (error.code === RECOVERY_REFUSED) return { state: 'error', message: error.message };
  if (error.code === 'unauthorized') return { state: 'error', message: MESSAGES.signIn };
  if (error.status === 429 || error.status >= 500) return { state: 'error', message: MESSAGES.busy };
  return { state: 'error', message: MESSAGES.failed };
}
