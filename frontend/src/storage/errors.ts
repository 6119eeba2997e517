/** The refusals of local storage, each with a stable code the UI maps to its own words. */

export type StorageErrorCode =
  /** No vault on this device yet: show first run. */
  | 'no_vault'
  /** createVault or importBackup on a device that already has one. */
  | 'vault_exists'
  /** The passphrase did not open the vault; `retryAfterMs` says how long until the next try. */
  | 'wrong_passphrase'
  /** Too many wrong passphrases: no attempt is made until `retryAfterMs` has passed. */
  | 'wait'
  /** The wipe-after-failed-attempts setting was reached: everything on this device is gone. */
  | 'wiped'
  | 'wrong_recovery_key'
  /** The recovery text has a typing mistake (a wrong symbol, length or check). */
  | 'recovery_key_typo'
  /** The session was locked: unlock again to get a new one. */
  | 'locked'
  /** Something stored on this device does not open: it was changed, moved or corrupted. */
  | 'damaged'
  /** A file that is not a Support Circle backup, or one that was changed. */
  | 'bad_backup'
  /** A record id used with a kind other than the one it was written as. */
  | 'kind_mismatch'
  /** A record id used in a circle other than the one it belongs to. */
  | 'circle_mismatch'
  /** A sync step for a record that has no unsynced change (markSent) or none sent (settle). */
  | 'not_pending';

const MESSAGES: Readonly<Record<StorageErrorCode, string>> = {
  no_vault: 'There is nothing stored on this device yet.',
  vault_exists: 'This device already has a private space set up.',
  wrong_passphrase: 'That passphrase did not open the app. Take your time and try again.',
  wait: 'Please wait a little before trying again.',
  wiped: 'Too many attempts: everything stored on this device has been removed.',
  wrong_recovery_key: 'That recovery key belongs to another setup.',
  recovery_key_typo: 'The recovery key has a typing mistake. Please check each group of four.',
  locked: 'The app is locked. Unlock it to continue.',
  damaged: 'Some stored data could not be opened. It may have been changed.',
  bad_backup: 'This file is not a Support Circle backup, or it was changed.',
  kind_mismatch: 'This item is stored as another kind of item.',
  circle_mismatch: 'This item belongs to another circle.',
  not_pending: 'This item has no change waiting to be sent.',
};

/**
 * A refusal the UI can show calmly. The message never carries passphrases, keys or anything a
 * person wrote, so it is safe to show or log; `cause` keeps the protocol's own error, if any.
 */
export class StorageError extends Error {
  /** For `wrong_passphrase` and `wait`: milliseconds until the next attempt is allowed (0 = now). */
  readonly retryAfterMs: number;

  constructor(
    readonly code: StorageErrorCode,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(MESSAGES[code], { cause: options.cause });
    this.name = 'StorageError';
    this.retryAfterMs = options.retryAfterMs ?? 0;
  }
}
