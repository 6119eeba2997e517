import { describe, expect, it } from 'vitest';
import { failsWith, flip, rewrapInvite } from '../testing/crypto';
import { newEpochKey } from './circleKeys';
import { b64u, ctx, utf8 } from './encoding';
import { ProtocolError } from './errors';
import { generateDeviceKeys, makeIdentity } from './identity';
import {
  checkInviterIsAdmin,
  deriveInvite,
  formatTime,
  InviteForAnotherLink,
  inviteLink,
  linkSecret,
  makeJoinRequest,
  newInviteSecret,
  openInvite,
  parseTime,
  sealInvite,
  verifyJoinRequest,
} from './invites';
import { dumpJson } from './json';
import { entryHash, makeAdd, makeGenesis, makeRole, verifyLog } from './membership';
import { pad } from './padding';
import { aeadSeal, randomBytes } from './primitives';
import { signPayload } from './signed';

const EXPIRES = new Date(Date.UTC(2026, 11, 1));
const BEFORE = new Date(Date.UTC(2026, 10, 25, 12));

async function made() {
  const admin = await generateDeviceKeys();
  const secret = newInviteSecret();
  const circleId = randomBytes(16);
  const genesisHash = randomBytes(32);
  const record = await sealInvite(admin, secret, circleId, genesisHash, EXPIRES);
  return { admin, secret, circleId, genesisHash, record };
}

describe('invites', () => {
  it('open with the link secret to what the admin sealed', async () => {
    const { admin, secret, circleId, genesisHash, record } = await made();
    const invite = await openInvite(secret, record, BEFORE);
    expect(invite).toMatchObject({ circleId, genesisHash, expiresAt: EXPIRES, inviter: admin.public });
    expect(invite.signed).toEqual(expect.objectContaining({ v: 1, signer: b64u(admin.public.deviceId) }));
    expect(inviteLink('https://circle.example', secret)).toBe(`https://circle.example/#join=${b64u(secret)}`);
    expect(inviteLink('https://circle.example/', secret, 'link')).toBe(`https://circle.example/#link=${b64u(secret)}`);
    expect(linkSecret(inviteLink('https://circle.example', secret))).toEqual(secret);
    expect(() => linkSecret(inviteLink('https://circle.example', secret, 'link'))).toThrow(ProtocolError);
  });

  it('expire at expires_at, not a moment later', async () => {
    const { secret, record } = await made();
    expect(await failsWith(() => openInvite(secret, record, EXPIRES))).toBe('expired');
    expect((await openInvite(secret, record, new Date(EXPIRES.getTime() - 1))).expiresAt).toEqual(EXPIRES);
  });

  it('refuse another link, tampering and a bad secret', async () => {
    const { secret, record } = await made();
    expect(await failsWith(() => openInvite(newInviteSecret(), record, BEFORE))).toBe('context_mismatch');
    expect(await failsWith(() => openInvite(secret, { ...record, ct: flip(record.ct) }, BEFORE))).toBe(
      'decrypt_failed',
    );
    expect(await failsWith(() => openInvite(secret.slice(0, 31), record, BEFORE))).toBe('bad_encoding');
  });

  it('refuse an invite signed by anyone but the identity beside it', async () => {
    const { admin, secret, circleId } = await made();
    const other = await generateDeviceKeys();
    const keys = await deriveInvite(secret);
    const invite = signPayload(other.signSeed, other.public.deviceId, {
      v: 1,
      type: 'invite',
      signer: b64u(other.public.deviceId),
      circle_id: b64u(circleId),
      genesis_hash: b64u(randomBytes(32)),
      expires_at: '2026-12-01T00:00:00Z',
    });
    const nonce = randomBytes(12);
    const content = dumpJson({ v: 1, inviter: makeIdentity(admin), invite });
    const ct = await aeadSeal(keys.inviteKey, nonce, pad(content), ctx('support-circle/v1/invite', keys.inviteId));
    const record = { v: 1, invite_id: b64u(keys.inviteId), nonce: b64u(nonce), ct: b64u(ct) };
    expect(await failsWith(() => openInvite(secret, record, BEFORE))).toBe('unknown_author');
  });
});

