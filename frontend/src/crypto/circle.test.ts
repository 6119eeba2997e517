import { describe, expect, it } from 'vitest';
import { failsWith, flip } from '../testing/crypto';
import { keyCommitment, newEpochKey, openKeyEnvelope, recordKey, sealKeyEnvelope } from './circleKeys';
import { b64u, concat, ctx, u32, unb64u, utf8 } from './encoding';
import { type DeviceKeys, generateDeviceKeys, makeIdentity } from './identity';
import { dumpJson, type JsonObject } from './json';
import {
  type CircleState,
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
} from './membership';
import { pad } from './padding';
import { aeadSeal, ed25519Sign, randomBytes } from './primitives';
import { makeHlc, openRecord, type RecordRef, sealRecord } from './records';
import { type SignedObject, signingInput, signPayload } from './signed';

const newId = () => randomBytes(16);

describe('key envelopes', () => {
  it('open for their recipient, and only with the commitment the log holds', async () => {
    const member = await generateDeviceKeys();
    const circleId = newId();
    const key = newEpochKey();
    const envelope = await sealKeyEnvelope(circleId, 4, member.public, key);
    const commitments = new Map([[4, await keyCommitment(key, circleId)]]);
    const open = (env: unknown, c = commitments, who: DeviceKeys = member) =>
      openKeyEnvelope(env, who.public.deviceId, who.kemPrivate, c);
    expect((await open(envelope)).epochKey).toEqual(key);
    expect(await failsWith(() => open(envelope, new Map([[3, commitments.get(4)!]])))).toBe('unknown_epoch');
    expect(await failsWith(() => open(envelope, new Map([[4, randomBytes(32)]])))).toBe('key_mismatch');
    expect(await failsWith(() => open({ ...envelope, epoch: 5 }, new Map([[5, commitments.get(4)!]])))).toBe(
      'decrypt_failed',
    );
    expect(await failsWith(() => open({ ...envelope, circle_id: b64u(newId()) }))).toBe('decrypt_failed');
    expect(await failsWith(() => open({ ...envelope, sealed: flip(envelope.sealed, 40) }))).toBe('decrypt_failed');
    expect(await failsWith(() => open({ ...envelope, sealed: flip(envelope.sealed, 3) }))).toBe('decrypt_failed');
    expect(await failsWith(() => open({ ...envelope, sealed: b64u(new Uint8Array(47)) }))).toBe('truncated');
    const stranger = await generateDeviceKeys();
    expect(await failsWith(() => open(envelope, commitments, stranger))).toBe('context_mismatch');
    expect(
      await failsWith(() => openKeyEnvelope(envelope, member.public.deviceId, new Uint8Array(31), commitments)),
    ).toBe('decrypt_failed');
  });

  it('refuses a sealed key of any size but 80 bytes, even one HPKE seals well: shorter truncated, longer malformed', async () => {
    const member = await generateDeviceKeys();
    const circleId = newId();
    for (const [keyBytes, code] of [
      [16, 'truncated'],
      [31, 'truncated'],
      [33, 'malformed'],
      [64, 'malformed'],
    ] as const) {
      const odd = await sealKeyEnvelope(circleId, 0, member.public, randomBytes(keyBytes));
      const opened = () =>
        openKeyEnvelope(odd, member.public.deviceId, member.kemPrivate, new Map([[0, randomBytes(32)]]));
      expect(await failsWith(opened)).toBe(code);
    }
  });
});

