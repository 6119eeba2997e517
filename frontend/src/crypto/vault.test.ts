import { describe, expect, it } from 'vitest';
import { failsWith, flip } from '../testing/crypto';
import { fillerWrap, rewrapPassphrase } from './duress';
import { b64u, ctx, unb64u, utf8 } from './encoding';
import { dumpJson, parseJson } from './json';
import { aeadSeal, argon2id, hkdf, randomBytes } from './primitives';
import {
  createVault,
  DEFAULT_PARAMETERS,
  openLocal,
  recoveryKeyFromText,
  recoveryKeyToText,
  sealLocal,
  TEST_PARAMETERS,
  unlockWithPassphrase,
  unlockWithRecovery,
  type Vault,
} from './vault';

const TESTING = { allowTestParameters: true } as const;

describe('vault', () => {
  it('unlocks with the passphrase in any Unicode normal form, and with the recovery text', async () => {
    const made = await createVault('café crème', TEST_PARAMETERS, TESTING);
    expect(await unlockWithPassphrase(made.vault, 'café crème'.normalize('NFD'), TESTING)).toEqual(made.vaultKey);
    expect(await unlockWithRecovery(made.vault, made.recoveryText)).toEqual(made.vaultKey);
  });

  it('refuses the reserved test parameters unless they are asked for', async () => {
    expect(await failsWith(() => createVault('x', TEST_PARAMETERS))).toBe('weak_parameters');
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    expect(await failsWith(() => unlockWithPassphrase(made.vault, 'x'))).toBe('weak_parameters');
  });

  it.each([
    ['memory below the floor', { m_kib: 19455 }],
    ['one pass', { t: 1 }],
    ['memory above the ceiling', { m_kib: 131073 }],
    ['too many passes', { t: 5 }],
    ['too many lanes', { p: 5 }],
    ['no lanes', { p: 0 }],
    ['test memory with real passes', { m_kib: 64 }],
  ])('refuses %s with weak_parameters, even in tests', async (_why, change) => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    // Every other parameter in range (the defaults), so only the one changed is out of it.
    const vault = { ...made.vault, kdf: { ...made.vault.kdf, m_kib: 65536, t: 3, p: 1, ...change } };
    expect(await failsWith(() => unlockWithPassphrase(vault, 'x', TESTING))).toBe('weak_parameters');
  });

  it('refuses a float cost, a non-Argon2id KDF and an unknown member with malformed', async () => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    const variants = [
      { ...made.vault.kdf, t: 1.5 },
      { ...made.vault.kdf, alg: 'scrypt' },
      { ...made.vault.kdf, secret: '' },
    ];
    for (const kdf of variants)
      expect(await failsWith(() => unlockWithPassphrase({ ...made.vault, kdf }, 'x', TESTING))).toBe('malformed');
    expect(await failsWith(() => unlockWithPassphrase({ ...made.vault, hint: 'x' }, 'x', TESTING))).toBe('malformed');
  });

  it('unlocks with the recovery key whatever the parameters, but not a kdf of another form', async () => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    const weak = { ...made.vault, kdf: { ...made.vault.kdf, m_kib: 8 } };
    expect(await unlockWithRecovery(weak, made.recoveryText)).toEqual(made.vaultKey);
    const odd = { ...made.vault, kdf: { ...made.vault.kdf, pepper: 'x' } };
    expect(await failsWith(() => unlockWithRecovery(odd, made.recoveryText))).toBe('malformed');
  });

  it('names the wrong passphrase and the wrong recovery key apart', async () => {
    const made = await createVault('right', TEST_PARAMETERS, TESTING);
    expect(await failsWith(() => unlockWithPassphrase(made.vault, 'wrong', TESTING))).toBe('wrong_passphrase');
    const other = await recoveryKeyToText(randomBytes(32));
    expect(await failsWith(() => unlockWithRecovery(made.vault, other))).toBe('wrong_recovery_key');
  });

  it('binds each wrap to its vault and its kind', async () => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    const tampered: Vault = {
      ...made.vault,
      recovery_wrap: { ...made.vault.recovery_wrap, ct: flip(made.vault.recovery_wrap.ct) },
    };
    expect(await failsWith(() => unlockWithRecovery(tampered, made.recoveryText))).toBe('wrong_recovery_key');
    const moved = { ...made.vault, vault_id: b64u(randomBytes(16)) };
    expect(await failsWith(() => unlockWithPassphrase(moved, 'x', TESTING))).toBe('wrong_passphrase');
    const swapped = { ...made.vault, passphrase_wrap: made.vault.recovery_wrap };
    expect(await failsWith(() => unlockWithPassphrase(swapped, 'x', TESTING))).toBe('wrong_passphrase');
    const short = { ...made.vault, passphrase_wrap: { ...made.vault.passphrase_wrap, ct: b64u(new Uint8Array(8)) } };
    expect(await failsWith(() => unlockWithPassphrase(short, 'x', TESTING))).toBe('truncated');
  });

  it('checks the whole vault object before either wrap is used, on both paths (§5)', async () => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    const badRecovery = { ...made.vault, recovery_wrap: { nonce: made.vault.recovery_wrap.nonce } };
    const badPassphrase = { ...made.vault, passphrase_wrap: { ...made.vault.passphrase_wrap, ct: 'not b64u!' } };
    expect(await failsWith(() => unlockWithPassphrase(badRecovery, 'x', TESTING))).toBe('malformed');
    expect(await failsWith(() => unlockWithPassphrase({ ...made.vault, recovery_wrap: 'x' }, 'x', TESTING))).toBe(
      'malformed',
    );
    expect(await failsWith(() => unlockWithRecovery(badPassphrase, made.recoveryText))).toBe('bad_encoding');
    // The vault is checked before the recovery text is read: a typo does not hide a broken vault.
    expect(await failsWith(() => unlockWithRecovery(badPassphrase, 'typo'))).toBe('bad_encoding');
    expect(
      await failsWith(() =>
        unlockWithRecovery(
          { ...made.vault, kdf: { ...made.vault.kdf, salt: b64u(randomBytes(8)) } },
          made.recoveryText,
        ),
      ),
    ).toBe('bad_encoding');
    expect(await failsWith(() => unlockWithRecovery({ ...made.vault, v: 2 }, made.recoveryText))).toBe(
      'unsupported_version',
    );
    // … and before any Argon2id work: a broken wrap is named even with parameters out of range.
    const weakAndBroken = { ...badRecovery, kdf: { ...made.vault.kdf, m_kib: 1 } };
    expect(await failsWith(() => unlockWithPassphrase(weakAndBroken, 'x', TESTING))).toBe('malformed');
  });

  it('reads the costs as any integer, so out of range is weak_parameters, and anything else malformed', async () => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    for (const m_kib of [-1, 2 ** 33, Number.MAX_SAFE_INTEGER]) {
      const vault = { ...made.vault, kdf: { ...made.vault.kdf, m_kib } };
      expect(await failsWith(() => unlockWithPassphrase(vault, 'x', TESTING))).toBe('weak_parameters');
      expect(await unlockWithRecovery(vault, made.recoveryText)).toEqual(made.vaultKey);
    }
    for (const m_kib of ['64', true, null]) {
      const vault = { ...made.vault, kdf: { ...made.vault.kdf, m_kib } };
      expect(await failsWith(() => unlockWithPassphrase(vault, 'x', TESTING))).toBe('malformed');
      expect(await failsWith(() => unlockWithRecovery(vault, made.recoveryText))).toBe('malformed');
    }
    const text = new TextDecoder().decode(dumpJson(made.vault)).replace('"m_kib":64', '"m_kib":64.0');
    expect(await failsWith(() => unlockWithPassphrase(parseJson(text), 'x', TESTING))).toBe('malformed');
    expect(await failsWith(() => unlockWithRecovery(parseJson(text), made.recoveryText))).toBe('malformed');
  });

  it('refuses a wrap whose ct is not 48 bytes, even one its own key sealed: shorter truncated, longer malformed', async () => {
    const made = await createVault('x', TEST_PARAMETERS, TESTING);
    const vaultId = unb64u(made.vault.vault_id);
    const recoveryKey = await recoveryKeyFromText(made.recoveryText);
    const rkey = await hkdf(recoveryKey, vaultId, utf8('support-circle/v1/recovery-wrap'), 32);
    const pk = await argon2id(utf8('x'), unb64u(made.vault.kdf.salt), TEST_PARAMETERS);
    for (const [length, code] of [
      [0, 'truncated'],
      [16, 'truncated'],
      [31, 'truncated'],
      [33, 'malformed'],
      [64, 'malformed'],
    ] as const) {
      const nonce = randomBytes(12);
      const wrapOf = async (key: Uint8Array, kind: string) => ({
        nonce: b64u(nonce),
        ct: b64u(await aeadSeal(key, nonce, randomBytes(length), ctx('support-circle/v1/vault-wrap', vaultId, kind))),
      });
      const recovery = { ...made.vault, recovery_wrap: await wrapOf(rkey, 'recovery') };
      expect(await failsWith(() => unlockWithRecovery(recovery, made.recoveryText))).toBe(code);
      const passphrase = { ...made.vault, passphrase_wrap: await wrapOf(pk, 'passphrase') };
      expect(await failsWith(() => unlockWithPassphrase(passphrase, 'x', TESTING))).toBe(code);
    }
  });

  it('re-wraps under a new passphrase, keeping the salt, the parameters and the recovery wrap', async () => {
    const made = await createVault('old', TEST_PARAMETERS, TESTING);
    const vault = await rewrapPassphrase(made.vault, fillerWrap(), made.vaultKey, 'new', TESTING);
    if (vault === 'opens_duress') throw new Error('a filler opens nothing');
    expect(vault.kdf).toEqual(made.vault.kdf);
    expect(await unlockWithPassphrase(vault, 'new', TESTING)).toEqual(made.vaultKey);
    expect(await failsWith(() => unlockWithPassphrase(vault, 'old', TESTING))).toBe('wrong_passphrase');
    expect(await unlockWithRecovery(vault, made.recoveryText)).toEqual(made.vaultKey);
  });

  it('unlocks with the default parameters (64 MiB, t=3)', async () => {
    const made = await createVault('correct horse', DEFAULT_PARAMETERS);
    expect(await unlockWithPassphrase(made.vault, 'correct horse')).toEqual(made.vaultKey);
  }, 30_000);
});

