/** The local vault (§5): a random vault key, wrapped by passphrase and by recovery key. */

import { type Argon2Parameters, checkParameters, DEFAULT_PARAMETERS, type VaultOptions } from './argon2Parameters';
import { b64u, bytesEqual, ctx, ID_BYTES, unb64u, unb64uId, utf8, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { type EscrowSecrets, escrowSecrets } from './escrow';
import { expectInt, expectObject, type JsonObject } from './json';
import { pad, unpad } from './padding';
import {
  aeadKey,
  aeadOpen,
  aeadSeal,
  argon2id,
  hkdf,
  KEY_BYTES,
  NONCE_BYTES,
  randomBytes,
  sha256,
  TAG_BYTES,
} from './primitives';

export {
  type Argon2Parameters,
  checkParameters,
  DEFAULT_PARAMETERS,
  TEST_PARAMETERS,
  type VaultOptions,
} from './argon2Parameters';

const SALT_BYTES = 16;
/** A wrap seals the 32-byte vault key: its ct is the key and the 16-byte tag, never another length. */
const WRAP_CT_BYTES = KEY_BYTES + TAG_BYTES;

export type { LocalItem, Vault } from '../wire/types';

import type { LocalItem, Vault } from '../wire/types';

/** What creating a vault yields. Show `recoveryText` once; keep `vaultKey` in memory only. */
export interface NewVault {
  readonly vault: Vault;
  readonly vaultId: Uint8Array;
  readonly vaultKey: Uint8Array;
  readonly recoveryText: string;
  /** From the recovery key, for recovery from the server (§15); keep it sealed in the vault. */
  readonly escrow: EscrowSecrets;
}

/** What a wrap holds: the vault key (`passphrase`, `recovery`) or a duress key (§5 "Duress wrap"). */
export type WrapKind = 'passphrase' | 'recovery' | 'duress-decoy' | 'duress-wipe';

export function wrapAad(vaultId: Uint8Array, kind: WrapKind): Uint8Array {
  return ctx('support-circle/v1/vault-wrap', vaultId, kind);
}

async function recoveryWrapKey(recoveryKey: Uint8Array, vaultId: Uint8Array): Promise<Uint8Array> {
  return hkdf(recoveryKey, vaultId, utf8('support-circle/v1/recovery-wrap'), KEY_BYTES);
}

export async function passphraseKey(
  passphrase: string,
  salt: Uint8Array,
  params: Argon2Parameters,
): Promise<Uint8Array> {
  return argon2id(utf8(passphrase.normalize('NFC')), salt, params);
}

export async function wrap(
  key: Uint8Array,
  vaultKey: Uint8Array,
  aad: Uint8Array,
): Promise<{ nonce: string; ct: string }> {
  const nonce = randomBytes(NONCE_BYTES);
  return { nonce: b64u(nonce), ct: b64u(await aeadSeal(key, nonce, vaultKey, aad)) };
}

function kdfObject(salt: Uint8Array, params: Argon2Parameters): Vault['kdf'] {
  return { alg: 'argon2id', salt: b64u(salt), m_kib: params.mKib, t: params.t, p: params.p };
}

/** A new vault with a random vault key and recovery key; fails with `weak_parameters` as checkParameters does. */
export async function createVault(
  passphrase: string,
  params: Argon2Parameters = DEFAULT_PARAMETERS,
  options: VaultOptions = {},
): Promise<NewVault> {
  checkParameters(params, options);
  const vaultId = randomBytes(ID_BYTES);
  const salt = randomBytes(SALT_BYTES);
  const vaultKey = randomBytes(KEY_BYTES);
  const recoveryKey = randomBytes(KEY_BYTES);
  const vault: Vault = {
    v: VERSION,
    vault_id: b64u(vaultId),
    kdf: kdfObject(salt, params),
    passphrase_wrap: await wrap(
      await passphraseKey(passphrase, salt, params),
      vaultKey,
      wrapAad(vaultId, 'passphrase'),
    ),
    recovery_wrap: await wrap(await recoveryWrapKey(recoveryKey, vaultId), vaultKey, wrapAad(vaultId, 'recovery')),
  };
  const escrow = await escrowSecrets(recoveryKey);
  const recoveryText = await recoveryKeyToText(recoveryKey);
  recoveryKey.fill(0);
  return { vault, vaultId, vaultKey, recoveryText, escrow };
}

/** What replacing the recovery key yields: the vault with a new recovery wrap, the new key's text (show it once) and its escrow secrets. */
export interface NewRecoveryKey {
  readonly vault: Vault;
  readonly recoveryText: string;
  readonly escrow: EscrowSecrets;
}

/** The same vault with a new recovery key: the old one no longer opens it (§5). */
export async function rewrapRecovery(vault: Vault, vaultKey: Uint8Array): Promise<NewRecoveryKey> {
  const vaultId = unb64uId(vault.vault_id);
  const recoveryKey = randomBytes(KEY_BYTES);
  try {
    const recoveryWrap = await wrap(
      await recoveryWrapKey(recoveryKey, vaultId),
      vaultKey,
      wrapAad(vaultId, 'recovery'),
    );
    return {
      vault: { ...vault, recovery_wrap: recoveryWrap },
      recoveryText: await recoveryKeyToText(recoveryKey),
      escrow: await escrowSecrets(recoveryKey),
    };
  } finally {
    recoveryKey.fill(0);
  }
}

/** A vault object whose every member has the form §5 gives; nothing in it is trusted yet. */
export interface ParsedVault {
  readonly vaultId: Uint8Array;
  readonly salt: Uint8Array;
  readonly params: Argon2Parameters;
  readonly passphraseWrap: Wrap;
  readonly recoveryWrap: Wrap;
}

export interface Wrap {
  readonly nonce: Uint8Array;
  readonly ct: Uint8Array;
}

/**
 * The whole vault object, checked before either wrap is used (§5, checks 1 to 4 in that order):
 * the vault, its `kdf` (form only: its range is checkParameters', on the passphrase path) and
 * both wraps, whichever one the caller is about to open. expectObject runs §1's steps on each
 * object as §5 reads it.
 *
 * Contract: for the vault, then the kdf, then each wrap, `v` not 1 is `unsupported_version`,
 * missing or extra members or members of the wrong JSON type are `malformed`, a vault_id, salt,
 * nonce or ct not of §1's form is `bad_encoding`; an `alg` other than "argon2id" is `malformed`
 * (after the kdf's form, before the wraps'); then a nonce not 12 bytes or a ct under 48 bytes is
 * `truncated`, a ct over 48 bytes `malformed`.
 */
export function parseVault(vault: unknown): ParsedVault {
  const fields = expectObject(vault, ['v', 'vault_id', 'kdf', 'passphrase_wrap', 'recovery_wrap']);
  const kdf = expectObject(fields['kdf'], ['alg', 'salt', 'm_kib', 't', 'p']);
  if (kdf['alg'] !== 'argon2id') throw new ProtocolError('malformed', 'unknown key derivation');
  const passphraseWrap = decodeWrap(expectObject(fields['passphrase_wrap'], ['nonce', 'ct']));
  const recoveryWrap = decodeWrap(expectObject(fields['recovery_wrap'], ['nonce', 'ct']));
  for (const wrapped of [passphraseWrap, recoveryWrap]) checkWrapLengths(wrapped);
  // Any integer JSON carries: how large or small is checkParameters' question (weak_parameters).
  const int = (name: string) => expectInt(kdf, name, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const params = { mKib: int('m_kib'), t: int('t'), p: int('p') };
  return {
    vaultId: unb64uId(fields['vault_id']),
    salt: unb64u(kdf['salt'], SALT_BYTES),
    params,
    passphraseWrap,
    recoveryWrap,
  };
}

/** §5 check 4 for one wrap: `truncated` for a short nonce or ct, `malformed` for a long ct. */
export function checkWrapLengths({ nonce, ct }: Wrap): void {
  if (nonce.length !== NONCE_BYTES || ct.length < WRAP_CT_BYTES) {
    throw new ProtocolError('truncated', "a wrap's nonce is 12 bytes and its ct 48");
  }
  if (ct.length > WRAP_CT_BYTES) throw new ProtocolError('malformed', "a wrap's ct is 48 bytes");
}

export function decodeWrap(fields: JsonObject): Wrap {
  return { nonce: unb64u(fields['nonce']), ct: unb64u(fields['ct']) };
}

/** Opens one wrap of the form parseVault checked: `failure` when it does not open. */
async function unwrap(
  wrapped: Wrap,
  key: Uint8Array,
  aad: Uint8Array,
  failure: 'wrong_passphrase' | 'wrong_recovery_key',
): Promise<Uint8Array> {
  try {
    return await aeadOpen(key, wrapped.nonce, wrapped.ct, aad);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === 'decrypt_failed') throw new ProtocolError(failure);
    throw error;
  }
}

/**
 * The vault key, from the passphrase (normalised to NFC, so any keyboard's form of the same words works).
 *
 * Contract: the failures of parseVault for a vault not of §5's form, whichever wrap is wrong;
 * then `weak_parameters`, before any Argon2id work, when the stored parameters are out of range;
 * then `wrong_passphrase` when the wrap does not open.
 */
export async function unlockWithPassphrase(
  vault: unknown,
  passphrase: string,
  options: VaultOptions = {},
): Promise<Uint8Array> {
  const parsed = parseVault(vault);
  checkParameters(parsed.params, options);
  const key = await passphraseKey(passphrase, parsed.salt, parsed.params);
  return unwrap(parsed.passphraseWrap, key, wrapAad(parsed.vaultId, 'passphrase'), 'wrong_passphrase');
}

/**
 * The vault key, from the recovery text a person typed. The Argon2id parameters play no part
 * here, so their range is not checked; their form is, with the rest of the vault.
 *
 * Contract: the failures of parseVault for a vault not of §5's form; then a text that is not 56
 * valid symbols with a matching check is `recovery_key_typo`; then a valid key of another vault
 * is `wrong_recovery_key`.
 */
export async function unlockWithRecovery(vault: unknown, recoveryText: string): Promise<Uint8Array> {
  const parsed = parseVault(vault);
  const key = await recoveryWrapKey(await recoveryKeyFromText(recoveryText), parsed.vaultId);
  return unwrap(parsed.recoveryWrap, key, wrapAad(parsed.vaultId, 'recovery'), 'wrong_recovery_key');
}

// Recovery key text ---------------------------------------------------------------------------

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_SYMBOLS = 56;
const CHECK_BYTES = 3;
// Letters people confuse with digits read as the digit (§5); lower case reads as upper case.
const READ_AS: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };
// Skipped when reading a recovery key (§5): space, tab, line feed, carriage return and hyphen-minus.
const SEPARATORS: ReadonlySet<string> = new Set([' ', '\t', '\n', '\r', '-']);

