/**
 * Positive vectors made here with fresh random keys, in the shared vector format: the Python side
 * runs them to prove it opens what the browser makes (scripts/protocol-peer.ts `fresh`).
 *
 * The expected outputs come from what the maker knows it made (the members it added, the keys
 * and commitments it chose), not from this side's own verifier.
 */
import { keyCommitment, newEpochKey, recordKey, sealKeyEnvelope } from '../crypto/circleKeys';
import { b64u, toHex, utf8 } from '../crypto/encoding';
import { escrowSecrets, sealEscrow } from '../crypto/escrow';
import { type DeviceKeys, generateDeviceKeys, makeIdentity } from '../crypto/identity';
import { deriveInvite, formatTime, makeJoinRequest, newInviteSecret, openInvite, sealInvite } from '../crypto/invites';
import { dumpJson, type JsonObject } from '../crypto/json';
import {
  entryHash,
  type LogPosition,
  makeAdd,
  makeCompanion,
  makeGenesis,
  makeLeave,
  makeRemove,
  makeRole,
  makeRotate,
  type Role,
} from '../crypto/membership';
import { KEY_BYTES, randomBytes } from '../crypto/primitives';
import { makeHlc, sealRecord } from '../crypto/records';
import { safetyNumber } from '../crypto/safety';
import type { SignedObject } from '../crypto/signed';
import { makeUnlinkedNotice } from '../crypto/unlinked';
import { createVault, recoveryKeyToText, sealLocal, TEST_PARAMETERS } from '../crypto/vault';
import type { VectorFile } from './vectorRunner';

function vector(name: string, comment: string, fields: JsonObject): JsonObject {
  return { name, comment, expect: 'ok', ...fields };
}

function file(group: string, description: string, vectors: JsonObject[]): VectorFile {
  return { group, description: `${description} Made by the TypeScript implementation with fresh keys.`, vectors };
}

const newId = (): Uint8Array => randomBytes(16);

function identityOutputs(device: DeviceKeys): JsonObject {
  const { deviceId, signPub, kemPub } = device.public;
  return { device_id: b64u(deviceId), sign_pub: b64u(signPub), kem_pub: b64u(kemPub) };
}

async function identityFile(): Promise<VectorFile> {
  const devices = [await generateDeviceKeys(), await generateDeviceKeys()];
  return file(
    'identity',
    'Self-signed device identities (§3).',
    devices.map((d, i) =>
      vector(`device ${i + 1}`, 'a fresh identity', { identity: makeIdentity(d), ...identityOutputs(d) }),
    ),
  );
}

async function recoveryFiles(): Promise<VectorFile[]> {
  const key = randomBytes(KEY_BYTES);
  const text = await recoveryKeyToText(key);
  const sloppy = text.toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l').replaceAll(' ', '-');
  return [
    file('recovery_key', 'Reading a recovery key a person typed (§5).', [
      vector('as shown', '14 groups of 4', { text, recovery_key: b64u(key) }),
      vector('as typed', 'lower case, hyphens, o for 0 and l for 1', { text: sloppy, recovery_key: b64u(key) }),
    ]),
    file('recovery_key_encode', 'Showing a recovery key (§5): the exact text.', [
      vector('shown', 'upper case, 14 groups of 4', { recovery_key: b64u(key), text }),
    ]),
  ];
}

async function vaultFile(): Promise<VectorFile> {
  const passphrase = 'Ngā whetū o te pō, 4 ever';
  const made = await createVault(passphrase, TEST_PARAMETERS, { allowTestParameters: true });
  const key = b64u(made.vaultKey);
  return file('vault', 'Unlocking the local vault (§5), with the reserved vector parameters m_kib 64, t 1, p 1.', [
    vector('passphrase', 'the passphrase it was made with', { vault: { ...made.vault }, passphrase, vault_key: key }),
    vector('passphrase as NFD', 'the same words in decomposed Unicode', {
      vault: { ...made.vault },
      passphrase: passphrase.normalize('NFD'),
      vault_key: key,
    }),
    vector('recovery key', 'the recovery text shown at creation', {
      vault: { ...made.vault },
      recovery_text: made.recoveryText,
      vault_key: key,
    }),
  ]);
}