describe('recovery key text', () => {
  it('shows 14 groups of 4 upper-case Crockford symbols and reads them back', async () => {
    const key = randomBytes(32);
    const text = await recoveryKeyToText(key);
    expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}( [0-9A-HJKMNP-TV-Z]{4}){13}$/);
    expect(await recoveryKeyFromText(text)).toEqual(key);
  });

  it('reads lower case, hyphens, tabs, line breaks, no spaces, O as 0 and I or L as 1', async () => {
    const key = randomBytes(32);
    const text = await recoveryKeyToText(key);
    const sloppy = text.toLowerCase().replaceAll('0', 'o').replaceAll('1', 'I').replaceAll(' ', '-');
    expect(await recoveryKeyFromText(sloppy)).toEqual(key);
    expect(await recoveryKeyFromText(text.replaceAll(' ', '').replaceAll('1', 'l'))).toEqual(key);
    expect(await recoveryKeyFromText(`\t${text.replace(' ', '\t').replace(' ', '\r\n')}\n`)).toEqual(key);
  });

  it.each([
    ['U, outside the alphabet', (t: string) => `U${t.slice(1)}`],
    ['one symbol missing', (t: string) => t.slice(0, -1)],
    ['one symbol more', (t: string) => `${t}0`],
    ['a no-break space between groups', (t: string) => t.replace(' ', '\u00a0')],
    ['a vertical tab between groups', (t: string) => t.replace(' ', '\v')],
    ['dotless ı, which upper-cases to I', (t: string) => `${t.slice(0, -1)}ı`],
    ['a full-width digit', (t: string) => `${t.slice(0, -1)}０`],
  ])('refuses %s with recovery_key_typo', async (_why, change) => {
    const text = await recoveryKeyToText(randomBytes(32));
    expect(await failsWith(() => recoveryKeyFromText(change(text)))).toBe('recovery_key_typo');
  });

  it('catches a one-symbol typo with the check', async () => {
    const text = await recoveryKeyToText(randomBytes(32));
    const typo = (text[0] === 'Z' ? 'Y' : 'Z') + text.slice(1);
    expect(await failsWith(() => recoveryKeyFromText(typo))).toBe('recovery_key_typo');
  });
});

