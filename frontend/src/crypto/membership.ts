/**
 * The signed membership log (§8): who is in a circle, and which key commitment each epoch has.
 *
 * Every entry is signed by an admin (or, for `leave`, by the member leaving, and for `companion`
 * and the removal of one, by a device of the same person) and chained to the hash of the one before, so a server cannot add a reader, drop, insert or reorder entries, or
 * swap an epoch key without verifyLog failing on every client.
 */
import { keyCommitment, openKeyEnvelope } from './circleKeys';
import { b64u, bytesEqual, ctx, unb64u, unb64uId, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { type DeviceKeys, makeIdentity, type PublicIdentity, verifyIdentity } from './identity';
import { expectInt, expectObject, isObject, type JsonObject } from './json';
import { KEY_BYTES, sha256 } from './primitives';
import type { AuthorLookup } from './records';
import {
  decodeSigned,
  type KeyLookup,
  parsePayload,
  type SignedObject,
  signPayload,
  verifySigned,
  verifySignedBytes,
} from './signed';

export type Role = 'admin' | 'member';
export type Op = 'genesis' | 'add' | 'remove' | 'leave' | 'role' | 'rotate' | 'companion';

const ROLES: readonly string[] = ['admin', 'member'];
const COMMON = ['v', 'type', 'circle_id', 'seq', 'prev', 'signer', 'op'];
/** Version 1's ops: `companion` is version 2 only (§8). */
const OP_FIELDS: Readonly<Partial<Record<Op, readonly string[]>>> = {
  genesis: ['member', 'epoch', 'key_commitment'],
  add: ['member'],
  remove: ['device_id', 'epoch', 'key_commitment'],
  leave: ['epoch', 'key_commitment'],
  role: ['device_id', 'role'],
  rotate: ['epoch', 'key_commitment'],
};
/** Version 2 (§8): adds and the entries that end or close an epoch name the change log position their signer had pulled; a leaver makes no key. */
const V2_FIELDS: Readonly<Partial<Record<Op, readonly string[]>>> = {
  add: ['member', 'changes'],
  remove: ['device_id', 'epoch', 'key_commitment', 'changes'],
  leave: ['changes'],
  rotate: ['epoch', 'key_commitment', 'changes'],
  /** A member's device lets in another device of its own person, in its role (§8, "A person's devices"). */
  companion: ['member', 'changes'],
};
const VERSIONS = [1, 2];

export interface Member {
  readonly identity: PublicIdentity;
  readonly role: Role;
}

/** The newest entry a client verified: remember it per circle to catch a rolled-back log. */
export interface Head {
  readonly seq: number;
  readonly hash: Uint8Array;
}

/** What a verified log says. Maps are keyed by the b64u device id. */
export interface CircleState {
  readonly circleId: Uint8Array;
  /** The members now. */
  readonly members: ReadonlyMap<string, Member>;
  /** The current epoch. */
  readonly epoch: number;
  /** Every epoch's key commitment, for openKeyEnvelope. */
  readonly keyCommitments: ReadonlyMap<number, Uint8Array>;
  readonly head: Head;
  /** Every identity ever added, members past and present. */
  readonly identities: ReadonlyMap<string, PublicIdentity>;
  /** Per epoch, everyone who was a member at some time during it: who may have written under its key (§7 step 7). */
  readonly epochMembers: ReadonlyMap<number, ReadonlySet<string>>;
  /** Epochs begun by a v1 `leave`, with the device that left: their keys are a leaver's making (§16). */
  readonly leftBy: ReadonlyMap<number, string>;
  /** The current epoch was closed by a v2 `leave`: nothing may be sealed under it (§8). */
  readonly closed: boolean;
  /** Each epoch a v2 entry ended or closed, with the least `changes` of those entries (§7, "Where the server placed a change"). */
  readonly ends: ReadonlyMap<number, number>;
  /** The change log position at which the current epoch began (0 for the genesis, a v2 remove's or rotate's `changes`); null when a v1 entry began it (§8). */
  readonly beganAt: number | null;
  /** The log holds a v2 entry: no later add, remove, rotate or leave may be v1 (§8). */
  readonly v2: boolean;
  /** Devices that left by their own `leave` while admins, until added again. Only §16's re-seal reads it: their invites die with their membership (§9). */
  readonly leftAdmins: ReadonlySet<string>;
  /** The person of each member a `companion` entry let in, named by the device that began it (§8, "A person's devices"); every other member is a person of its own. */
  readonly persons: ReadonlyMap<string, string>;
}

/**
 * The identity whose invites the circle honours: an admin now, and no one else (§9). An admin who
 * left keeps no standing: no log entry reaches a non-member, and an invite carries no time it was
 * made, so a departed admin could otherwise sign links for ever.
 */
export function inviterIdentity(state: CircleState, deviceId: string): PublicIdentity | undefined {
  const member = state.members.get(deviceId);
  return member?.role === 'admin' ? member.identity : undefined;
}

/** The person a member belongs to: the b64u id of the device that began it. */
export function personOf(state: Pick<CircleState, 'persons'>, id: string): string {
  return state.persons.get(id) ?? id;
}

/** The members now that belong to `person`, in the order the log let them in. */
export function devicesOf(state: Pick<CircleState, 'members' | 'persons'>, person: string): string[] {
  return [...state.members.keys()].filter((id) => personOf(state, id) === person);
}

/** The other members of `id`'s person: the devices it may remove without being an admin. */
export function companionsOf(state: Pick<CircleState, 'members' | 'persons'>, id: string): string[] {
  return devicesOf(state, personOf(state, id)).filter((other) => other !== id);
}

/** Whether a v2 `add` signed at `changes` is valid now: the current epoch began there and is not closed (§8, "Rotate before add"). */
export function mayAddAt(state: Pick<CircleState, 'closed' | 'beganAt'>, changes: number): boolean {
  return !state.closed && state.beganAt === changes;
}

/** Whether the current epoch's key may not be used: closed by a leaver, or made by one; any member may then rotate (§8). */
export function mustRotate(state: Pick<CircleState, 'closed' | 'epoch' | 'leftBy'>): boolean {
  return state.closed || state.leftBy.has(state.epoch);
}

/** Whether a change the server placed at `position` under `epoch` came after a v2 entry that ended or closed it (§7: `epoch_ended`). */
export function endedBefore(state: Pick<CircleState, 'ends'>, epoch: number, position: number): boolean {
  const end = state.ends.get(epoch);
  return end !== undefined && end < position;
}

/** Where the next entry goes: what a builder needs of the verified state. */
export type LogPosition = Pick<CircleState, 'circleId' | 'epoch' | 'head'>;

/** The signing keys of the members now: whose membership entries the log accepts next. */
export function memberKeys(state: CircleState): KeyLookup {
  return (deviceId) => state.members.get(b64u(deviceId))?.identity.signPub;
}

/**
 * For openRecord: the signing key of a device that was a member at some time during `epoch`
 * (§7 step 7). A removed member's old records still verify; nothing they write under a later
 * epoch does.
 */
export function recordAuthors(state: CircleState): AuthorLookup {
  return (deviceId, epoch) => {
    const id = b64u(deviceId);
    return state.epochMembers.get(epoch)?.has(id) === true ? state.identities.get(id)?.signPub : undefined;
  };
}

/**
 * entry_hash(e) = SHA-256(ctx("support-circle/v1/log-entry", payload_bytes, sig_bytes)).
 *
 * Contract: fails as decodeSigned does for an entry that is not a signed object.
 */
export async function entryHash(entry: unknown): Promise<Uint8Array> {
  const { payload, sig } = decodeSigned(entry);
  return hashOf(payload, sig);
}

function hashOf(payload: Uint8Array, sig: Uint8Array): Promise<Uint8Array> {
  return sha256(ctx('support-circle/v1/log-entry', payload, sig));
}

// Opening a circle's epoch keys --------------------------------------------------------------

/** What a member who leaves can do to the envelopes it seals; anything else only the server can do. */
export const LEAVERS_FAULTS: ReadonlySet<string> = new Set([
  'truncated',
  'decrypt_failed',
  'malformed',
  'key_mismatch',
]);

/** The epoch keys a device may use, and the epochs it was in but cannot read (§16). */
export interface HeldKeys {
  readonly keys: Map<number, Uint8Array>;
  readonly unreadable: ReadonlySet<number>;
}

/**
 * Opens every envelope the server holds for this device against the verified log (§6, §16).
 *
 * Contract: in a shared circle, an epoch a leaver keyed (`state.leftBy`) whose envelope is
 * missing, or fails in a way its maker can cause (LEAVERS_FAULTS), is unreadable for this device
 * instead of an error, so a member who left cannot stop the others. Any other failure rejects with
 * openKeyEnvelope's `ProtocolError`, as every failure does in the personal circle.
 */
export async function heldEpochKeys(
  envelopes: readonly unknown[],
  state: CircleState,
  deviceId: Uint8Array,
  kemPrivate: Uint8Array,
  shared: boolean,
): Promise<HeldKeys> {
  const keys = new Map<number, Uint8Array>();
  for (const envelope of envelopes) {
    try {
      const opened = await openKeyEnvelope(envelope, deviceId, kemPrivate, state.keyCommitments);
      keys.set(opened.epoch, opened.epochKey);
    } catch (error) {
      const epoch = namedEpoch(envelope);
      const leavers =
        error instanceof ProtocolError &&
        LEAVERS_FAULTS.has(error.code) &&
        epoch !== undefined &&
        state.leftBy.has(epoch);
      if (!shared || !leavers) throw error;
    }
  }
  const me = b64u(deviceId);
  const unreadable = shared
    ? [...state.leftBy.keys()].filter((e) => !keys.has(e) && state.epochMembers.get(e)?.has(me) === true)
    : [];
  return { keys, unreadable: new Set(unreadable) };
}

/** The epoch an envelope names, when it is an integer as §1 reads one (`1.0` is not 1), else undefined. */
function namedEpoch(envelope: unknown): number | undefined {
  if (!isObject(envelope)) return undefined;
  try {
    return expectInt(envelope, 'epoch');
  } catch {
    return undefined;
  }
}

// Building entries ------------------------------------------------------------------------------

function entry(
  signer: DeviceKeys,
  circleId: Uint8Array,
  seq: number,
  prev: Uint8Array | null,
  op: Op,
  fields: JsonObject,
): SignedObject {
  return signPayload(signer.signSeed, signer.public.deviceId, {
    v: VERSION,
    type: 'membership',
    circle_id: b64u(circleId),
    seq,
    prev: prev === null ? null : b64u(prev),
    signer: b64u(signer.public.deviceId),
    op,
    ...fields,
  });
}

function next(signer: DeviceKeys, at: LogPosition, op: Op, fields: JsonObject): SignedObject {
  return entry(signer, at.circleId, at.head.seq + 1, at.head.hash, op, fields);
}

async function newEpochFields(at: LogPosition, newEpochKey: Uint8Array): Promise<JsonObject> {
  return {
    epoch: at.epoch + 1,
    key_commitment: b64u(await keyCommitment(newEpochKey, at.circleId)),
  };
}

/** Entry 0: the creator as the only admin, epoch 0 with `epochKey`'s commitment. Its hash is the circle's trust anchor. */
export async function makeGenesis(
  creator: DeviceKeys,
  circleId: Uint8Array,
  epochKey: Uint8Array,
): Promise<SignedObject> {
  const member = { identity: makeIdentity(creator), role: 'admin' };
  const commitment = b64u(await keyCommitment(epochKey, circleId));
  return entry(creator, circleId, 0, null, 'genesis', {
    member,
    epoch: 0,
    key_commitment: commitment,
  });
}

/** An admin adds a device, given its identity (from a verified join request); version 2 with `changes`, where the current epoch began (§8). */
export function makeAdd(
  signer: DeviceKeys,
  at: LogPosition,
  identity: SignedObject,
  role: Role = 'member',
  changes?: number,
): SignedObject {
  return next(signer, at, 'add', { member: { identity, role }, ...position(changes) });
}

/** A member's device lets in another device of its own person, in `role`, the signer's own (the log refuses any other), with no rotate before it (§8, "A person's devices"). */
export function makeCompanion(
  signer: DeviceKeys,
  at: LogPosition,
  identity: SignedObject,
  role: Role,
  changes: number,
): SignedObject {
  return next(signer, at, 'companion', { v: 2, member: { identity, role }, changes });
}

/** An admin removes another member and starts the next epoch with `newEpochKey`. */
export async function makeRemove(
  signer: DeviceKeys,
  at: LogPosition,
  deviceId: Uint8Array,
  newEpochKey: Uint8Array,
  changes?: number,
): Promise<SignedObject> {
  const fields = {
    device_id: b64u(deviceId),
    ...(await newEpochFields(at, newEpochKey)),
  };
  return next(signer, at, 'remove', { ...fields, ...position(changes) });
}

/** Version 2 when `changes`, the newest change position the signer pulled, is given (§8). */
function position(changes: number | undefined): JsonObject {
  return changes === undefined ? {} : { v: 2, changes };
}

/** A version 1 leave: the signer leaves and starts the next epoch with a key it made. Tests and vectors only. */
export async function makeLeave(signer: DeviceKeys, at: LogPosition, newEpochKey: Uint8Array): Promise<SignedObject> {
  return next(signer, at, 'leave', await newEpochFields(at, newEpochKey));
}

/** A version 2 leave: the signer leaves and closes the epoch; the members who stay make the next key (§8). */
export function makeDepart(signer: DeviceKeys, at: LogPosition, changes: number): SignedObject {
  return next(signer, at, 'leave', position(changes));
}

/** An admin changes another member's role. */
export function makeRole(signer: DeviceKeys, at: LogPosition, deviceId: Uint8Array, role: Role): SignedObject {
  return next(signer, at, 'role', { device_id: b64u(deviceId), role });
}

/** Starts the next epoch with `newEpochKey` (an admin, or any member when `mustRotate`); version 2 with `changes`. */
export async function makeRotate(
  signer: DeviceKeys,
  at: LogPosition,
  newEpochKey: Uint8Array,
  changes?: number,
): Promise<SignedObject> {
  return next(signer, at, 'rotate', {
    ...(await newEpochFields(at, newEpochKey)),
    ...position(changes),
  });
}

// Verifying a log -------------------------------------------------------------------------------

/**
 * The circle's state after checking every entry in order (§8); throws at the first fault.
 *
 * `genesisHash` is the trust anchor (from the invite, or from creating the circle); `knownHead`
 * is the head this client verified before, if any.
 *
 * Contract: an empty log or an entry 0 whose hash is not the anchor is `genesis_mismatch`;
 * the form failures of a signed object and of its payload (`unsupported_version`, `malformed`,
 * `bad_encoding`, `missing_signature`, `wrong_type`); a payload signer that is not the outer
 * signer, or another circle's entry, is `context_mismatch`; an entry 0 that is not the creator's
 * genesis as admin at epoch 0 is `invalid_operation`; a signer who is not a current member is
 * `unknown_author`; a signature that does not verify is `bad_signature`, and so is one that is not
 * 64 bytes, refused as the entry is decoded (§2 step 1), before the anchor or signer is looked at; an
 * entry out of sequence or not chained to the one before is `broken_chain`; a non-admin signing
 * anything but `leave` is `not_admin`; an op not allowed in the current state (§8 step 7) is
 * `invalid_operation`; a key commitment or prev not 32 bytes is `bad_encoding`, an unknown role
 * `malformed`; a log shorter than `knownHead` or with another entry at its seq is `rolled_back`,
 * checked only once every entry verified. Each entry is checked in the order §8 lists; the first
 * failed check names the error.
 */
export async function verifyLog(
  circleId: Uint8Array,
  genesisHash: Uint8Array,
  entries: readonly unknown[],
  knownHead?: Head,
): Promise<CircleState> {
  const [first, ...rest] = entries;
  if (first === undefined) throw new ProtocolError('genesis_mismatch', 'the log is empty');
  let state = await verifyGenesis(circleId, genesisHash, first);
  for (const item of rest) state = await apply(state, item);
  if (knownHead !== undefined) await checkNotRolledBack(entries, knownHead);
  return state;
}

/**
 * Entry 0, in the order of §8: the anchor; the payload checks (the key commitment's length among
 * them); the genesis rules (op, seq, prev, epoch), then the creator's identity (with §3's own
 * codes), that it is the signer and an admin; last the signature, with the key the entry itself
 * carries.
 */
async function verifyGenesis(circleId: Uint8Array, genesisHash: Uint8Array, first: unknown): Promise<CircleState> {
  // Decoding (§2 step 1, the signature's length included) is what computing entry_hash needs.
  const { signer, payload, sig } = decodeSigned(first);
  const hash = await hashOf(payload, sig);
  if (!bytesEqual(hash, genesisHash)) throw new ProtocolError('genesis_mismatch');
  // Step 3: the creator's key is inside the entry, as an identity's is, so it is parsed first.
  const fields = parseFields(parsePayload('membership', payload, signer, 'signer', VERSIONS), circleId);
  // Steps 4 and 5: the op first, as another op's payload has no epoch to read.
  if (fields['op'] !== 'genesis' || fields['seq'] !== 0 || fields['prev'] !== null) {
    throw new ProtocolError('invalid_operation', 'the first entry is not a genesis');
  }
  if (expectInt(fields, 'epoch') !== 0) throw new ProtocolError('invalid_operation', 'a circle begins at epoch 0');
  // Steps 6 and 7.
  const creator = await parseMember(fields['member']);
  if (!bytesEqual(creator.identity.deviceId, signer) || creator.role !== 'admin') {
    throw new ProtocolError('invalid_operation', 'a circle begins with its creator as its admin');
  }
  // Step 8.
  verifySignedBytes('membership', creator.identity.signPub, payload, sig);
  const id = b64u(creator.identity.deviceId);
  return {
    circleId,
    members: new Map([[id, creator]]),
    epoch: 0,
    keyCommitments: new Map([[0, parseCommitment(fields)]]),
    head: { seq: 0, hash },
    identities: new Map([[id, creator.identity]]),
    epochMembers: new Map([[0, new Set([id])]]),
    leftBy: new Map(),
    closed: false,
    ends: new Map(),
    beganAt: 0,
    v2: false,
    leftAdmins: new Set(),
    persons: new Map(),
  };
}

/** Entry i > 0, in the order of §8 steps 1–7. */
async function apply(state: CircleState, item: unknown): Promise<CircleState> {
  // Steps 1–4: decode (a sig not 64 bytes is bad_signature here), a current member, the
  // signature, then the payload checks (parsePayload: 1–4; parseFields: 5–8).
  const { signer, payload, sig, document } = verifySigned(item, 'membership', memberKeys(state), 'signer', VERSIONS);
  const fields = parseFields(document, state.circleId);
  // Step 5.
  if (fields['seq'] !== state.head.seq + 1 || fields['prev'] !== b64u(state.head.hash)) {
    throw new ProtocolError('broken_chain');
  }
  // Step 6.
  const op = fields['op'] as Op;
  if (!anyoneMay(state, signer, op, fields) && state.members.get(b64u(signer))?.role !== 'admin')
    throw new ProtocolError('not_admin');
  // Step 7.
  if (op === 'genesis') throw new ProtocolError('invalid_operation', 'a second genesis');
  if (state.v2 && op !== 'role' && fields['v'] !== 2)
    throw new ProtocolError('invalid_operation', 'a version 1 entry after a version 2 one');
  const after = await OPS[op](state, signer, fields);
  return {
    ...after,
    head: { seq: state.head.seq + 1, hash: await hashOf(payload, sig) },
    v2: state.v2 || fields['v'] === 2,
  };
}

/**
 * Whether a member that is not an admin may sign this entry (§8 step 6): its own `leave`; a
 * `rotate` when the current key may not be used; a `companion`, in its own role; and the `remove`
 * of another device of its own person (unlinking it).
 */
function anyoneMay(state: CircleState, signer: Uint8Array, op: Op, fields: JsonObject): boolean {
  if (op === 'remove') {
    const id = b64u(unb64uId(fields['device_id']));
    return state.members.has(id) && companionsOf(state, b64u(signer)).includes(id);
  }
  return op === 'leave' || op === 'companion' || (op === 'rotate' && mustRotate(state));
}

/**
 * §8's payload checks 5–8 for a payload parsePayload accepted (1–4: JSON, v, type, signer): a known op
 * with exactly its fields (`malformed`); then, as expectObject checks every object (§1 steps 7 and 8),
 * every member's JSON type (`malformed`: seq and epoch u32, prev null or a string) and every b64u
 * member's length (`bad_encoding`: prev and key_commitment 32 bytes, ids 16); last this circle
 * (`context_mismatch`).
 */
function parseFields(document: JsonObject, circleId: Uint8Array): JsonObject {
  const op = document['op'];
  const table: Readonly<Partial<Record<Op, readonly string[]>>> = document['v'] === 2 ? V2_FIELDS : OP_FIELDS;
  const own = typeof op === 'string' && Object.hasOwn(table, op) ? table[op as Op] : undefined;
  if (own === undefined) throw new ProtocolError('malformed', 'unknown op, or one version 2 does not have');
  const fields = expectObject(document, [...COMMON, ...own], [], VERSIONS);
  if (!bytesEqual(unb64uId(fields['circle_id']), circleId))
    throw new ProtocolError('context_mismatch', 'an entry of another circle');
  return fields;
}

/**
 * A member object: exactly `identity` and `role` (`malformed`), a valid identity (§3's codes),
 * then a role of `admin` or `member` (`malformed`).
 */
async function parseMember(value: unknown): Promise<Member> {
  const fields = expectObject(value, ['identity', 'role']);
  const identity = await verifyIdentity(fields['identity']);
  const role = fields['role'];
  if (typeof role !== 'string' || !ROLES.includes(role)) throw new ProtocolError('malformed', 'unknown role');
  return { identity, role: role as Role };
}

/** A key commitment's bytes; parseFields already refused one that is not 32 bytes (`bad_encoding`). */
function parseCommitment(fields: JsonObject): Uint8Array {
  return unb64u(fields['key_commitment'], KEY_BYTES);
}

/** The next epoch, begun with the members `state` holds now (after any removal). */
function startEpoch(state: CircleState, fields: JsonObject): CircleState {
  const epoch = expectInt(fields, 'epoch');
  if (epoch !== state.epoch + 1) throw new ProtocolError('invalid_operation', 'an epoch must be the next one');
  return {
    ...ended(state, fields),
    closed: false,
    beganAt: fields['v'] === 2 ? (fields['changes'] as number) : null,
    epoch,
    keyCommitments: new Map([...state.keyCommitments, [epoch, parseCommitment(fields)]]),
    epochMembers: new Map([...state.epochMembers, [epoch, new Set(state.members.keys())]]),
  };
}

/** The device an op names: a current member other than the signer, else `invalid_operation`. */
function target(state: CircleState, signer: Uint8Array, fields: JsonObject): string {
  const deviceId = unb64uId(fields['device_id']);
  if (!state.members.has(b64u(deviceId)) || bytesEqual(deviceId, signer)) {
    throw new ProtocolError('invalid_operation', 'not a member, or the signer itself');
  }
  return b64u(deviceId);
}

/** A v2 entry ends the current epoch at its `changes`, or earlier if another already did. */
function ended(state: CircleState, fields: JsonObject): CircleState {
  if (fields['v'] !== 2) return state;
  const changes = fields['changes'] as number;
  const end = Math.min(changes, state.ends.get(state.epoch) ?? changes);
  return { ...state, ends: new Map([...state.ends, [state.epoch, end]]) };
}

function without(state: CircleState, ...ids: string[]): CircleState {
  const members = new Map(state.members);
  const persons = new Map(state.persons);
  for (const id of ids) {
    members.delete(id);
    persons.delete(id);
  }
  return { ...state, members, persons };
}

/** The state with `member` joined: a member now, and a member during the current epoch. */
function joined(state: CircleState, member: Member): CircleState {
  const id = b64u(member.identity.deviceId);
  const during = new Set(state.epochMembers.get(state.epoch)).add(id);
  return {
    ...state,
    members: new Map([...state.members, [id, member]]),
    identities: new Map([...state.identities, [id, member.identity]]),
    epochMembers: new Map([...state.epochMembers, [state.epoch, during]]),
    leftAdmins: new Set([...state.leftAdmins].filter((d) => d !== id)),
  };
}

/** Whether `id` is the only admin: the one way a circle could lose its last, as remove and role never name their signer. */
function onlyAdmin(state: CircleState, id: string): boolean {
  const admins = [...state.members].filter(([, m]) => m.role === 'admin');
  return admins.length === 1 && admins[0]![0] === id;
}

type OpHandler = (state: CircleState, signer: Uint8Array, fields: JsonObject) => Promise<CircleState> | CircleState;

const OPS: Readonly<Record<Exclude<Op, 'genesis'>, OpHandler>> = {
  add: async (state, _signer, fields) => {
    const member = await parseMember(fields['member']);
    const id = b64u(member.identity.deviceId);
    if (state.members.has(id)) throw new ProtocolError('invalid_operation', 'already a member');
    // Its person's other devices stayed: it comes back as their companion, in their role.
    if (devicesOf(state, id).length > 0)
      throw new ProtocolError('invalid_operation', 'the device began a person that is still here');
    if (fields['v'] === 2 && !mayAddAt(state, fields['changes'] as number))
      throw new ProtocolError('invalid_operation', 'an add where the current epoch did not begin: rotate first');
    const persons = new Map(state.persons);
    persons.delete(id);
    return joined({ ...state, persons }, member);
  },
  companion: async (state, signer, fields) => {
    const member = await parseMember(fields['member']);
    const id = b64u(member.identity.deviceId);
    const sponsor = b64u(signer);
    if (state.members.has(id)) throw new ProtocolError('invalid_operation', 'already a member');
    if (member.role !== state.members.get(sponsor)?.role)
      throw new ProtocolError('invalid_operation', "a companion takes its sponsor's role, no other");
    if (mustRotate(state))
      throw new ProtocolError('invalid_operation', 'a companion where the current key may not be used: rotate first');
    return joined({ ...state, persons: new Map([...state.persons, [id, personOf(state, sponsor)]]) }, member);
  },
  // A device of the signer's own person goes alone (unlinking it); another person goes with every one of its devices.
  remove: (state, signer, fields) => {
    const id = target(state, signer, fields);
    const person = personOf(state, id);
    const gone = person === personOf(state, b64u(signer)) ? [id] : devicesOf(state, person);
    return startEpoch(without(state, ...gone), fields);
  },
  leave: (state, signer, fields) => {
    if (onlyAdmin(state, b64u(signer)))
      throw new ProtocolError('invalid_operation', 'a circle keeps at least one admin');
    const id = b64u(signer);
    const gone = without(state, id);
    const left =
      state.members.get(id)?.role === 'admin' ? { ...gone, leftAdmins: new Set([...gone.leftAdmins, id]) } : gone;
    if (fields['v'] === 2) return { ...ended(left, fields), closed: true };
    const after = startEpoch(left, fields);
    return {
      ...after,
      leftBy: new Map([...after.leftBy, [after.epoch, b64u(signer)]]),
    };
  },
  // A role is a person's: every device of the member named takes it, and a signer sets none of its own person's.
  role: (state, signer, fields) => {
    const id = target(state, signer, fields);
    const person = personOf(state, id);
    if (person === personOf(state, b64u(signer)))
      throw new ProtocolError('invalid_operation', "a device of the signer's own person");
    const role = fields['role'];
    if (typeof role !== 'string' || !ROLES.includes(role)) throw new ProtocolError('malformed', 'unknown role');
    const members = new Map(state.members);
    for (const device of devicesOf(state, person)) {
      members.set(device, { identity: state.members.get(device)!.identity, role: role as Role });
    }
    return { ...state, members };
  },
  rotate: (state, _signer, fields) => startEpoch(state, fields),
};

async function checkNotRolledBack(entries: readonly unknown[], known: Head): Promise<void> {
  const atKnown = entries[known.seq];
  if (atKnown === undefined || !bytesEqual(await entryHash(atKnown), known.hash))
    throw new ProtocolError('rolled_back');
}
