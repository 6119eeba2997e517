/**
 * Turns a failure into the words a person reads: the one place that does. Every failure the app
 * meets carries a stable code (sync/errors.ts draws the tree); each code is said by a line of the
 * catalogue in ui/strings.ts (`failureStrings`). A server's own message is never kept, so it can
 * never be shown, and a code this app does not know is said with the generic line.
 */
import { ERROR_CODES, type ErrorCode, ProtocolError } from '../crypto/errors';
import { StorageError, type StorageErrorCode } from '../storage';
import {
  BAD_RESPONSE,
  type ClientApiCode,
  DEVICE_REMOVED,
  NETWORK_UNREACHABLE,
  NO_ESCROW,
  RECOVERY_REFUSED,
  SERVER_CHANGED,
  type ServerCode,
  SyncError,
  type SyncErrorCode,
} from '../sync/errors';
import { ApiError } from '../sync/transport/api';
import { failureStrings, refusalReasons } from './strings';

export type FailureLine = keyof typeof failureStrings;

const STORAGE: Record<StorageErrorCode, FailureLine> = {
  no_vault: 'noVault',
  vault_exists: 'vaultExists',
  wrong_passphrase: 'wrongPassphrase',
  wait: 'wait',
  wiped: 'wiped',
  wrong_recovery_key: 'wrongRecoveryKey',
  recovery_key_typo: 'recoveryKeyTypo',
  locked: 'locked',
  damaged: 'damaged',
  bad_backup: 'badBackup',
  kind_mismatch: 'kindMismatch',
  circle_mismatch: 'circleMismatch',
  not_pending: 'notPending',
  same_passphrase: 'samePassphrase',
  decoy_full: 'decoyFull',
  erased: 'erased',
};

const SYNC: Record<SyncErrorCode, FailureLine> = {
  registration_needed: 'registration',
  server_busy: 'busy',
  sign_in_failed: 'signIn',
  tampered: 'tampered',
  withheld: 'withheldOwn',
  escrow_rolled_back: 'escrowRolledBack',
  sync_failed: 'syncFailed',
  server_changed: 'serverChangedKept',
  device_removed: 'deviceRemoved',
  unlinked: 'unlinked',
  recovery_refused: 'recoveryRemoved',
  other_server: 'otherServer',
  waiting_for_approval: 'waitingForApproval',
  link_declined: 'linkDeclined',
  has_own_plan: 'hasOwnPlan',
  last_admin: 'lastAdmin',
  bad_link: 'badLink',
  invite_other_link: 'inviteOtherLink',
};

/** What this device refused (it did not verify), in an action; the rest of ERROR_CODES is `refused`. */
const PROTOCOL: Partial<Record<ErrorCode, FailureLine>> = {
  wrong_passphrase: 'wrongPassphrase',
  wrong_recovery_key: 'wrongRecoveryKey',
  recovery_key_typo: 'recoveryKeyTypo',
  weak_parameters: 'damaged',
  expired: 'inviteGone',
  bad_proof: 'badProof',
  too_large: 'tooLarge',
};

/** What the server refused, or did not answer. Its 422s name a protocol code: what this device sent did not verify there. */
const API: Record<ServerCode | ClientApiCode | ErrorCode, FailureLine> = {
  ...(Object.fromEntries(ERROR_CODES.map((code) => [code, 'notAccepted'])) as Record<ErrorCode, FailureLine>),
  [NETWORK_UNREACHABLE]: 'unreachable',
  [BAD_RESPONSE]: 'badResponse',
  [SERVER_CHANGED]: 'serverChanged',
  [DEVICE_REMOVED]: 'deviceRemoved',
  [RECOVERY_REFUSED]: 'recoveryRemoved',
  [NO_ESCROW]: 'noEscrow',
  bad_request: 'notAccepted',
  invalid_request: 'notAccepted',
  unauthorized: 'signInAgain',
  forbidden: 'notAccepted',
  not_found: 'gone',
  method_not_allowed: 'notAccepted',
  unsupported_media_type: 'notAccepted',
  conflict: 'changedMeanwhile',
  rejected: 'notAccepted',
  payload_too_large: 'tooLarge',
  rate_limited: 'serverBusy',
  service_unavailable: 'serverBusy',
  internal_error: 'serverTrouble',
  registration_code_required: 'registration',
  invalid_registration_code: 'registration',
  device_exists: 'notAccepted',
  not_admin: 'onlyAdmin',
  not_creator: 'notAccepted',
  not_your_envelope: 'notAccepted',
  circle_exists: 'changedMeanwhile',
  unknown_device: 'notAccepted',
  changes_moved: 'changedMeanwhile',
  stale_base: 'changedMeanwhile',
  stale_epoch: 'changedMeanwhile',
  change_id_reused: 'notAccepted',
  duplicate_change_id: 'notAccepted',
  record_too_large: 'tooLarge',
  batch_too_large: 'notAccepted',
  quota_exceeded: 'quotaExceeded',
  invite_not_found: 'inviteGone',
  invite_exists: 'changedMeanwhile',
  invite_too_large: 'tooLarge',
  too_many_invites: 'tooManyInvites',
  invalid_expiry: 'notAccepted',
  expiry_in_past: 'checkClock',
  expiry_too_far: 'checkClock',
  invalid_max_uses: 'notAccepted',
  join_request_not_found: 'joinRequestGone',
  not_pending: 'joinRequestGone',
  not_your_identity: 'notYourIdentity',
  already_member: 'alreadyMember',
  too_many_requests: 'tooManyRequests',
  entry_does_not_match_request: 'notAccepted',
  missing_key_envelope: 'notAccepted',
  not_removed: 'notAccepted',
  escrow_taken: 'escrowTaken',
  too_many_escrows: 'notAccepted',
  too_many_streams: 'serverBusy',
  too_many_circle_streams: 'serverBusy',
  too_many_streams_on_server: 'serverBusy',
};

/**
 * What went wrong with an action, in the catalogue's words. `otherwise` says a failure with no
 * code of the app's own (a bug, a browser refusal); any server code this app does not know is
 * the generic line.
 */
export function failureText(failure: unknown, otherwise: FailureLine = 'generic'): string {
  return failureStrings[failureLine(failure) ?? otherwise];
}

/** What went wrong while bringing a plan here with a recovery key: nothing was set up. */
export function recoveryFailureText(failure: unknown): string {
  if (failure instanceof ProtocolError && failure.code !== 'recovery_key_typo') return failureStrings.recoveryDamaged;
  if (failure instanceof ApiError && failure.code === NETWORK_UNREACHABLE) return failureStrings.recoveryUnreachable;
  return failureText(failure);
}

/** Why sync stopped or waits, for the status line. */
export function syncReasonText(reason: SyncErrorCode): string {
  return failureStrings[SYNC[reason]];
}

/** What did not check out in a circle's data, by the protocol's code. */
export function refusalText(code: ErrorCode): string {
  return (refusalReasons as Partial<Record<string, string>>)[code] ?? refusalReasons.other;
}

function failureLine(failure: unknown): FailureLine | undefined {
  if (failure instanceof StorageError) return STORAGE[failure.code];
  if (failure instanceof SyncError) return SYNC[failure.code];
  if (failure instanceof ProtocolError) return PROTOCOL[failure.code] ?? 'refused';
  if (failure instanceof ApiError) return known(failure.code) ? API[failure.code] : 'generic';
  return undefined;
}

function known(code: string): code is keyof typeof API {
  return Object.hasOwn(API, code);
}