async function recoveryCheck(recoveryKey: Uint8Array): Promise<Uint8Array> {
  return (await sha256(ctx('support-circle/v1/recovery-check', recoveryKey))).slice(0, CHECK_BYTES);
}

/** The recovery key as 14 groups of 4 Crockford base32 symbols, upper case, with a 3-byte check. */
export async function recoveryKeyToText(recoveryKey: Uint8Array): Promise<string> {
  if (recoveryKey.length !== KEY_BYTES) throw new RangeError('a recovery key is 32 bytes');
  const data = new Uint8Array([...recoveryKey, ...(await recoveryCheck(recoveryKey))]);
  let symbols = '';
  let acc = 0;
  let bits = 0;
  for (const byte of data) {
    acc = ((acc << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      symbols += CROCKFORD[(acc >> bits) & 31];
    }
  }
  return symbols.match(/.{4}/g)!.join(' ');
}

function readSymbol(char: string): number {
  // Only ASCII letters are case-folded: toUpperCase() would turn "ı" into "I" and "ß" into "SS".
  const upper = char >= 'a' && char <= 'z' ? String.fromCharCode(char.charCodeAt(0) - 32) : char;
  const index = CROCKFORD.indexOf(READ_AS[upper] ?? upper);
  if (upper.length !== 1 || index < 0)
    throw new ProtocolError('recovery_key_typo', 'a recovery key is letters and digits');
  return index;
}

/** Where the escrow of the recovery key a person typed lives, and its key (§15); `recovery_key_typo` as below. */
export async function escrowSecretsFromText(text: string): Promise<EscrowSecrets> {
  const recoveryKey = await recoveryKeyFromText(text);
  try {
    return await escrowSecrets(recoveryKey);
  } finally {
    recoveryKey.fill(0);
  }
}

/**
 * The recovery key from the text a person typed: spaces, tabs, line breaks and hyphens ignored,
 * ASCII letters in either case, O read as 0 and I or L as 1.
 *
 * Contract: any other character (a no-break space, a dash, a fullwidth or look-alike letter), a
 * length other than 56 symbols, or a check that does not match is `recovery_key_typo`.
 */
export async function recoveryKeyFromText(text: string): Promise<Uint8Array> {
  const symbols = [...text].filter((c) => !SEPARATORS.has(c)).map(readSymbol);
  if (symbols.length !== RECOVERY_SYMBOLS) throw new ProtocolError('recovery_key_typo', 'a recovery key is 56 symbols');
  const data = new Uint8Array(KEY_BYTES + CHECK_BYTES);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const symbol of symbols) {
    acc = ((acc << 5) | symbol) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      data[n++] = (acc >> bits) & 0xff;
    }
  }
  const recoveryKey = data.slice(0, KEY_BYTES);
  if (!bytesEqual(data.slice(KEY_BYTES), await recoveryCheck(recoveryKey))) {
    throw new ProtocolError('recovery_key_typo', 'the check does not match');
  }
  return recoveryKey;
}

