/**
 * Runs the shared test vectors (shared_schema/vectors/README.md) through this implementation.
 * Used by the Vitest suite and by scripts/protocol-peer.ts, so both run vectors the same way.
 */

import { chainedRevision, headsJson, leftOut, newChainState, readChain } from '../crypto/chains';
import { keyCommitment, openKeyEnvelope, recordKey } from '../crypto/circleKeys';
import { b64u, fromHex, toHex, unb64u, unb64uId } from '../crypto/encoding';
import { isErrorCode, ProtocolError } from '../crypto/errors';
import { escrowDocument, escrowSecrets, openEscrow } from '../crypto/escrow';
import { type PublicIdentity, verifyIdentity } from '../crypto/identity';
import {
  checkInviterIsAdmin,
  deriveInvite,
  formatTime,
  openInvite,
  parseTime,
  verifyJoinRequest,
  verifyRequestByInvite,
} from '../crypto/invites';
import {
  expectArray,
  expectObject,
  isObject,
  type JsonObject,
  jsonEqual,
  parseJson,
  parseJsonBytes,
} from '../crypto/json';
import { checkedKey, keyRecordId, linkRecordId } from '../crypto/keyring';
import { type CircleState, heldEpochKeys, verifyLog } from '../crypto/membership';
import { pad, unpad } from '../crypto/padding';
import { epochEnded, isAhead } from '../crypto/placement';
import { type AuthorLookup, openRecord, openRevision } from '../crypto/records';
import { safetyNumber } from '../crypto/safety';
import { verifyUnlinkedNotice } from '../crypto/unlinked';
import {
  openLocal,
  recoveryKeyFromText,
  recoveryKeyToText,
  unlockWithPassphrase,
  unlockWithRecovery,
} from '../crypto/vault';
import { mayWrite, merge, units } from '../records';

/** One file of vectors. */
export interface VectorFile {
  readonly group: string;
  readonly description: string;
  readonly vectors: readonly JsonObject[];
}

/** A vector whose outcome was not the one it expects. */
export interface VectorFailure {
  readonly file: string;
  readonly name: string;
  readonly expected: string;
  readonly got: string;
}

export interface CheckResult {
  passed: number;
  failed: VectorFailure[];
}

type Outputs = Record<string, unknown>;
type Runner = (v: JsonObject) => Promise<Outputs>;

function str(v: JsonObject, name: string): string {
  const value = v[name];
  if (typeof value !== 'string') throw new TypeError(`vector field ${name} is not a string`);
  return value;
}

function obj(v: JsonObject, name: string): JsonObject {
  const value = v[name];
  if (!isObject(value)) throw new TypeError(`vector field ${name} is not an object`);
  return value;
}

function paddingInput(v: JsonObject): Uint8Array {
  if (typeof v['input_hex'] === 'string') return fromHex(v['input_hex']);
  const unit = fromHex(str(v, 'repeat_hex'));
  const count = v['count'];
  if (typeof count !== 'number') throw new TypeError('vector field count is not a number');
  const out = new Uint8Array(unit.length * count);
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length);
  return out;
}

function identityOutputs(identity: PublicIdentity): Outputs {
  return {
    device_id: b64u(identity.deviceId),
    sign_pub: b64u(identity.signPub),
    kem_pub: b64u(identity.kemPub),
  };
}

/** Arrays and objects nested in `value`: 0 for a scalar, 1 for `[1]` (the `json` group's `depth`). */
function depth(value: unknown): number {
  const children = isObject(value) ? Object.values(value) : Array.isArray(value) ? value : undefined;
  return children === undefined ? 0 : 1 + Math.max(0, ...children.map(depth));
}

/** A map keyed by the decimal epochs of a vector's object. */
function epochMap(holder: JsonObject): Map<number, Uint8Array> {
  return new Map(Object.entries(holder).map(([epoch, value]) => [Number(epoch), unb64u(value)]));
}

