/**
 * The Support Circle protocol, version 1 (shared_schema/PROTOCOL.md), for the browser app.
 *
 * Every refusal is a ProtocolError whose `code` is the one §11 names; no library exception escapes
 * an open or verify function. Wire objects come in as parsed JSON (`unknown`): parse untrusted
 * text with parseJson, which refuses duplicate member names, before handing it here.
 */
export { ERROR_CODES, ProtocolError, type ErrorCode } from './errors';
export { b64u, unb64u, unb64uId, VERSION } from './encoding';
export { parseJson, parseJsonBytes } from './json';
export { pad, unpad } from './padding';
export { type KeyLookup, type SignedObject } from './signed';
export {
  deviceIdFor,
  deviceKeysFrom,
  generateDeviceKeys,
  makeIdentity,
  verifyIdentity,
  type DeviceKeys,
  type PublicIdentity,
} from './identity';
export {
  createVault,
  DEFAULT_PARAMETERS,
  openLocal,
  recoveryKeyFromText,
  recoveryKeyToText,
  rewrapPassphrase,
  sealLocal,
  unlockWithPassphrase,
  unlockWithRecovery,
  type Argon2Parameters,
  type LocalItem,
  type NewVault,
  type Vault,
  type VaultOptions,
} from './vault';
export {
  keyCommitment,
  newEpochKey,
  openKeyEnvelope,
  recordKey,
  sealKeyEnvelope,
  type KeyEnvelope,
  type OpenedEpochKey,
} from './circleKeys';
export {
  makeHlc,
  openRecord,
  sealRecord,
  type AuthorLookup,
  type RecordEnvelope,
  type RecordRef,
  type RecordRevision,
} from './records';
export {
  entryHash,
  makeAdd,
  makeGenesis,
  makeLeave,
  makeRemove,
  makeRole,
  makeRotate,
  memberKeys,
  recordAuthors,
  verifyLog,
  type CircleState,
  type Head,
  type LogPosition,
  type Member,
  type Role,
} from './membership';
export {
  checkInviterIsAdmin,
  deriveInvite,
  inviteLink,
  makeJoinRequest,
  newInviteSecret,
  openInvite,
  sealInvite,
  verifyJoinRequest,
  type Invite,
  type InviteKeys,
  type InviteRecord,
  type JoinRequest,
} from './invites';
export { safetyNumber } from './safety';
export { signChallenge } from './auth';