async function localFile(): Promise<VectorFile> {
  const vaultKey = randomBytes(KEY_BYTES);
  const vaultId = newId();
  const items = [
    {
      store: 'plan',
      key: 'section-1',
      plaintext: dumpJson({ section: 'safe places', answer: 'the library on Carver St, after 4pm' }),
    },
    { store: 'allies', key: 'ally-7', plaintext: utf8('') },
    { store: 'notes', key: 'n-2', plaintext: randomBytes(300) },
  ];
  const vectors: JsonObject[] = [];
  for (const { store, key, plaintext } of items) {
    const item = await sealLocal(vaultKey, vaultId, store, key, plaintext);
    vectors.push(
      vector(`${store}/${key}`, `${plaintext.length} bytes`, {
        vault_id: b64u(vaultId),
        vault_key: b64u(vaultKey),
        store,
        key,
        item: { ...item },
        plaintext_hex: toHex(plaintext),
      }),
    );
  }
  return file('local', 'Items kept on the device under the vault key (§5).', vectors);
}

async function escrowFile(): Promise<VectorFile> {
  const recoveryKey = randomBytes(KEY_BYTES);
  const secrets = await escrowSecrets(recoveryKey);
  const device = await generateDeviceKeys();
  const [circleId, genesisHash, head] = [newId(), randomBytes(32), { seq: 3, hash: randomBytes(32) }];
  const escrow = await sealEscrow(secrets, {
    signSeed: device.signSeed,
    kemPrivate: device.kemPrivate,
    circleId,
    genesisHash,
    head,
  });
  const content = {
    v: 1,
    type: 'escrow',
    device: { sign_seed: b64u(device.signSeed), kem_private: b64u(device.kemPrivate) },
    circle_id: b64u(circleId),
    genesis_hash: b64u(genesisHash),
    head: { seq: head.seq, hash: b64u(head.hash) },
  };
  return file('escrow', 'Opening a recovery escrow with the recovery key alone (§15).', [
    vector('open', 'a fresh device and circle', {
      recovery_key: b64u(recoveryKey),
      escrow: { ...escrow },
      escrow_id: b64u(secrets.id),
      escrow_key: b64u(secrets.key),
      content,
    }),
  ]);
}

async function keyDerivationFile(): Promise<VectorFile> {
  const circleId = newId();
  const key = newEpochKey();
  return file('key_derivation', 'Keys derived from an epoch key (§6).', [
    vector('derive', 'record key and commitment', {
      circle_id: b64u(circleId),
      epoch_key: b64u(key),
      record_key: b64u(await recordKey(key, circleId)),
      key_commitment: b64u(await keyCommitment(key, circleId)),
    }),
  ]);
}

async function keyEnvelopeFile(): Promise<VectorFile> {
  const member = await generateDeviceKeys();
  const circleId = newId();
  const vectors: JsonObject[] = [];
  for (const epoch of [0, 3]) {
    const key = newEpochKey();
    const commitment = b64u(await keyCommitment(key, circleId));
    const envelope = await sealKeyEnvelope(circleId, epoch, member.public, key);
    vectors.push(
      vector(`epoch ${epoch}`, 'sealed to this device', {
        envelope: { ...envelope },
        recipient_kem_private: b64u(member.kemPrivate),
        recipient_device_id: b64u(member.public.deviceId),
        commitments: { [String(epoch)]: commitment },
        epoch_key: b64u(key),
      }),
    );
  }
  return file('key_envelope', 'Epoch keys sealed to one member with HPKE (§6).', vectors);
}

async function recordFile(): Promise<VectorFile> {
  const [alice, bo] = [await generateDeviceKeys(), await generateDeviceKeys()];
  const circleId = newId();
  const keys = new Map([
    [1, newEpochKey()],
    [2, newEpochKey()],
  ]);
  const both = [b64u(alice.public.deviceId), b64u(bo.public.deviceId)].sort();
  const base = {
    epoch_keys: Object.fromEntries([...keys].map(([e, k]) => [String(e), b64u(k)])),
    members: [makeIdentity(alice), makeIdentity(bo)],
    epoch_members: { '1': both, '2': both },
  };
  const writes: { author: DeviceKeys; epoch: number; body: JsonObject | null; comment: string }[] = [
    {
      author: alice,
      epoch: 1,
      body: { kind: 'note', title: 'Tonight', text: 'Mere is safe tonight — checked at 21:40.' },
      comment: "Alice's note in epoch 1",
    },
    {
      author: bo,
      epoch: 2,
      body: {
        kind: 'ally',
        name: 'Tama',
        reach: '+64 21 000 0000',
        roles: ['supports-me', 'facilitator'],
        whatTheyKnow: 'that I am staying with Mere',
        whatIWantThemToKnow: '',
        availability: 'evenings',
        trustNotes: '',
        status: 'ally',
      },
      comment: "Bo's ally in epoch 2",
    },
    {
      author: alice,
      epoch: 2,
      body: {
        kind: 'plan',
        section: 'leaving-safely',
        answer: `Bag by the door; code word: "blue kettle". ${'Call Tama first. '.repeat(30)}`,
        shareable: true,
        allyIds: [b64u(newId())],
      },
      comment: 'a larger body, the 1024 bucket',
    },
    { author: bo, epoch: 2, body: null, comment: "Bo's tombstone: deleted, no body" },
  ];
  const vectors: JsonObject[] = [];
  for (const [i, { author, epoch, body, comment }] of writes.entries()) {
    const ref = { circleId, recordId: newId(), epoch };
    const changeId = newId();
    const hlc = makeHlc(1795651200000 + i, i, author.public.deviceId);
    const envelope = await sealRecord(author, ref, keys.get(epoch)!, { changeId, hlc, body });
    const payload: JsonObject = {
      v: 1,
      type: 'record',
      circle_id: b64u(circleId),
      record_id: b64u(ref.recordId),
      epoch,
      change_id: b64u(changeId),
      author: b64u(author.public.deviceId),
      hlc,
      deleted: body === null,
    };
    if (body !== null) payload['body'] = body;
    vectors.push(vector(`record ${i + 1}`, comment, { envelope: { ...envelope }, ...base, payload }));
  }
  vectors.push(await chainedRecord(alice, bo, circleId, keys.get(2)!, base));
  return file('record', 'Record envelopes (§7) by two authors.', vectors);
}