describe('local items', () => {
  it('round-trip under their store and key only', async () => {
    const vaultKey = randomBytes(32);
    const vaultId = randomBytes(16);
    const item = await sealLocal(vaultKey, vaultId, 'plan', 's1', utf8('the plan'));
    expect(await openLocal(vaultKey, vaultId, 'plan', 's1', item)).toEqual(utf8('the plan'));
    expect(await failsWith(() => openLocal(vaultKey, vaultId, 'plan', 's2', item))).toBe('decrypt_failed');
    expect(await failsWith(() => openLocal(vaultKey, vaultId, 'plans', 's1', item))).toBe('decrypt_failed');
    expect(await failsWith(() => openLocal(vaultKey, randomBytes(16), 'plan', 's1', item))).toBe('decrypt_failed');
    expect(
      await failsWith(() => openLocal(vaultKey, vaultId, 'plan', 's1', { ...item, nonce: b64u(new Uint8Array(11)) })),
    ).toBe('truncated');
    expect(await failsWith(() => openLocal(vaultKey, vaultId, 'plan', 's1', { ...item, v: 2 }))).toBe(
      'unsupported_version',
    );
  });

  it('hides the length inside a bucket, and refuses 64 KiB with too_large', async () => {
    const vaultKey = randomBytes(32);
    const vaultId = randomBytes(16);
    const [a, b] = [
      await sealLocal(vaultKey, vaultId, 's', 'k', utf8('a')),
      await sealLocal(vaultKey, vaultId, 's', 'k', new Uint8Array(200)),
    ];
    expect(a.ct.length).toBe(b.ct.length);
    expect(await failsWith(() => sealLocal(vaultKey, vaultId, 's', 'k', new Uint8Array(65536)))).toBe('too_large');
  });
});