describe('records', () => {
  async function setup() {
    const [alice, bo] = [await generateDeviceKeys(), await generateDeviceKeys()];
    const ref: RecordRef = { circleId: newId(), recordId: newId(), epoch: 2 };
    const key = newEpochKey();
    const keys = new Map([[2, key]]);
    const known = new Map([alice, bo].map((d) => [b64u(d.public.deviceId), d.public.signPub]));
    const authors = (id: Uint8Array, _epoch: number) => known.get(b64u(id));
    return { alice, bo, ref, key, keys, authors };
  }

  /** An envelope around inner bytes of the test's choosing, as a member with the key could make. */
  async function rawEnvelope(ref: RecordRef, key: Uint8Array, padded: Uint8Array) {
    const nonce = randomBytes(12);
    const aad = ctx('support-circle/v1/record', ref.circleId, ref.recordId, u32(ref.epoch));
    const ct = await aeadSeal(await recordKey(key, ref.circleId), nonce, padded, aad);
    return {
      v: 1,
      circle_id: b64u(ref.circleId),
      record_id: b64u(ref.recordId),
      epoch: ref.epoch,
      nonce: b64u(nonce),
      ct: b64u(ct),
    };
  }

  function inner(author: DeviceKeys, payload: string | JsonObject, signAs: DeviceKeys = author): Uint8Array {
    const bytes = typeof payload === 'string' ? utf8(payload) : dumpJson(payload);
    return concat(author.public.deviceId, ed25519Sign(signAs.signSeed, signingInput('record', bytes)), bytes);
  }

  function payloadFor(author: DeviceKeys, ref: RecordRef, extra: JsonObject = {}): JsonObject {
    return {
      v: 1,
      type: 'record',
      circle_id: b64u(ref.circleId),
      record_id: b64u(ref.recordId),
      epoch: ref.epoch,
      change_id: b64u(newId()),
      author: b64u(author.public.deviceId),
      hlc: makeHlc(1795651200000, 0, author.public.deviceId),
      deleted: false,
      body: { text: 'hi' },
      ...extra,
    };
  }

  it('round-trip a note and a tombstone', async () => {
    const { alice, ref, key, keys, authors } = await setup();
    const body = { kind: 'note', text: 'safe tonight', n: 1.5 };
    const hlc = makeHlc(1795651200123, 10, alice.public.deviceId);
    const note = await sealRecord(alice, ref, key, { changeId: newId(), hlc, body });
    expect((await openRecord(note, keys, authors))['body']).toEqual(body);
    const tomb = await sealRecord(alice, ref, key, { changeId: newId(), hlc, body: null });
    const opened = await openRecord(tomb, keys, authors);
    expect(opened['deleted']).toBe(true);
    expect(Object.hasOwn(opened, 'body')).toBe(false);
    expect(hlc).toBe(`1795651200123-000a-${b64u(alice.public.deviceId)}`);
  });

  it('refuse relabelling, tampering and unknown keys in §7 order', async () => {
    const { alice, ref, key, keys, authors } = await setup();
    const note = await sealRecord(alice, ref, key, {
      changeId: newId(),
      hlc: makeHlc(1795651200000, 0, alice.public.deviceId),
      body: {},
    });
    const open = (env: unknown) => openRecord(env, keys, authors);
    expect(await failsWith(() => open({ ...note, record_id: b64u(newId()) }))).toBe('decrypt_failed');
    expect(await failsWith(() => open({ ...note, ct: flip(note.ct, 0) }))).toBe('decrypt_failed');
    expect(await failsWith(() => open({ ...note, epoch: 9 }))).toBe('unknown_epoch');
    expect(await failsWith(() => open({ ...note, nonce: b64u(new Uint8Array(16)) }))).toBe('truncated');
    expect(await failsWith(() => open({ ...note, ct: b64u(new Uint8Array(15)) }))).toBe('truncated');
    expect(await failsWith(() => open({ ...note, epoch: 2.5 }))).toBe('malformed');
    expect(await failsWith(() => open({ ...note, epoch: -1 }))).toBe('malformed');
    expect(await failsWith(() => openRecord(note, keys, () => undefined))).toBe('unknown_author');
  });

  it('refuse inner documents no honest author writes', async () => {
    const { alice, bo, ref, key, keys, authors } = await setup();
    const open = async (innerBytes: Uint8Array) =>
      openRecord(await rawEnvelope(ref, key, pad(innerBytes)), keys, authors);
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref), bo)))).toBe('bad_signature');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref)).slice(0, 80)))).toBe('missing_signature');
    expect(await failsWith(() => open(inner(alice, payloadFor(bo, ref))))).toBe('context_mismatch');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, { ...ref, epoch: 1 }))))).toBe('context_mismatch');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { deleted: true }))))).toBe('malformed');
    const noBody = payloadFor(alice, ref);
    delete noBody['body'];
    expect(await failsWith(() => open(inner(alice, noBody)))).toBe('malformed');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { body: [1] }))))).toBe('malformed');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { hlc: 5 }))))).toBe('malformed');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { extra: 1 }))))).toBe('malformed');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { type: 'note' }))))).toBe('wrong_type');
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { v: 3 }))))).toBe('unsupported_version');
    // A v2 payload must carry its place in the author's chain (§7 step 10).
    expect(await failsWith(() => open(inner(alice, payloadFor(alice, ref, { v: 2 }))))).toBe('malformed');
    const text = dumpJson(payloadFor(alice, ref));
    const duplicated = new TextDecoder().decode(text).replace('"deleted":false', '"deleted":false,"deleted":true');
    expect(await failsWith(() => open(inner(alice, duplicated)))).toBe('malformed');
    const floatEpoch = new TextDecoder().decode(text).replace('"epoch":2', '"epoch":2.0');
    expect(await failsWith(() => open(inner(alice, floatEpoch)))).toBe('malformed');
    expect(
      await failsWith(async () => openRecord(await rawEnvelope(ref, key, new Uint8Array(300)), keys, authors)),
    ).toBe('bad_padding');
  });

  it('refuse an hlc not of §7 form, or naming another author, with malformed', async () => {
    const { alice, bo, ref, key, keys, authors } = await setup();
    const open = async (hlc: unknown) =>
      openRecord(await rawEnvelope(ref, key, pad(inner(alice, payloadFor(alice, ref, { hlc })))), keys, authors);
    const me = b64u(alice.public.deviceId);
    expect((await open(`0000000000000-0000-${me}`))['hlc']).toBe(`0000000000000-0000-${me}`);
    expect((await open(`9999999999999-ffff-${me}`))['hlc']).toBe(`9999999999999-ffff-${me}`);
    for (const hlc of [
      `1795651200000-0000-${b64u(bo.public.deviceId)}`,
      `1795651200000-0000-`,
      `1795651200000-0000`,
      `179565120000-0000-${me}`,
      `17956512000000-0000-${me}`,
      `1795651200000-000A-${me}`,
      `1795651200000-00000-${me}`,
      `1795651200000-000-${me}`,
      `1795651200000_0000_${me}`,
      `１795651200000-0000-${me}`,
      `1795651200000-0000-${me}=`,
      `1795651200000-0000-${me} `,
      ` 1795651200000-0000-${me}`,
      `1795651200000-0000-${me}\n`,
      1795651200000,
      null,
    ]) {
      expect(await failsWith(() => open(hlc)), JSON.stringify(hlc)).toBe('malformed');
    }
  });

  it('refuse to seal an hlc readers would refuse', async () => {
    const { alice, bo, ref, key } = await setup();
    const seal = (hlc: string) => sealRecord(alice, ref, key, { changeId: newId(), hlc, body: {} });
    await expect(seal('h')).rejects.toThrow(RangeError);
    await expect(seal(makeHlc(1795651200000, 0, bo.public.deviceId))).rejects.toThrow(RangeError);
  });

  it('refuse a body too large for the largest bucket with too_large', async () => {
    const { alice, ref, key } = await setup();
    const body = { text: 'x'.repeat(65536) };
    expect(
      await failsWith(() =>
        sealRecord(alice, ref, key, { changeId: newId(), hlc: makeHlc(0, 0, alice.public.deviceId), body }),
      ),
    ).toBe('too_large');
  });
});

