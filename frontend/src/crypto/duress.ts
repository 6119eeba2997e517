/**
 * The duress wrap (§5 "Duress wrap"): a second passphrase that opens a decoy or erases the
 * device, indistinguishable from its absence.
 *
 * The wrap is always stored, 48 random bytes when no duress passphrase is set, and every unlock
 * runs Argon2id once and tries the vault's passphrase wrap and both duress kinds, whichever
 * passphrase was typed: neither the stored objects nor the work done says whether a second
 * passphrase exists or which one opened.
 */
import { b64u } from './encoding';
import { ProtocolError } from './errors';
import { expectObject } from './json';
import { aeadOpen, KEY_BYTES, NONCE_BYTES, randomBytes, TAG_BYTES } from './primitives';
import {
  checkParameters,
  checkWrapLengths,
  decodeWrap,
  parseVault,
  passphraseKey,
  type Vault,
  type VaultOptions,
  type Wrap,
  wrap,
  wrapAad,
} from './vault';

/** What the duress passphrase does: open the decoy, or erase this device. */
export type DuressAction = 'decoy' | 'wipe';

/** The stored form of a duress wrap: as a vault's passphrase_wrap. */
export interface DuressWrap {
  readonly nonce: string;
  readonly ct: string;
}

/**
 * Which wrap a passphrase opened and the key it held (the vault key, or the duress key), with
 * that key wrapped anew as a vault's `passphrase_wrap` under the same passphrase: a decoy's backup
 * is then a vault of its own that the duress passphrase opens (made on every path, so the work
 * is the same).
 */
export interface Opened {
  readonly kind: 'vault' | DuressAction;
  readonly key: Uint8Array;
  readonly passphraseWrap: DuressWrap;
}

const KIND: Readonly<Record<DuressAction, 'duress-decoy' | 'duress-wipe'>> = {
  decoy: 'duress-decoy',
  wipe: 'duress-wipe',
};

/** A duress wrap that no passphrase opens: what every vault stores until a duress passphrase is set. */
export function fillerWrap(): DuressWrap {
  return { nonce: b64u(randomBytes(NONCE_BYTES)), ct: b64u(randomBytes(KEY_BYTES + TAG_BYTES)) };
}

/**
 * A stored duress wrap of §5's form, or a fresh filler in its place: a damaged or missing duress
 * wrap must never stop the person's own passphrase, and the work done stays the same.
 */
function readDuressWrap(stored: unknown): Wrap {
  try {
    const wrapped = decodeWrap(expectObject(stored, ['nonce', 'ct']));
    checkWrapLengths(wrapped);
    return wrapped;
  } catch {
    return { nonce: randomBytes(NONCE_BYTES), ct: randomBytes(KEY_BYTES + TAG_BYTES) };
  }
}

async function attempt(wrapped: Wrap, key: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null> {
  try {
    return await aeadOpen(key, wrapped.nonce, wrapped.ct, aad);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === 'decrypt_failed') return null;
    throw error;
  }
}

/**
 * What `passphrase` opens: the vault, the decoy or the erase.
 *
 * Contract: the failures of unlockWithPassphrase for a vault not of §5's form (a duress wrap not
 * of its form counts as a filler, never as an error); then `weak_parameters`; then one Argon2id
 * run and three AEAD attempts, always all three; `wrong_passphrase` when none opens. The vault's
 * own wrap wins if a passphrase somehow opened two.
 */
export async function openWithPassphrase(
  vault: unknown,
  duress: unknown,
  passphrase: string,
  options: VaultOptions = {},
): Promise<Opened> {
  const slot = readDuressWrap(duress);
  const { parsed, pk } = await derive(vault, passphrase, options);
  const tried = await Promise.all(
    (['vault', 'decoy', 'wipe'] as const).map(async (kind) => {
      const wrapped = kind === 'vault' ? parsed.passphraseWrap : slot;
      const aad = wrapAad(parsed.vaultId, kind === 'vault' ? 'passphrase' : KIND[kind]);
      return { kind, key: await attempt(wrapped, pk, aad) };
    }),
  );
  // The first that opened wins (the vault's own wrap first); the work is the same whichever did.
  const found = tried.find((t) => t.key !== null);
  const key = found?.key ?? randomBytes(KEY_BYTES);
  const passphraseWrap = await wrap(pk, key, wrapAad(parsed.vaultId, 'passphrase'));
  pk.fill(0);
  for (const t of tried) if (t !== found) t.key?.fill(0);
  if (found === undefined) throw new ProtocolError('wrong_passphrase');
  return { kind: found.kind, key, passphraseWrap };
}

/** The vault checked (§5 checks 1 to 5) and the passphrase's Argon2id output under its salt and parameters. */
async function derive(vault: unknown, passphrase: string, options: VaultOptions) {
  const parsed = parseVault(vault);
  checkParameters(parsed.params, options);
  return { parsed, pk: await passphraseKey(passphrase, parsed.salt, parsed.params) };
}

/**
 * The same vault under a new passphrase, with its salt and Argon2id parameters kept (the duress
 * wrap is made under the same Argon2id output, so a new salt would silently break it) and its
 * recovery wrap kept. Call it after an unlock, with the vault key that unlock returned.
 *
 * Contract: `'opens_duress'`, and nothing made, when `passphrase` opens the duress wrap: it would
 * then open the vault while the person believes it is their second passphrase. One Argon2id run.
 */
export async function rewrapPassphrase(
  vault: Vault,
  duress: unknown,
  vaultKey: Uint8Array,
  passphrase: string,
  options: VaultOptions = {},
): Promise<Vault | 'opens_duress'> {
  const slot = readDuressWrap(duress);
  const { parsed, pk } = await derive(vault, passphrase, options);
  try {
    for (const kind of [KIND.decoy, KIND.wipe]) {
      const key = await attempt(slot, pk, wrapAad(parsed.vaultId, kind));
      if (key !== null) {
        key.fill(0);
        return 'opens_duress';
      }
    }
    return { ...vault, passphrase_wrap: await wrap(pk, vaultKey, wrapAad(parsed.vaultId, 'passphrase')) };
  } finally {
    pk.fill(0);
  }
}

/**
 * A new duress wrap for `passphrase`, under the vault's own salt and parameters, holding `key`
 * or else a new random duress key (returned: the decoy is sealed under it).
 *
 * Contract: `'opens_vault'`, and nothing made, when `passphrase` opens the vault itself (it would
 * never reach the duress wrap); `weak_parameters` as unlocking.
 */
export async function sealDuress(
  vault: Vault,
  passphrase: string,
  action: DuressAction,
  options: VaultOptions = {},
  key: Uint8Array = randomBytes(KEY_BYTES),
): Promise<{ wrap: DuressWrap; key: Uint8Array } | 'opens_vault'> {
  const { parsed, pk } = await derive(vault, passphrase, options);
  try {
    if ((await attempt(parsed.passphraseWrap, pk, wrapAad(parsed.vaultId, 'passphrase'))) !== null)
      return 'opens_vault';
    return { wrap: await wrap(pk, key, wrapAad(parsed.vaultId, KIND[action])), key };
  } finally {
    pk.fill(0);
  }
}
