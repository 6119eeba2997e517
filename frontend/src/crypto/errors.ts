/**
 * How crypto/ (the protocol of shared_schema/PROTOCOL.md, for the browser app) refuses: every
 * refusal is a ProtocolError whose `code` is the one §11 names; no library exception escapes an
 * open or verify function. Wire objects come in as parsed JSON (`unknown`): parse untrusted text
 * with parseJson, which refuses duplicate member names, before handing it here.
 */
/** Every failure code of PROTOCOL.md §11, in the words every implementation uses. */
export const ERROR_CODES = [
  'bad_encoding',
  'malformed',
  'unsupported_version',
  'truncated',
  'too_large',
  'bad_padding',
  'decrypt_failed',
  'missing_signature',
  'bad_signature',
  'wrong_type',
  'identity_mismatch',
  'context_mismatch',
  'unknown_author',
  'unknown_epoch',
  'key_mismatch',
  'not_admin',
  'broken_chain',
  'genesis_mismatch',
  'invalid_operation',
  'rolled_back',
  'epoch_ended',
  'clock_ahead',
  'withheld',
  'weak_parameters',
  'wrong_passphrase',
  'wrong_recovery_key',
  'recovery_key_typo',
  'expired',
  'bad_proof',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A protocol object was refused. `code` is the stable reason the shared vectors name; the message
 * never carries key material or plaintext, so it is safe to show or report.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'ProtocolError';
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