describe('membership log', () => {
  interface Log {
    entries: SignedObject[];
    state: CircleState;
    genesisHash: Uint8Array;
  }

  async function start(creator: DeviceKeys): Promise<Log> {
    const circleId = newId();
    const genesis = await makeGenesis(creator, circleId, newEpochKey());
    const genesisHash = await entryHash(genesis);
    return { entries: [genesis], genesisHash, state: await verifyLog(circleId, genesisHash, [genesis]) };
  }

  async function append(log: Log, entry: SignedObject | Promise<SignedObject>): Promise<Log> {
    const entries = [...log.entries, await entry];
    return { ...log, entries, state: await verifyLog(log.state.circleId, log.genesisHash, entries) };
  }

  function verify(log: Log, entries: unknown[]) {
    return verifyLog(log.state.circleId, log.genesisHash, entries);
  }

  /** The next entry with any payload fields, as a hostile or buggy signer could write it. */
  function rawNext(log: Log, signer: DeviceKeys, fields: JsonObject): SignedObject {
    return signPayload(signer.signSeed, signer.public.deviceId, {
      v: 1,
      type: 'membership',
      circle_id: b64u(log.state.circleId),
      seq: log.state.head.seq + 1,
      prev: b64u(log.state.head.hash),
      signer: b64u(signer.public.deviceId),
      ...fields,
    } as JsonObject & { type: 'membership' });
  }

  async function threeMembers() {
    const [a, b, c] = [await generateDeviceKeys(), await generateDeviceKeys(), await generateDeviceKeys()];
    let log = await start(a);
    log = await append(log, makeAdd(a, log.state, makeIdentity(b)));
    log = await append(log, makeAdd(a, log.state, makeIdentity(c), 'admin'));
    return { a, b, c, log };
  }

  it('follows every op to the members, epoch and commitments its maker expects', async () => {
    const { a, b, c, log: start3 } = await threeMembers();
    let log = await append(start3, makeRole(c, start3.state, b.public.deviceId, 'admin'));
    const k1 = newEpochKey();
    log = await append(log, makeRemove(a, log.state, c.public.deviceId, k1));
    const k2 = newEpochKey();
    log = await append(log, makeRotate(b, log.state, k2));
    const k3 = newEpochKey();
    log = await append(log, makeLeave(b, log.state, k3));
    const { state } = log;
    expect([...state.members.entries()].map(([id, m]) => [id, m.role])).toEqual([[b64u(a.public.deviceId), 'admin']]);
    expect(state.epoch).toBe(3);
    expect(state.keyCommitments.get(1)).toEqual(await keyCommitment(k1, state.circleId));
    expect(state.keyCommitments.get(3)).toEqual(await keyCommitment(k3, state.circleId));
    expect(state.head).toEqual({ seq: 6, hash: await entryHash(log.entries[6]) });
    expect(memberKeys(state)(b.public.deviceId)).toBeUndefined();
    const ids = (d: DeviceKeys[]) => new Set(d.map((x) => b64u(x.public.deviceId)));
    expect(state.epochMembers).toEqual(
      new Map([
        [0, ids([a, b, c])],
        [1, ids([a, b])],
        [2, ids([a, b])],
        [3, ids([a])],
      ]),
    );
    const authors = recordAuthors(state);
    expect(authors(c.public.deviceId, 0)).toEqual(c.public.signPub);
    expect(authors(c.public.deviceId, 1)).toBeUndefined();
    expect(authors(b.public.deviceId, 2)).toEqual(b.public.signPub);
    expect(authors(b.public.deviceId, 3)).toBeUndefined();
  });

  it("opens a removed member's old records, and none they write under a later epoch", async () => {
    const { a, c, log: start3 } = await threeMembers();
    const [k0, k1] = [newEpochKey(), newEpochKey()];
    const log = await append(start3, makeRemove(a, start3.state, c.public.deviceId, k1));
    const keys = new Map([
      [0, k0],
      [1, k1],
    ]);
    const write = (epoch: number, key: Uint8Array) =>
      sealRecord(c, { circleId: log.state.circleId, recordId: newId(), epoch }, key, {
        changeId: newId(),
        hlc: makeHlc(1795651200000, 0, c.public.deviceId),
        body: {},
      });
    expect((await openRecord(await write(0, k0), keys, recordAuthors(log.state)))['epoch']).toBe(0);
    expect(await failsWith(async () => openRecord(await write(1, k1), keys, recordAuthors(log.state)))).toBe(
      'unknown_author',
    );
  });

  it('refuses a log that does not start at the anchor, or another circle', async () => {
    const { log } = await threeMembers();
    expect(await failsWith(() => verifyLog(log.state.circleId, randomBytes(32), log.entries))).toBe('genesis_mismatch');
    expect(await failsWith(() => verifyLog(log.state.circleId, log.genesisHash, []))).toBe('genesis_mismatch');
    expect(await failsWith(() => verifyLog(newId(), log.genesisHash, log.entries))).toBe('context_mismatch');
  });

  it('refuses entries dropped, reordered, unsigned or forged', async () => {
    const { a, log } = await threeMembers();
    const [g, e1, e2] = log.entries as [SignedObject, SignedObject, SignedObject];
    expect(await failsWith(() => verify(log, [g, e2]))).toBe('broken_chain');
    expect(await failsWith(() => verify(log, [g, e2, e1]))).toBe('broken_chain');
    expect(await failsWith(() => verify(log, [g, { ...e1, sig: flip(e1.sig) }]))).toBe('bad_signature');
    expect(await failsWith(() => verify(log, [g, { ...e1, sig: '' }]))).toBe('missing_signature');
    const outsider = await generateDeviceKeys();
    expect(
      await failsWith(() => verify(log, [...log.entries, makeAdd(outsider, log.state, makeIdentity(outsider))])),
    ).toBe('unknown_author');
    // §8 step 1 (§2 step 1) refuses a signature that is not 64 bytes before the signer is looked up.
    const injected = makeAdd(outsider, log.state, makeIdentity(outsider));
    expect(await failsWith(() => verify(log, [...log.entries, { ...injected, sig: b64u(randomBytes(63)) }]))).toBe(
      'bad_signature',
    );
    expect(await failsWith(() => verify(log, [...log.entries, { ...injected, sig: b64u(randomBytes(65)) }]))).toBe(
      'bad_signature',
    );
    expect(await failsWith(() => verify(log, [g, { ...e1, sig: b64u(randomBytes(63)) }]))).toBe('bad_signature');
    const wrongSeq = rawNext(log, a, { seq: 7, op: 'rotate', epoch: 1, key_commitment: b64u(randomBytes(32)) });
    expect(await failsWith(() => verify(log, [...log.entries, wrongSeq]))).toBe('broken_chain');
    const noPrev = rawNext(log, a, { prev: null, op: 'rotate', epoch: 1, key_commitment: b64u(randomBytes(32)) });
    expect(await failsWith(() => verify(log, [...log.entries, noPrev]))).toBe('broken_chain');
  });

  it('refuses ops by non-admins and ops the state does not allow', async () => {
    const { a, b, c, log } = await threeMembers();
    const bad = async (entry: SignedObject | Promise<SignedObject>) =>
      failsWith(async () => verify(log, [...log.entries, await entry]));
    const outsider = await generateDeviceKeys();
    expect(await bad(makeAdd(b, log.state, makeIdentity(outsider)))).toBe('not_admin');
    expect(await bad(makeRotate(b, log.state, newEpochKey()))).toBe('not_admin');
    expect(await bad(makeAdd(a, log.state, makeIdentity(b)))).toBe('invalid_operation');
    expect(await bad(makeRemove(a, log.state, a.public.deviceId, newEpochKey()))).toBe('invalid_operation');
    expect(await bad(makeRemove(a, log.state, outsider.public.deviceId, newEpochKey()))).toBe('invalid_operation');
    expect(await bad(makeRole(a, log.state, a.public.deviceId, 'member'))).toBe('invalid_operation');
    expect(await bad(makeRotate(a, { ...log.state, epoch: 1 }, newEpochKey()))).toBe('invalid_operation');
    expect(
      await bad(
        rawNext(log, a, {
          op: 'genesis',
          member: { identity: makeIdentity(a), role: 'admin' },
          epoch: 0,
          key_commitment: b64u(randomBytes(32)),
        }),
      ),
    ).toBe('invalid_operation');
    expect(await bad(rawNext(log, a, { op: 'rotate', epoch: 1, key_commitment: b64u(randomBytes(31)) }))).toBe(
      'bad_encoding',
    );
    expect(
      await bad(
        rawNext(log, a, { op: 'rotate', prev: b64u(randomBytes(31)), epoch: 1, key_commitment: b64u(randomBytes(32)) }),
      ),
    ).toBe('bad_encoding');
    expect(await bad(rawNext(log, a, { op: 'role', device_id: b64u(c.public.deviceId), role: 'owner' }))).toBe(
      'malformed',
    );
    expect(await bad(rawNext(log, a, { op: 'promote', device_id: b64u(c.public.deviceId) }))).toBe('malformed');
    expect(
      await bad(rawNext(log, a, { op: 'rotate', epoch: 1, key_commitment: b64u(randomBytes(32)), note: 'x' })),
    ).toBe('malformed');
    expect(
      await bad(
        rawNext(log, a, { op: 'rotate', circle_id: b64u(newId()), epoch: 1, key_commitment: b64u(randomBytes(32)) }),
      ),
    ).toBe('context_mismatch');
    expect(
      await bad(
        rawNext(log, a, {
          op: 'rotate',
          signer: b64u(c.public.deviceId),
          epoch: 1,
          key_commitment: b64u(randomBytes(32)),
        }),
      ),
    ).toBe('context_mismatch');
  });

  it('keeps at least one admin: the last admin can neither leave nor be demoted', async () => {
    const [a, b] = [await generateDeviceKeys(), await generateDeviceKeys()];
    let log = await start(a);
    log = await append(log, makeAdd(a, log.state, makeIdentity(b)));
    expect(
      await failsWith(async () => verify(log, [...log.entries, await makeLeave(a, log.state, newEpochKey())])),
    ).toBe('invalid_operation');
    log = await append(log, makeLeave(b, log.state, newEpochKey()));
    expect(log.state.members.size).toBe(1);
    expect(log.state.epoch).toBe(1);
  });

  it('checks a genesis in the order of §8: anchor, payload, genesis rules, identity, creator, signature', async () => {
    const [a, b] = [await generateDeviceKeys(), await generateDeviceKeys()];
    const circleId = newId();
    const genesisOf = (signer: DeviceKeys, fields: JsonObject) =>
      signPayload(signer.signSeed, signer.public.deviceId, {
        v: 1,
        type: 'membership',
        circle_id: b64u(circleId),
        seq: 0,
        prev: null,
        signer: b64u(signer.public.deviceId),
        op: 'genesis',
        member: { identity: makeIdentity(signer), role: 'admin' },
        epoch: 0,
        key_commitment: b64u(randomBytes(32)),
        ...fields,
      } as JsonObject & { type: 'membership' });
    const check = async (entry: SignedObject) =>
      failsWith(async () => verifyLog(circleId, await entryHash(entry), [entry]));
    const good = genesisOf(a, {});
    // Step 1 needs the entry decoded: a signature of the wrong length fails there, anchor or not.
    expect(await failsWith(() => verifyLog(circleId, randomBytes(32), [{ ...good, sig: b64u(randomBytes(63)) }]))).toBe(
      'bad_signature',
    );
    // Step 2.
    expect(await failsWith(() => verifyLog(circleId, randomBytes(32), [good]))).toBe('genesis_mismatch');
    // Step 3: the payload checks, in their order.
    expect(await check(genesisOf(a, { v: 3, op: 'launch' }))).toBe('unsupported_version');
    expect(await check(genesisOf(a, { type: 'record', op: 'launch' }))).toBe('wrong_type');
    expect(await check(genesisOf(a, { signer: b64u(b.public.deviceId), op: 'launch' }))).toBe('context_mismatch');
    expect(await check(genesisOf(a, { op: 'launch', circle_id: b64u(newId()) }))).toBe('malformed');
    expect(await check(genesisOf(a, { note: 'x', circle_id: b64u(newId()) }))).toBe('malformed');
    expect(await check(genesisOf(a, { circle_id: b64u(newId()), seq: 1 }))).toBe('context_mismatch');
    // Steps 4 to 7: genesis rules before the member; the member's identity with §3's codes; then creator and role.
    expect(
      await check(
        genesisOf(a, {
          op: 'add',
          member: { identity: makeIdentity(b), role: 'member' },
          epoch: undefined,
          key_commitment: undefined,
        }),
      ),
    ).toBe('invalid_operation');
    expect(await check(genesisOf(a, { seq: 1, member: 'nobody' }))).toBe('invalid_operation');
    expect(await check(genesisOf(a, { prev: b64u(randomBytes(32)), member: 'nobody' }))).toBe('invalid_operation');
    expect(await check(genesisOf(a, { epoch: 1, member: 'nobody' }))).toBe('invalid_operation');
    expect(await check(genesisOf(a, { member: 'nobody' }))).toBe('malformed');
    const forged = { ...makeIdentity(b), sig: flip(makeIdentity(b).sig) };
    expect(await check(genesisOf(a, { member: { identity: forged, role: 'member' } }))).toBe('bad_signature');
    expect(
      await check(
        genesisOf(a, { member: { identity: { ...makeIdentity(a), signer: b64u(b.public.deviceId) }, role: 'admin' } }),
      ),
    ).toBe('identity_mismatch');
    expect(await check(genesisOf(a, { member: { identity: makeIdentity(a), role: 'member' } }))).toBe(
      'invalid_operation',
    );
    expect(await check(genesisOf(a, { member: { identity: makeIdentity(b), role: 'admin' } }))).toBe(
      'invalid_operation',
    );
    // Step 8.
    expect(await check({ ...good, sig: flip(good.sig) })).toBe('bad_signature');
    // A payload signer other than the outer one: payload check 4 (step 3), before the member is read.
    expect(
      await check(
        genesisOf(b, { member: { identity: makeIdentity(a), role: 'admin' }, signer: b64u(a.public.deviceId) }),
      ),
    ).toBe('context_mismatch');
    expect((await verifyLog(circleId, await entryHash(good), [good])).epoch).toBe(0);
  });

  it('reads integers only as integers, in a genesis and after it (§1)', async () => {
    const { a, log } = await threeMembers();
    /** A signed object over the compact JSON of `payload` with one literal replaced, as a hostile signer could write it. */
    const rewritten = (signer: DeviceKeys, payload: JsonObject, from: string, to: string): SignedObject => {
      const text = new TextDecoder().decode(dumpJson(payload));
      expect(text).toContain(from);
      const bytes = utf8(text.replace(from, to));
      return {
        v: 1,
        signer: b64u(signer.public.deviceId),
        payload: b64u(bytes),
        sig: b64u(ed25519Sign(signer.signSeed, signingInput('membership', bytes))),
      };
    };
    const genesisPayload = JSON.parse(new TextDecoder().decode(unb64u(log.entries[0]!.payload))) as JsonObject;
    for (const [from, to, code] of [
      ['"seq":0', '"seq":0.0', 'malformed'],
      ['"seq":0', '"seq":"0"', 'malformed'],
      ['"seq":0', '"seq":false', 'malformed'],
      ['"epoch":0', '"epoch":0.0', 'malformed'],
      ['"epoch":0', '"epoch":-0', null],
      ['"v":1', '"v":1.0', 'unsupported_version'],
      ['"v":1', '"v":true', 'unsupported_version'],
    ] as const) {
      const genesis = rewritten(a, genesisPayload, from, to);
      const check = async () => verifyLog(log.state.circleId, await entryHash(genesis), [genesis]);
      if (code === null) expect((await check()).epoch).toBe(0);
      else expect(await failsWith(check), to).toBe(code);
    }
    const rotate = {
      v: 1,
      type: 'membership',
      circle_id: b64u(log.state.circleId),
      seq: 3,
      prev: b64u(log.state.head.hash),
      signer: b64u(a.public.deviceId),
      op: 'rotate',
      epoch: 1,
      key_commitment: b64u(randomBytes(32)),
    };
    for (const [from, to, code] of [
      ['"seq":3', '"seq":3.0', 'malformed'],
      ['"seq":3', '"seq":9007199254740995', 'malformed'],
      ['"epoch":1', '"epoch":1e0', 'malformed'],
      ['"epoch":1', '"epoch":true', 'malformed'],
      ['"v":1', '"v":1.0', 'unsupported_version'],
      ['"seq":3', '"seq":3', null],
    ] as const) {
      const entry = rewritten(a, rotate, from, to);
      if (code === null) expect((await verify(log, [...log.entries, entry])).epoch).toBe(1);
      else expect(await failsWith(() => verify(log, [...log.entries, entry])), to).toBe(code);
    }
  });

  it('catches a log rolled back or forked from the head a client knew', async () => {
    const { log } = await threeMembers();
    const head = log.state.head;
    expect((await verifyLog(log.state.circleId, log.genesisHash, log.entries, head)).head).toEqual(head);
    expect(await failsWith(() => verifyLog(log.state.circleId, log.genesisHash, log.entries.slice(0, 2), head))).toBe(
      'rolled_back',
    );
    const fork = { seq: 1, hash: randomBytes(32) };
    expect(await failsWith(() => verifyLog(log.state.circleId, log.genesisHash, log.entries, fork))).toBe(
      'rolled_back',
    );
  });
});
