/**
 * The codes the sync layer fails with. Every failure carries a stable `code` and no words for a
 * person: the UI says each code in words from its one catalogue (ui/failures.ts picks the line,
 * ui/strings.ts holds it). A server's own `message` is never kept, let alone shown: the threat
 * model treats the server as possibly hostile, so it must not put words on the person's screen.
 *
 *     Error
 *     ├── ApiError       (sync/transport/api.ts) a call to the server failed: the server's code (SERVER_CODES,
 *     │                  ERROR_CODES, or one this app does not know), or one made here (CLIENT_API_CODES)
 *     ├── SyncError      the engine refused, stopped or waits for a reason of its own (SYNC_ERROR_CODES)
 *     ├── ProtocolError  (crypto/errors.ts) something did not verify: PROTOCOL.md §11
 *     └── StorageError   (storage/errors.ts) this device's vault refused
 *
 * A leaf module: the app shell imports it to say failures, without loading the sync engine.
 */

/**
 * The codes the server answers with that this app knows: backend/support_circle/errors.py and the
 * services that raise its errors. For what a client sent that did not verify, the server answers
 * 422 with the protocol's own code (crypto/errors.ts ERROR_CODES) as well. Any other code is said
 * with the generic line.
 */
export const SERVER_CODES = [
  // Any route (errors.py).
  'bad_request',
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'unsupported_media_type',
  'conflict',
  'rejected',
  'payload_too_large',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  // Devices and sign-in.
  'registration_code_required',
  'invalid_registration_code',
  'device_exists',
  // Circles, membership and key envelopes.
  'not_admin',
  'not_creator',
  'not_your_envelope',
  'circle_exists',
  'unknown_device',
  'changes_moved',
  // Changes.
  'stale_base',
  'stale_epoch',
  'change_id_reused',
  'duplicate_change_id',
  'record_too_large',
  'batch_too_large',
  'quota_exceeded',
  // Invites and requests to join.
  'invite_not_found',
  'invite_exists',
  'invite_too_large',
  'too_many_invites',
  'invalid_expiry',
  'expiry_in_past',
  'expiry_too_far',
  'invalid_max_uses',
  'join_request_not_found',
  'not_pending',
  'not_your_identity',
  'already_member',
  'too_many_requests',
  'entry_does_not_match_request',
  'missing_key_envelope',
  // Unlinked notices.
  'not_removed',
  // Recovery escrows.
  'escrow_taken',
  'too_many_escrows',
  // Live events.
  'too_many_streams',
  'too_many_circle_streams',
  'too_many_streams_on_server',
] as const;

export type ServerCode = (typeof SERVER_CODES)[number];

/** No answer came: the network, or the server, is down. */
export const NETWORK_UNREACHABLE = 'network_unreachable';
/** An answer came that is not the JSON the server always sends. */
export const BAD_RESPONSE = 'bad_response';
/** The server's id is not the one this vault synced with: its data was replaced or restored. */
export const SERVER_CHANGED = 'server_changed';
/** Another of the person's devices removed this one (the personal circle answers 404). */
export const DEVICE_REMOVED = 'device_removed';
/** A recovery's hand-over the server refused for good: the escrowed device is no longer in the plan. */
export const RECOVERY_REFUSED = 'recovery_refused';
/** The server keeps no plan for that recovery key. */
export const NO_ESCROW = 'no_escrow';

/** The codes of ApiErrors made on this side, about what the server did or did not answer. */
export const CLIENT_API_CODES = [
  NETWORK_UNREACHABLE,
  BAD_RESPONSE,
  SERVER_CHANGED,
  DEVICE_REMOVED,
  RECOVERY_REFUSED,
  NO_ESCROW,
] as const;

export type ClientApiCode = (typeof CLIENT_API_CODES)[number];

/**
 * Why sync stopped or waits (SyncStatus.reason), and why the engine refused an action. The first
 * group classifies a sync's failure (sync/status.ts statusFor); the last two are the engine's own.
 */
export const SYNC_ERROR_CODES = [
  /** The server asks for a registration code, and none was given or it was not accepted. */
  'registration_needed',
  /** The server is busy or failing (429, 5xx): the next sync tries again. */
  'server_busy',
  /** Signing in did not work. */
  'sign_in_failed',
  /** The server sent something this device's own devices did not sign, or took something back. */
  'tampered',
  /** The server held back a revision one of the person's own devices wrote (§7, "Author chains"). */
  'withheld',
  /** The server serves an older recovery escrow than the one this device put last (§15). */
  'escrow_rolled_back',
  /** Anything else. */
  'sync_failed',
  SERVER_CHANGED,
  DEVICE_REMOVED,
  /** One of the person's own devices signed that it unlinked this one (§17): the app wipes this device. */
  'unlinked',
  RECOVERY_REFUSED,
  /** The settings name a server other than the app's own origin (see sync/engine.ts). */
  'other_server',
  /** This device waits for another of the person's devices to let it in. */
  'waiting_for_approval',
  /** The person's other device turned this one down. */
  'link_declined',
  /** A device that keeps its own plan in sync cannot take another device's. */
  'has_own_plan',
  /** The only admin of a circle tried to leave it: another admin must be named first (§8). */
  'last_admin',
  /** A pasted link is not a whole link. */
  'bad_link',
  /** The invite in a link was signed for another link: someone re-wrapped the admin's invite (§9). */
  'invite_other_link',
] as const;

export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

/** The engine refused an action, or a sync it waited for ended without syncing. */
export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    options: { cause?: unknown } = {},
  ) {
    super(code, options);
    this.name = 'SyncError';
  }
}