/** "Sorted by device_id" as the reference sorts: by the b64u text, code unit by code unit, not by the bytes. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stateOutputs(state: CircleState): Outputs {
  const members = [...state.members.entries()]
    .map(([deviceId, member]) => ({ device_id: deviceId, role: member.role }))
    .sort((a, b) => byText(a.device_id, b.device_id));
  const commitments = [...state.keyCommitments.entries()].sort(([a], [b]) => a - b);
  const epochMembers = [...state.epochMembers.entries()].sort(([a], [b]) => a - b);
  return {
    members,
    epoch: state.epoch,
    key_commitments: Object.fromEntries(commitments.map(([epoch, c]) => [String(epoch), b64u(c)])),
    epoch_members: Object.fromEntries(epochMembers.map(([epoch, ids]) => [String(epoch), [...ids].sort(byText)])),
    head: { seq: state.head.seq, hash: b64u(state.head.hash) },
  };
}

async function identityKeys(identities: unknown): Promise<Map<string, Uint8Array>> {
  const verified = await Promise.all(expectArray(identities).map((identity) => verifyIdentity(identity)));
  return new Map(verified.map((identity) => [b64u(identity.deviceId), identity.signPub]));
}

const RUNNERS: Readonly<Record<string, Runner>> = {
  encoding: async (v) => ({ bytes_hex: toHex(unb64u(v['input'])) }),
  padding: async (v) => {
    const output = v['op'] === 'pad' ? pad(paddingInput(v)) : unpad(paddingInput(v));
    return { output_hex: toHex(output), output_len: output.length };
  },
  identity: async (v) => identityOutputs(await verifyIdentity(v['identity'])),
  json: async (v) => {
    const document = parseJsonBytes(fromHex(str(v, 'document_hex')));
    if (v['read_as'] === 'identity') return identityOutputs(await verifyIdentity(document));
    return { value: document, depth: depth(document) };
  },
  time: async (v) => ({
    unix_seconds: parseTime(str(v, 'text')).getTime() / 1000,
  }),
  recovery_key: async (v) => ({
    recovery_key: b64u(await recoveryKeyFromText(str(v, 'text'))),
  }),
  recovery_key_encode: async (v) => ({
    text: await recoveryKeyToText(unb64u(v['recovery_key'])),
  }),
  vault: async (v) => {
    const key =
      typeof v['passphrase'] === 'string'
        ? await unlockWithPassphrase(v['vault'], v['passphrase'], {
            allowTestParameters: true,
          })
        : await unlockWithRecovery(v['vault'], str(v, 'recovery_text'));
    return { vault_key: b64u(key) };
  },
  local: async (v) => {
    const plaintext = await openLocal(
      unb64u(v['vault_key']),
      unb64u(v['vault_id']),
      str(v, 'store'),
      str(v, 'key'),
      v['item'],
    );
    return { plaintext_hex: toHex(plaintext) };
  },
  escrow: async (v) => {
    const secrets = await escrowSecrets(unb64u(v['recovery_key']));
    const opened = await openEscrow(secrets, v['escrow']);
    const content = escrowDocument(opened);
    return { escrow_id: b64u(secrets.id), escrow_key: b64u(secrets.key), content };
  },
  key_derivation: async (v) => {
    const key = unb64u(v['epoch_key']);
    const circleId = unb64u(v['circle_id']);
    return {
      record_key: b64u(await recordKey(key, circleId)),
      key_commitment: b64u(await keyCommitment(key, circleId)),
    };
  },
  key_envelope: async (v) => {
    const recipient = unb64u(v['recipient_device_id']);
    const opened = await openKeyEnvelope(
      v['envelope'],
      recipient,
      unb64u(v['recipient_kem_private']),
      epochMap(obj(v, 'commitments')),
    );
    return { epoch_key: b64u(opened.epochKey) };
  },
  epoch_keys: async (v) => {
    const state = await verifyLog(unb64u(v['circle_id']), unb64u(v['genesis_hash']), expectArray(v['entries']));
    const held = await heldEpochKeys(
      expectArray(v['envelopes']),
      state,
      unb64u(v['recipient_device_id']),
      unb64u(v['recipient_kem_private']),
      v['shared'] === true,
    );
    const keys = Object.fromEntries([...held.keys].sort(([a], [b]) => a - b).map(([e, k]) => [String(e), b64u(k)]));
    return { keys, unreadable: [...held.unreadable].sort((a, b) => a - b) };
  },
  placement: async (v) => {
    const state = await verifyLog(unb64u(v['circle_id']), unb64u(v['genesis_hash']), expectArray(v['entries']));
    if (epochEnded(state, v['epoch'], v['position'] as number)) throw new ProtocolError('epoch_ended');
    if (typeof v['hlc'] === 'string' && isAhead(v['hlc'], v['now_ms'] as number))
      throw new ProtocolError('clock_ahead');
    const ends = Object.fromEntries([...state.ends].sort(([a], [b]) => a - b).map(([e, n]) => [String(e), n]));
    return { closed: state.closed, ends };
  },
  record: async (v) => {
    const payload = await openRecord(v['envelope'], epochMap(obj(v, 'epoch_keys')), await recordAuthors(v));
    return { payload };
  },
  chain: async (v) => {
    const keys = epochMap(obj(v, 'epoch_keys'));
    const authors = await recordAuthors(v);
    const state = newChainState(v['complete'] === true);
    for (const step of expectArray(v['steps'])) {
      if (!isObject(step)) throw new Error('a chain step is an object');
      if (step['left_out'] === true) {
        leftOut(state);
        continue;
      }
      const revision = chainedRevision(await openRevision(step['envelope'], keys, authors));
      if (revision !== null) readChain(state, revision, str(v, 'reader'));
    }
    return { heads: headsJson(state) };
  },
  membership: async (v) => {
    const known = isObject(v['known_head']) ? v['known_head'] : undefined;
    const head = known === undefined ? undefined : { seq: Number(known['seq']), hash: unb64u(known['hash']) };
    const state = await verifyLog(unb64u(v['circle_id']), unb64u(v['genesis_hash']), expectArray(v['entries']), head);
    return stateOutputs(state);
  },
  companions: async (v) => {
    const state = await verifyLog(unb64u(v['circle_id']), unb64u(v['genesis_hash']), expectArray(v['entries']));
    return { ...stateOutputs(state), persons: Object.fromEntries([...state.persons].sort()) };
  },
  keyring: async (v) => {
    if (v['body'] !== undefined) {
      const state = await verifyLog(unb64u(v['circle_id']), unb64u(v['genesis_hash']), expectArray(v['entries']));
      return { key_epoch: (await checkedKey(obj(v, 'body'), state)).epoch };
    }
    const [personal, circle] = [unb64u(v['personal_circle_id']), unb64u(v['circle_id'])];
    return {
      link_record_id: b64u(await linkRecordId(personal, circle)),
      key_record_id: b64u(await keyRecordId(personal, circle, Number(v['epoch']))),
    };
  },
  invite_derivation: async (v) => {
    const keys = await deriveInvite(unb64u(v['secret']));
    return {
      invite_id: b64u(keys.inviteId),
      invite_key: b64u(keys.inviteKey),
      auth_pub: b64u(keys.authPub),
    };
  },
  invite: async (v) => {
    const invite = await openInvite(unb64u(v['secret']), v['record'], parseTime(v['now']));
    if (v['entries'] !== undefined) {
      const state = await verifyLog(invite.circleId, invite.genesisHash, expectArray(v['entries']));
      checkInviterIsAdmin(invite, state, invite.genesisHash);
    }
    return {
      circle_id: b64u(invite.circleId),
      genesis_hash: b64u(invite.genesisHash),
      expires_at: formatTime(invite.expiresAt),
      inviter_device_id: b64u(invite.inviter.deviceId),
    };
  },
  join_request: async (v) => {
    if (v['secret'] === undefined) {
      // An admin who never held the link, on the circle's log (§9, "Any admin answers").
      const genesisHash = unb64u(v['genesis_hash'], 32);
      const state = await verifyLog(unb64uId(v['circle_id']), genesisHash, expectArray(v['entries']));
      const proven = await verifyRequestByInvite(state, genesisHash, v['request'], parseTime(v['now']));
      return { device_id: b64u(proven.joiner.deviceId) };
    }
    const keys = await deriveInvite(unb64u(v['secret']));
    return {
      device_id: b64u((await verifyJoinRequest(keys.authPub, keys.inviteId, v['request'])).deviceId),
    };
  },
  safety_number: async (v) => {
    const a = await verifyIdentity(v['a']);
    const b = await verifyIdentity(v['b']);
    const [oneWay, otherWay] = [await safetyNumber(a, b), await safetyNumber(b, a)];
    if (oneWay !== otherWay) throw new Error('a safety number must not depend on who computes it');
    return { number: oneWay };
  },
  authors: async (v) => {
    const admins = v['admins'] as string[];
    const revising = {
      recordId: str(v, 'record_id'),
      author: str(v, 'author'),
      circleId: str(v, 'circle_id'),
      isAdmin: (id: string) => admins.includes(id),
      baseAuthor: v['base_author'] as string | null,
    };
    return { may_write: mayWrite(str(v, 'kind'), revising) };
  },
  unlinked: async (v) => {
    const state = await verifyLog(unb64u(v['circle_id']), unb64u(v['genesis_hash']), expectArray(v['entries']));
    const notice = verifyUnlinkedNotice(v['notice'], state, unb64u(v['device_id']));
    return { signer: b64u(notice.signer), seq: notice.removal.seq, entry_hash: b64u(notice.removal.hash) };
  },
  merge: async (v) => mergeVector(v),
  text_merge: async (v) => (v['op'] === 'units' ? { units: units(str(v, 'text')) } : mergeVector(v)),
};

function mergeVector(v: JsonObject): Outputs {
  const body = (name: string): JsonObject | null => (v[name] === null ? null : obj(v, name));
  const clocks = {
    ...(typeof v['local_hlc'] === 'string' ? { local: v['local_hlc'] } : {}),
    ...(typeof v['remote_hlc'] === 'string' ? { remote: v['remote_hlc'] } : {}),
  };
  return { result: merge(body('base'), body('local'), body('remote'), v['local_is_later'] === true, clocks) };
}

/** The output fields of each group, compared when a vector gives them. */
export const OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  encoding: ['bytes_hex'],
  padding: ['output_hex', 'output_len'],
  identity: ['device_id', 'sign_pub', 'kem_pub'],
  json: ['value', 'depth', 'device_id', 'sign_pub', 'kem_pub'],
  time: ['unix_seconds'],
  recovery_key: ['recovery_key'],
  recovery_key_encode: ['text'],
  vault: ['vault_key'],
  local: ['plaintext_hex'],
  escrow: ['escrow_id', 'escrow_key', 'content'],
  key_derivation: ['record_key', 'key_commitment'],
  key_envelope: ['epoch_key'],
  record: ['payload'],
  chain: ['heads'],
  membership: ['members', 'epoch', 'key_commitments', 'epoch_members', 'head'],
  companions: ['members', 'epoch', 'key_commitments', 'epoch_members', 'head', 'persons'],
  keyring: ['link_record_id', 'key_record_id', 'key_epoch'],
  invite_derivation: ['invite_id', 'invite_key', 'auth_pub'],
  invite: ['circle_id', 'genesis_hash', 'expires_at', 'inviter_device_id'],
  join_request: ['device_id'],
  safety_number: ['number'],
  merge: ['result'],
  text_merge: ['units', 'result'],
  authors: ['may_write'],
  epoch_keys: ['keys', 'unreadable'],
  placement: ['closed', 'ends'],
  unlinked: ['signer', 'seq', 'entry_hash'],
};

