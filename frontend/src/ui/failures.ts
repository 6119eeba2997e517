/**
 * Turns a failure into the words a person reads. Every failure carries a stable code; each code is
 * said by a line of the catalogue in ui/strings.ts (`failureStrings`).
 */
import { type ErrorCode, ProtocolError } from '../crypto/errors';
import { StorageError, type StorageErrorCode } from '../storage';
import { failureStrings } from './strings';

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
};

/** What this device refused (it did not verify), in an action. */
const PROTOCOL: Partial<Record<ErrorCode, FailureLine>> = {
  wrong_passphrase: 'wrongPassphrase',
  wrong_recovery_key: 'wrongRecoveryKey',
  recovery_key_typo: 'recoveryKeyTypo',
  weak_parameters: 'damaged',
};

/**
 * What went wrong with an action, in the catalogue's words. `otherwise` says a failure with no
 * code of the app's own (a bug, a browser refusal).
 */
export function failureText(failure: unknown, otherwise: FailureLine = 'generic'): string {
  return failureStrings[failureLine(failure) ?? otherwise];
}

function failureLine(failure: unknown): FailureLine | undefined {
  if (failure instanceof StorageError) return STORAGE[failure.code];
  if (failure instanceof ProtocolError) return PROTOCOL[failure.code];
  return undefined;
}