describe('times (§1: exactly YYYY-MM-DDTHH:MM:SSZ)', () => {
  it.each([
    ['2026-12-01T00:00:00Z', Date.UTC(2026, 11, 1)],
    ['2028-02-29T23:59:59Z', Date.UTC(2028, 1, 29, 23, 59, 59)],
    ['0050-01-01T00:00:00Z', -60589296000000],
    ['9999-12-31T23:59:59Z', 253402300799000],
  ])('reads %s', (text, ms) => {
    expect(parseTime(text).getTime()).toBe(ms);
  });

  it.each([
    '2026-12-01',
    '2026-12-01T00:00:00',
    '2026-12-01T01:30:00+01:30',
    '2026-11-30T19:00:00-05:00',
    '2026-12-01T00:00:00+00:00',
    '2026-12-01T00:00:00.250Z',
    '2026-12-01T00:00:00.000Z',
    '2026-12-01t00:00:00Z',
    '2026-12-01T00:00:00z',
    '2026-12-01 00:00:00Z',
    '2026-12-01T00:00Z',
    '+02026-12-01T00:00:00Z',
    ' 2026-12-01T00:00:00Z',
    '2026-12-01T00:00:00Z\n',
    '２026-12-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-00T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T00:60:00Z',
    '2026-12-01T00:00:60Z',
    1795651200,
    null,
  ])('refuses %j with malformed', async (value) => {
    expect(await failsWith(() => parseTime(value))).toBe('malformed');
  });

  it('writes the same form back, and nothing it cannot read', () => {
    expect(formatTime(parseTime('2026-12-01T00:00:00Z'))).toBe('2026-12-01T00:00:00Z');
    expect(formatTime(new Date(Date.UTC(2026, 11, 1, 0, 0, 0, 999)))).toBe('2026-12-01T00:00:00Z');
    expect(() => formatTime(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
    expect(() => formatTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('join requests', () => {
  it('verify for the approving admin from the secret alone', async () => {
    const secret = newInviteSecret();
    const joiner = await generateDeviceKeys();
    const keys = await deriveInvite(secret);
    const request = await makeJoinRequest(secret, joiner);
    expect(await verifyJoinRequest(keys.authPub, keys.inviteId, request)).toEqual(joiner.public);
  });

  it('refuse a request the server made or changed', async () => {
    const secret = newInviteSecret();
    const keys = await deriveInvite(secret);
    const joiner = await generateDeviceKeys();
    const server = await generateDeviceKeys();
    const request = await makeJoinRequest(secret, joiner);
    const verify = (r: unknown) => verifyJoinRequest(keys.authPub, keys.inviteId, r);
    expect(await failsWith(() => verify({ ...request, identity: makeIdentity(server) }))).toBe('bad_proof');
    expect(await failsWith(() => verify({ ...request, proof: flip(request.proof) }))).toBe('bad_proof');
    expect(await failsWith(() => verify({ ...request, proof: b64u(randomBytes(63)) }))).toBe('bad_proof');
    expect(await failsWith(() => verify({ ...request, proof: `${request.proof}=` }))).toBe('bad_encoding');
    const forged = await makeJoinRequest(newInviteSecret(), joiner);
    expect(await failsWith(() => verify({ ...forged, invite_id: b64u(keys.inviteId) }))).toBe('bad_proof');
    expect(await failsWith(() => verify(forged))).toBe('context_mismatch');
    expect(await failsWith(() => verify({ ...request, v: 3 }))).toBe('unsupported_version');
  });

  it('derive distinct values from one secret', async () => {
    const keys = await deriveInvite(utf8('0123456789abcdef0123456789abcdef'));
    expect(keys.inviteId.length).toBe(16);
    expect(b64u(keys.inviteKey)).not.toBe(b64u(keys.authSeed));
  });
});

describe('the inviter, once the log is readable', () => {
  it('must be an admin of the circle the invite names', async () => {
    const [a, b] = [await generateDeviceKeys(), await generateDeviceKeys()];
    const circleId = randomBytes(16);
    const genesis = await makeGenesis(a, circleId, newEpochKey());
    const genesisHash = await entryHash(genesis);
    let entries = [genesis];
    let state = await verifyLog(circleId, genesisHash, entries);
    entries = [...entries, makeAdd(a, state, makeIdentity(b), 'admin')];
    state = await verifyLog(circleId, genesisHash, entries);
    const secret = newInviteSecret();
    const invite = await openInvite(secret, await sealInvite(b, secret, circleId, genesisHash, EXPIRES), BEFORE);
    expect(() => checkInviterIsAdmin(invite, state, genesisHash)).not.toThrow();
    expect(
      await failsWith(() => checkInviterIsAdmin(invite, { ...state, circleId: randomBytes(16) }, genesisHash)),
    ).toBe('context_mismatch');
    expect(await failsWith(() => checkInviterIsAdmin(invite, state, randomBytes(32)))).toBe('context_mismatch');
    const otherKem = { ...invite, inviter: { ...invite.inviter, kemPub: randomBytes(32) } };
    expect(await failsWith(() => checkInviterIsAdmin(otherKem, state, genesisHash))).toBe('not_admin');
    const stranger = await generateDeviceKeys();
    expect(
      await failsWith(() => checkInviterIsAdmin({ ...invite, inviter: stranger.public }, state, genesisHash)),
    ).toBe('not_admin');
    entries = [...entries, makeRole(a, state, b.public.deviceId, 'member')];
    state = await verifyLog(circleId, genesisHash, entries);
    expect(await failsWith(() => checkInviterIsAdmin(invite, state, genesisHash))).toBe('not_admin');
  });
});

describe('an invite re-wrapped under another link (§9 step 11)', () => {
  it('is refused, named as signed for another link', async () => {
    const { secret, record } = await made();
    const holderSecret = newInviteSecret();
    const served = await rewrapInvite(record, secret, holderSecret);
    const error = await openInvite(holderSecret, served, BEFORE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InviteForAnotherLink);
    expect((error as ProtocolError).code).toBe('context_mismatch');
  });
});