/**
 * Runs one vector. Resolves with null when its expectation holds, else with a sentence saying
 * what happened instead. An exception that is not a ProtocolError is always a failure: no open or
 * verify function may let one escape.
 */
export async function runVector(group: string, vector: JsonObject): Promise<string | null> {
  const runner = RUNNERS[group];
  const expected = vector['expect'];
  if (runner === undefined) return `unknown group ${group}`;
  if (expected !== 'ok' && !isErrorCode(expected)) return `unknown expectation ${String(expected)}`;
  let outputs: Outputs;
  try {
    outputs = await runner(vector);
  } catch (error) {
    if (error instanceof ProtocolError)
      return error.code === expected ? null : `failed with ${error.code}, expected ${expected}`;
    return `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  if (expected !== 'ok') return `succeeded, expected ${expected}`;
  const given = (OUTPUTS[group] ?? []).filter((name) => Object.hasOwn(vector, name));
  if (given.length === 0) return 'an ok vector that names no output';
  const wrong = given.filter((name) => !jsonEqual(vector[name], outputs[name]));
  return wrong.length > 0 ? `outputs differ: ${wrong.join(', ')}` : null;
}

/** Parses a vector file strictly (duplicate member names refused, as on the wire). */
export function parseVectorFile(text: string): VectorFile {
  const fields = expectObject(parseJson(text), ['group', 'description', 'vectors']);
  const group = fields['group'];
  const description = fields['description'];
  if (typeof group !== 'string' || typeof description !== 'string')
    throw new TypeError('a vector file names its group and describes it');
  const vectors = expectArray(fields['vectors']).map((v) => {
    if (!isObject(v) || typeof v['name'] !== 'string') throw new TypeError('a vector is an object with a name');
    return v;
  });
  return { group, description, vectors };
}

/** Runs every vector of every file given (name → text), in the order given. */
export async function checkFiles(files: ReadonlyArray<readonly [string, string]>): Promise<CheckResult> {
  const result: CheckResult = { passed: 0, failed: [] };
  for (const [file, text] of files) {
    let parsed: VectorFile;
    try {
      parsed = parseVectorFile(text);
    } catch (error) {
      result.failed.push({
        file,
        name: '(file)',
        expected: 'a vector file',
        got: String(error),
      });
      continue;
    }
    for (const vector of parsed.vectors) {
      const problem = await runVector(parsed.group, vector);
      if (problem === null) result.passed++;
      else
        result.failed.push({
          file,
          name: String(vector['name']),
          expected: String(vector['expect']),
          got: problem,
        });
    }
  }
  return result;
}

/** Who was a member during each epoch, as a verified log says (§8): the author of a record must be one of its epoch's. */
async function recordAuthors(v: JsonObject): Promise<AuthorLookup> {
  const identities = await identityKeys(v['members']);
  const during = new Map(Object.entries(obj(v, 'epoch_members')).map(([e, ids]) => [Number(e), expectArray(ids)]));
  return (deviceId, epoch) => {
    const id = b64u(deviceId);
    return during.get(epoch)?.includes(id) === true ? identities.get(id) : undefined;
  };
}