/** A v2 revision: Alice's second in the circle, having received Bo's fourth (§7, "Author chains"). */
async function chainedRecord(
  alice: DeviceKeys,
  bo: DeviceKeys,
  circleId: Uint8Array,
  key: Uint8Array,
  base: JsonObject,
): Promise<JsonObject> {
  const ref = { circleId, recordId: newId(), epoch: 2 };
  const [changeId, prev, boHead] = [newId(), randomBytes(32), randomBytes(32)];
  const hlc = makeHlc(1795651300000, 0, alice.public.deviceId);
  const body = { kind: 'checkin', feeling: 'need-break', text: '', need: '', speaksFor: '' };
  const chained = { prev: { n: 0, hash: prev }, seen: new Map([[b64u(bo.public.deviceId), { n: 3, hash: boHead }]]) };
  const envelope = await sealRecord(alice, ref, key, { changeId, hlc, body, chained });
  const payload: JsonObject = {
    v: 2,
    type: 'record',
    circle_id: b64u(circleId),
    record_id: b64u(ref.recordId),
    epoch: 2,
    change_id: b64u(changeId),
    author: b64u(alice.public.deviceId),
    hlc,
    n: 1,
    prev: b64u(prev),
    seen: { [b64u(bo.public.deviceId)]: { n: 3, hash: b64u(boHead) } },
    deleted: false,
    body,
  };
  return vector('record v2', "Alice's second revision in the circle, chained", {
    envelope: { ...envelope },
    ...base,
    payload,
  });
}

/** The log as its maker tracks it: what the expected outputs are built from. */
interface Tracked {
  entries: SignedObject[];
  position: LogPosition;
  roles: Map<string, Role>;
  commitments: Map<number, string>;
  /** Per epoch, everyone who was a member at some time during it. */
  epochMembers: Map<number, Set<string>>;
}

/** Appends an entry; `change` updates the roles it changes, before a new epoch (if any) begins. */
async function appendTo(
  log: Tracked,
  entry: SignedObject,
  change: (roles: Map<string, Role>) => void,
  newKey?: Uint8Array,
): Promise<void> {
  log.entries.push(entry);
  change(log.roles);
  const during = log.epochMembers.get(log.position.epoch)!;
  for (const id of log.roles.keys()) during.add(id);
  const epoch = newKey === undefined ? log.position.epoch : log.position.epoch + 1;
  if (newKey !== undefined) {
    log.commitments.set(epoch, b64u(await keyCommitment(newKey, log.position.circleId)));
    log.epochMembers.set(epoch, new Set(log.roles.keys()));
  }
  log.position = {
    circleId: log.position.circleId,
    epoch,
    head: { seq: log.position.head.seq + 1, hash: await entryHash(entry) },
  };
}

