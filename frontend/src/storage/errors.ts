/** The refusals of local storage, each with a stable code the UI says in its own words. */

export const STORAGE_ERROR_CODES = [
  /** No vault on this device yet: show first run. */
  'no_vault',
  /** createVault or importBackup on a device that already has one. */
  'vault_exists',
  /** The passphrase did not open the vault; `retryAfterMs` says how long until the next try. */
  'wrong_passphrase',
  /** Too many wrong passphrases: no attempt is made until `retryAfterMs` has passed. */
  'wait',
  /** The wipe-after-failed-attempts setting was reached: everything on this device is gone. */
  'wiped',
  'wrong_recovery_key',
  /** The recovery text has a typing mistake (a wrong symbol, length or check). */
  'recovery_key_typo',
  /** The session was locked: unlock again to get a new one. */
  'locked',
  /** Something stored on this device does not open: it was changed, moved or corrupted. */
  'damaged',
  /** A file that is not a Support Circle backup, or one that was changed. */
  'bad_backup',
  /** A record id used with a kind other than the one it was written as. */
  'kind_mismatch',
  /** A record id used in a circle other than the one it belongs to. */
  'circle_mismatch',
  /** A sync step for a record that has no unsynced change (markSent) or none sent (settle). */
  'not_pending',
  /** The duress passphrase chosen is the passphrase itself. */
  'same_passphrase',
  /** The decoy has no room for this change (it is kept at one fixed size). */
  'decoy_full',
  /** The duress passphrase erased this device, as the person chose: show what a new install shows. */
  'erased',
] as const;

export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/**
 * A refusal the UI says calmly in its own words, chosen by `code` (ui/failures.ts). The message is
 * the code: it never carries passphrases, keys or anything a person wrote, so it is safe to log;
 * `cause` keeps the protocol's own error, if any.
 */
export class StorageError extends Error {
  /** For `wrong_passphrase` and `wait`: milliseconds until the next attempt is allowed (0 = now). */
  readonly retryAfterMs: number;

  constructor(
    readonly code: StorageErrorCode,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(code, { cause: options.cause });
    this.name = 'StorageError';
    this.retryAfterMs = options.retryAfterMs ?? 0;
  }
}
