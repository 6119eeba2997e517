/**
 * The Support Circle protocol, version 1 (shared_schema/PROTOCOL.md), for the browser app.
 *
 * Every refusal is a ProtocolError whose `code` is the one §11 names; no library exception escapes
 * an open or verify function. Wire objects come in as parsed JSON (`unknown`): parse untrusted
 * text with parseJson, which refuses duplicate member names, before handing it here.
 */

export { signChallenge } from './auth';
export {
  type KeyEnvelope,
  keyCommitment,
  newEpochKey,
  type OpenedEpochKey,
  openKeyEnvelope,
  recordKey,
  sealKeyEnvelope,
} from './circleKeys';
export { b64u, unb64u, unb64uId, VERSION } from './encoding';
export { ERROR_CODES, type ErrorCode, ProtocolError } from './errors';
export {
  type DeviceKeys,
  deviceIdFor,
  deviceKeysFrom,
  generateDeviceKeys,
  makeIdentity,
  type PublicIdentity,
  verifyIdentity,
} from './identity';
export {
  checkInviterIsAdmin,
  deriveInvite,
  type Invite,
  type InviteKeys,
  type InviteRecord,
  inviteLink,
  type JoinRequest,
  makeJoinRequest,
  newInviteSecret,
  openInvite,
  sealInvite,
  verifyJoinRequest,
} from './invites';
export { parseJson, parseJsonBytes } from './json';
export {
  type CircleState,
  entryHash,
  type Head,
  type LogPosition,
  type Member,
  makeAdd,
  makeGenesis,
  makeLeave,
  makeRemove,
  makeRole,
  makeRotate,
  memberKeys,
  type Role,
  recordAuthors,
  verifyLog,
} from './membership';
export { pad, unpad } from './padding';
export {
  type AuthorLookup,
  makeHlc,
  openRecord,
  type RecordEnvelope,
  type RecordRef,
  type RecordRevision,
  sealRecord,
} from './records';
export { safetyNumber } from './safety';
export type { KeyLookup, SignedObject } from './signed';
export {
  type Argon2Parameters,
  createVault,
  DEFAULT_PARAMETERS,
  type LocalItem,
  type NewVault,
  openLocal,
  recoveryKeyFromText,
  recoveryKeyToText,
  rewrapPassphrase,
  sealLocal,
  unlockWithPassphrase,
  unlockWithRecovery,
  type Vault,
  type VaultOptions,
} from './vault';
