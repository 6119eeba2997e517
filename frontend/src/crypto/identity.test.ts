import { describe, expect, it } from 'vitest';
import { failsWith, flip } from '../testing/crypto';
import { b64u, utf8 } from './encoding';
import { deviceIdFor, generateDeviceKeys, makeIdentity, verifyIdentity } from './identity';
import { ed25519Sign, randomBytes } from './primitives';
import { safetyNumber } from './safety';
import { signingInput, signPayload } from './signed';

/** A signed object over exact payload text, as an attacker holding the key could make one. */
function signedText(seed: Uint8Array, signer: Uint8Array, text: string) {
  const payload = utf8(text);
  return {
    v: 1,
    signer: b64u(signer),
    payload: b64u(payload),
    sig: b64u(ed25519Sign(seed, signingInput('identity', payload))),
  };
}

describe('identity', () => {
  it('verifies to the keys it was made from', async () => {
    const device = await generateDeviceKeys();
    expect(await verifyIdentity(makeIdentity(device))).toEqual(device.public);
    expect(device.public.deviceId).toEqual(await deviceIdFor(device.public.signPub));
  });

  it('refuses tampering, a missing signature and another signer', async () => {
    const device = await generateDeviceKeys();
    const other = await generateDeviceKeys();
    const identity = makeIdentity(device);
    expect(await failsWith(() => verifyIdentity({ ...identity, sig: flip(identity.sig) }))).toBe('bad_signature');
    expect(await failsWith(() => verifyIdentity({ ...identity, sig: '' }))).toBe('missing_signature');
    const { sig: _dropped, ...unsigned } = identity;
    expect(await failsWith(() => verifyIdentity(unsigned))).toBe('missing_signature');
    expect(await failsWith(() => verifyIdentity({ ...identity, signer: b64u(other.public.deviceId) }))).toBe(
      'identity_mismatch',
    );
    expect(await failsWith(() => verifyIdentity({ ...identity, v: 2 }))).toBe('unsupported_version');
    expect(await failsWith(() => verifyIdentity({ ...identity, extra: 1 }))).toBe('malformed');
  });

  it('refuses a signature that is not 64 bytes with bad_signature before reading the payload (§2 step 1)', async () => {
    const device = await generateDeviceKeys();
    const identity = makeIdentity(device);
    const garbage = { ...identity, payload: b64u(utf8('not json')) };
    for (const sig of [b64u(new Uint8Array(63)), b64u(new Uint8Array(65)), 'AA']) {
      expect(await failsWith(() => verifyIdentity({ ...identity, sig }))).toBe('bad_signature');
      expect(await failsWith(() => verifyIdentity({ ...garbage, sig }))).toBe('bad_signature');
    }
    expect(await failsWith(() => verifyIdentity({ ...garbage, sig: 'A' }))).toBe('bad_encoding');
    expect(await failsWith(() => verifyIdentity({ ...garbage, sig: null }))).toBe('missing_signature');
    expect(await failsWith(() => verifyIdentity({ ...garbage, sig: 0 }))).toBe('malformed');
    expect(await failsWith(() => verifyIdentity(garbage))).toBe('malformed');
  });

  it('checks an identity in the order of §3', async () => {
    const device = await generateDeviceKeys();
    const { deviceId, signPub, kemPub } = device.public;
    const sign = (text: string) => signedText(device.signSeed, deviceId, text);
    const fields = `"device_id":"${b64u(deviceId)}","sign_pub":"${b64u(signPub)}","kem_pub":"${b64u(kemPub)}"`;
    expect(await failsWith(() => verifyIdentity(sign('[1]')))).toBe('malformed');
    expect(await failsWith(() => verifyIdentity(sign(`{"v":true,"type":"record","x":1}`)))).toBe('unsupported_version');
    expect(await failsWith(() => verifyIdentity(sign(`{"v":1,"type":"record","x":1}`)))).toBe('wrong_type');
    expect(await failsWith(() => verifyIdentity(sign(`{"v":1,"type":"identity","x":1,"sign_pub":"AA"}`)))).toBe(
      'malformed',
    );
    const shortKey = `"device_id":"${b64u(deviceId)}","sign_pub":"${b64u(signPub.slice(1))}","kem_pub":"${b64u(kemPub)}"`;
    expect(await failsWith(() => verifyIdentity(sign(`{"v":1,"type":"identity",${shortKey}}`)))).toBe('bad_encoding');
    const otherId = `"device_id":"${b64u(new Uint8Array(16))}","sign_pub":"${b64u(signPub)}","kem_pub":"${b64u(kemPub)}"`;
    expect(await failsWith(() => verifyIdentity(sign(`{"v":1,"type":"identity",${otherId}}`)))).toBe(
      'identity_mismatch',
    );
    const other = await generateDeviceKeys();
    expect(
      await failsWith(() =>
        verifyIdentity(signedText(other.signSeed, deviceId, `{"v":1,"type":"identity",${fields}}`)),
      ),
    ).toBe('bad_signature');
  });

  it('refuses a signed payload with a duplicate member, an unknown member or a float version', async () => {
    const device = await generateDeviceKeys();
    const { deviceId, signPub, kemPub } = device.public;
    const fields = `"device_id":"${b64u(deviceId)}","sign_pub":"${b64u(signPub)}","kem_pub":"${b64u(kemPub)}"`;
    const dup = signedText(
      device.signSeed,
      deviceId,
      `{"v":1,"type":"identity",${fields},"kem_pub":"${b64u(kemPub)}"}`,
    );
    expect(await failsWith(() => verifyIdentity(dup))).toBe('malformed');
    const extra = signedText(device.signSeed, deviceId, `{"v":1,"type":"identity",${fields},"name":"x"}`);
    expect(await failsWith(() => verifyIdentity(extra))).toBe('malformed');
    const float = signedText(device.signSeed, deviceId, `{"v":1.0,"type":"identity",${fields}}`);
    expect(await failsWith(() => verifyIdentity(float))).toBe('unsupported_version');
    const good = signedText(device.signSeed, deviceId, `{"v":1,"type":"identity",${fields}}`);
    expect(await verifyIdentity(good)).toEqual(device.public);
  });

  it('refuses another signed type offered as an identity with wrong_type', async () => {
    const device = await generateDeviceKeys();
    const record = signPayload(device.signSeed, device.public.deviceId, {
      v: 1,
      type: 'record',
      author: b64u(device.public.deviceId),
    });
    expect(await failsWith(() => verifyIdentity(record))).toBe('wrong_type');
  });

  it('refuses a sign_pub that is not a curve point with bad_signature, not a library error', async () => {
    const device = await generateDeviceKeys();
    const badKey = new Uint8Array(32).fill(0xff);
    const deviceId = await deviceIdFor(badKey);
    const text = `{"v":1,"type":"identity","device_id":"${b64u(deviceId)}","sign_pub":"${b64u(badKey)}","kem_pub":"${b64u(device.public.kemPub)}"}`;
    expect(await failsWith(() => verifyIdentity(signedText(device.signSeed, deviceId, text)))).toBe('bad_signature');
  });
});

describe('safety numbers', () => {
  it('are 8 groups of 5 digits, the same both ways round, and differ between pairs', async () => {
    const [a, b, c] = [await generateDeviceKeys(), await generateDeviceKeys(), await generateDeviceKeys()];
    const ab = await safetyNumber(a.public, b.public);
    expect(ab).toMatch(/^\d{5}( \d{5}){7}$/);
    expect(await safetyNumber(b.public, a.public)).toBe(ab);
    expect(await safetyNumber(a.public, c.public)).not.toBe(ab);
  });

  it('carry digits in every group: none is the same for 200 pairs, and the 7th exceeds 65535', async () => {
    // Only the signing keys count, so random bytes stand in for them.
    const identity = () => ({ deviceId: randomBytes(16), signPub: randomBytes(32), kemPub: randomBytes(32) });
    const numbers: string[][] = [];
    for (let i = 0; i < 200; i++) numbers.push((await safetyNumber(identity(), identity())).split(' '));
    for (let group = 0; group < 8; group++) expect(new Set(numbers.map((n) => n[group])).size).toBeGreaterThan(1);
    expect(numbers.some((n) => Number(n[6]) > 65535)).toBe(true);
  });
});