async function membershipFile(): Promise<VectorFile> {
  const [a, b, c] = [await generateDeviceKeys(), await generateDeviceKeys(), await generateDeviceKeys()];
  const id = (d: DeviceKeys) => b64u(d.public.deviceId);
  const circleId = newId();
  const key0 = newEpochKey();
  const genesis = await makeGenesis(a, circleId, key0);
  const genesisHash = await entryHash(genesis);
  const log: Tracked = {
    entries: [genesis],
    position: { circleId, epoch: 0, head: { seq: 0, hash: genesisHash } },
    roles: new Map([[id(a), 'admin']]),
    commitments: new Map([[0, b64u(await keyCommitment(key0, circleId))]]),
    epochMembers: new Map([[0, new Set([id(a)])]]),
  };
  await appendTo(log, makeAdd(a, log.position, makeIdentity(b)), (r) => r.set(id(b), 'member'));
  await appendTo(log, makeAdd(a, log.position, makeIdentity(c)), (r) => r.set(id(c), 'member'));
  await appendTo(log, makeRole(a, log.position, b.public.deviceId, 'admin'), (r) => r.set(id(b), 'admin'));
  const removeKey = newEpochKey();
  await appendTo(
    log,
    await makeRemove(b, log.position, c.public.deviceId, removeKey),
    (r) => r.delete(id(c)),
    removeKey,
  );
  const rotateKey = newEpochKey();
  await appendTo(log, await makeRotate(a, log.position, rotateKey), () => undefined, rotateKey);
  const full = {
    circle_id: b64u(circleId),
    genesis_hash: b64u(genesisHash),
    entries: [...log.entries],
    ...expectedState(log),
  };
  const leaveKey = newEpochKey();
  await appendTo(log, await makeLeave(b, log.position, leaveKey), (r) => r.delete(id(b)), leaveKey);
  const left = {
    circle_id: b64u(circleId),
    genesis_hash: b64u(genesisHash),
    entries: [...log.entries],
    ...expectedState(log),
  };
  return file(
    'membership',
    'The signed membership log (§8): genesis(A), add(B), add(C), role(B admin), remove(C) by B, rotate by A, then leave(B).',
    [
      vector('genesis to rotate', 'genesis, add, add, role, remove, rotate', full),
      vector('with leave', 'the same log after B leaves', left),
      vector('up to date', 'the head the client already knew', {
        ...left,
        known_head: { seq: 3, hash: b64u(await entryHash(log.entries[3]!)) },
      }),
    ],
  );
}

/** A person's devices (§8): A lets in A2, B lets in B2, then A removes B, which takes B2 with it. */
async function companionsFile(): Promise<VectorFile> {
  const [a, a2, b, b2] = await Promise.all([1, 2, 3, 4].map(() => generateDeviceKeys()));
  const id = (d: DeviceKeys) => b64u(d.public.deviceId);
  const circleId = newId();
  const key0 = newEpochKey();
  const genesis = await makeGenesis(a, circleId, key0);
  const genesisHash = await entryHash(genesis);
  const log: Tracked = {
    entries: [genesis],
    position: { circleId, epoch: 0, head: { seq: 0, hash: genesisHash } },
    roles: new Map([[id(a), 'admin']]),
    commitments: new Map([[0, b64u(await keyCommitment(key0, circleId))]]),
    epochMembers: new Map([[0, new Set([id(a)])]]),
  };
  await appendTo(log, makeAdd(a, log.position, makeIdentity(b)), (r) => r.set(id(b), 'member'));
  await appendTo(log, makeCompanion(a, log.position, makeIdentity(a2), 'admin', 2), (r) => r.set(id(a2), 'admin'));
  await appendTo(log, makeCompanion(b, log.position, makeIdentity(b2), 'member', 2), (r) => r.set(id(b2), 'member'));
  const removeKey = newEpochKey();
  const removal = await makeRemove(a2, log.position, b2.public.deviceId, removeKey, 2);
  await appendTo(
    log,
    removal,
    (r) => {
      r.delete(id(b));
      r.delete(id(b2));
    },
    removeKey,
  );
  return file('companions', "A person's devices (§8): companions, and an admin's removal of a whole person.", [
    vector('an admin removes a person', "A2 (A's companion) removes B2: B goes with it", {
      circle_id: b64u(circleId),
      genesis_hash: b64u(genesisHash),
      entries: [...log.entries],
      ...expectedState(log),
      persons: { [id(a2)]: id(a) },
    }),
  ]);
}

function expectedState(log: Tracked): JsonObject {
  const members = [...log.roles.entries()]
    .map(([device_id, role]) => ({ device_id, role }))
    .sort((x, y) => (x.device_id < y.device_id ? -1 : 1));
  const byEpoch = <T>(map: Map<number, T>) => [...map].sort(([x], [y]) => x - y);
  return {
    members,
    epoch: log.position.epoch,
    key_commitments: Object.fromEntries(byEpoch(log.commitments).map(([e, c]) => [String(e), c])),
    epoch_members: Object.fromEntries(byEpoch(log.epochMembers).map(([e, ids]) => [String(e), [...ids].sort()])),
    head: { seq: log.position.head.seq, hash: b64u(log.position.head.hash) },
  };
}