// Local items ---------------------------------------------------------------------------------

async function localKey(vaultKey: Uint8Array, vaultId: Uint8Array): Promise<Uint8Array> {
  return hkdf(vaultKey, vaultId, utf8('support-circle/v1/local-key'), KEY_BYTES);
}

/**
 * The local key `lk` (§5) imported once, for a session that opens hundreds of items: deriving and
 * importing it for each one cost more than the decryption itself.
 */
export async function localItemKey(vaultKey: Uint8Array, vaultId: Uint8Array): Promise<CryptoKey> {
  const lk = await localKey(vaultKey, vaultId);
  try {
    return await aeadKey(lk);
  } finally {
    lk.fill(0);
  }
}

function localAad(vaultId: Uint8Array, store: string, key: string): Uint8Array {
  return ctx('support-circle/v1/local', vaultId, store, key);
}

/** Encrypts an item kept under store `store` and key `key`; `too_large` at 65536 bytes or more. */
export async function sealLocal(
  vaultKey: Uint8Array | CryptoKey,
  vaultId: Uint8Array,
  store: string,
  key: string,
  plaintext: Uint8Array,
): Promise<LocalItem> {
  const nonce = randomBytes(NONCE_BYTES);
  const lk = vaultKey instanceof Uint8Array ? await localItemKey(vaultKey, vaultId) : vaultKey;
  const ct = await aeadSeal(lk, nonce, pad(plaintext), localAad(vaultId, store, key));
  return { v: VERSION, nonce: b64u(nonce), ct: b64u(ct) };
}

/**
 * The plaintext of a local item, given the vault key or the local key from localItemKey.
 *
 * Contract: `unsupported_version` / `malformed` / `bad_encoding` for an item not of §5's form;
 * `truncated` for a short nonce or ciphertext; `decrypt_failed` for a changed item or one copied
 * to another store or key; `bad_padding` for a plaintext that was not padded.
 */
export async function openLocal(
  vaultKey: Uint8Array | CryptoKey,
  vaultId: Uint8Array,
  store: string,
  key: string,
  item: unknown,
): Promise<Uint8Array> {
  const fields = expectObject(item, ['v', 'nonce', 'ct']);
  const nonce = unb64u(fields['nonce']);
  const ct = unb64u(fields['ct']);
  const lk = vaultKey instanceof Uint8Array ? await localItemKey(vaultKey, vaultId) : vaultKey;
  return unpad(await aeadOpen(lk, nonce, ct, localAad(vaultId, store, key)));
}