async function inviteFiles(): Promise<VectorFile[]> {
  const [admin, joiner] = [await generateDeviceKeys(), await generateDeviceKeys()];
  const secret = newInviteSecret();
  const keys = await deriveInvite(secret);
  const circleId = newId();
  const genesisHash = randomBytes(32);
  const expiresAt = new Date(Date.UTC(2026, 11, 1));
  const record = await sealInvite(admin, secret, circleId, genesisHash, expiresAt);
  const request = await makeJoinRequest(secret, joiner);
  const opened = await openInvite(secret, record, new Date('2026-11-30T00:00:00Z'));
  const requestV2 = await makeJoinRequest(secret, joiner, opened);
  return [
    file('invite_derivation', 'What an invite secret yields (§9).', [
      vector('derive', 'id, key and auth key', {
        secret: b64u(secret),
        invite_id: b64u(keys.inviteId),
        invite_key: b64u(keys.inviteKey),
        auth_pub: b64u(keys.authPub),
      }),
    ]),
    file('invite', 'Opening an invite record with the link secret (§9).', [
      vector('open', 'before it expires', {
        secret: b64u(secret),
        record: { ...record },
        now: '2026-11-30T23:59:59Z',
        circle_id: b64u(circleId),
        genesis_hash: b64u(genesisHash),
        expires_at: formatTime(expiresAt),
        inviter_device_id: b64u(admin.public.deviceId),
      }),
    ]),
    file('join_request', 'Join requests checked by the approving admin (§9).', [
      vector('valid', 'made with the link', {
        secret: b64u(secret),
        request: { ...request },
        device_id: b64u(joiner.public.deviceId),
      }),
      vector('valid v2', "made with the link, carrying the admin's signed invite", {
        secret: b64u(secret),
        request: { ...requestV2 },
        device_id: b64u(joiner.public.deviceId),
      }),
    ]),
  ];
}

async function safetyFile(): Promise<VectorFile> {
  const vectors: JsonObject[] = [];
  for (const i of [1, 2]) {
    const [a, b] = [await generateDeviceKeys(), await generateDeviceKeys()];
    vectors.push(
      vector(`pair ${i}`, 'two devices', {
        a: makeIdentity(a),
        b: makeIdentity(b),
        number: await safetyNumber(a.public, b.public),
      }),
    );
  }
  return file('safety_number', 'Safety numbers (§10): the same both ways round.', vectors);
}

async function unlinkedFile(): Promise<VectorFile> {
  const [a, b] = [await generateDeviceKeys(), await generateDeviceKeys()];
  const circleId = newId();
  const genesis = await makeGenesis(a, circleId, newEpochKey());
  const genesisHash = await entryHash(genesis);
  const add = makeAdd(a, { circleId, epoch: 0, head: { seq: 0, hash: genesisHash } }, makeIdentity(b), 'admin');
  const position = { circleId, epoch: 0, head: { seq: 1, hash: await entryHash(add) } };
  const removal = { seq: 2, hash: await entryHash(await makeRemove(a, position, b.public.deviceId, newEpochKey())) };
  return file('unlinked', 'A removed device reads the notice of its removal (§17).', [
    vector('A tells B it removed it', 'B verified the log up to its own add', {
      circle_id: b64u(circleId),
      genesis_hash: b64u(genesisHash),
      entries: [genesis, add],
      device_id: b64u(b.public.deviceId),
      notice: makeUnlinkedNotice(a, circleId, b.public.deviceId, removal),
      signer: b64u(a.public.deviceId),
      seq: 2,
      entry_hash: b64u(removal.hash),
    }),
  ]);
}

/** Every group this side makes fresh vectors for, keyed by group name. */
export async function makeFreshVectors(): Promise<Map<string, VectorFile>> {
  const files = [
    await identityFile(),
    ...(await recoveryFiles()),
    await vaultFile(),
    await localFile(),
    await escrowFile(),
    await keyDerivationFile(),
    await keyEnvelopeFile(),
    await recordFile(),
    await membershipFile(),
    await companionsFile(),
    ...(await inviteFiles()),
    await safetyFile(),
    await unlinkedFile(),
  ];
  return new Map(files.map((f) => [f.group, f]));
}

/** A vector file as text, in the layout the Python generator writes. */
export function vectorFileText(content: VectorFile): string {
  return `${JSON.stringify(content, null, 1)}\n`;
}
