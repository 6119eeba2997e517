/**
 * What changing a passphrase, a recovery key or the duress passphrase does, for a session of the
 * vault (vaultSecrets) and for a session of the decoy (decoySecrets). Both read the vault object
 * and the duress wrap from this device's IndexedDB; the person's own data is only ever written by
 * the vault's.
 */
import { type DuressAction, fillerWrap, openWithPassphrase, rewrapPassphrase, sealDuress } from '../crypto/duress';
import { randomBytes } from '../crypto/primitives';
import type { Vault, VaultOptions } from '../crypto/vault';
import * as vaults from '../crypto/vault';
import { backupFile, exportBackup, sealedItems } from './backup';
import { type Db, inTransaction } from './db';
import { DECOY_KEY, DURESS_KEY, fillerDecoy, sealDecoy } from './decoy';
import { StorageError } from './errors';
import { ESCROW, ESCROW_RETIRED, type StoredEscrow, storedEscrow } from './escrowState';
import type { HeldKeys } from './keys';
import { emptyItems } from './memoryDb';
import { openJson, sealJson, type VaultKeys } from './sealed';
import { stateKey } from './stateKeys';
import { readVault, VAULT_KEY } from './vaultMeta';

/**
 * Whether a duress passphrase is set, from this session's own point of view, and what it does;
 * `changed` when one was set here and the stored duress wrap is no longer the one it made.
 */
export type DuressState =
  | { readonly set: false; readonly changed?: true }
  | { readonly set: true; readonly action: DuressAction };

export interface SecretsContext {
  readonly vaultOptions: VaultOptions;
  /** The state name (Session.stateKey) under which a session keeps its duress setting. */
  readonly duressState: string;
  /** The device's sealed device keys, for a decoy made now (so it opens as a vault does). */
  readonly decoyDevice: (keys: VaultKeys) => Promise<[string, vaults.LocalItem]>;
}

/** The jobs of Session's VaultSecrets that differ between a vault and a decoy. */
export interface SecretsDoor {
  changePassphrase(db: Db, keys: HeldKeys, current: string, next: string): Promise<void>;
  newRecoveryKey(db: Db, keys: HeldKeys, current: string): Promise<string>;
  duress(db: Db, state: () => Promise<unknown>): Promise<DuressState>;
  setDuress(db: Db, keys: HeldKeys, current: string, passphrase: string, action: DuressAction): Promise<void>;
  clearDuress(db: Db, keys: HeldKeys, current: string): Promise<void>;
  exportBackup(db: Db): Promise<Blob>;
}

/** The duress setting as a session keeps it: the action, and the nonce of the wrap it made. */
interface KeptDuress {
  readonly action: DuressAction;
  readonly nonce: string;
}

/** The stored vault, once `passphrase` is shown to open `kind` (this session's own); `wrong_passphrase` otherwise (not counted). */
async function openedAs(db: Db, passphrase: string, kind: 'vault' | 'decoy', options: VaultOptions): Promise<Vault> {
  const vault = await readVault(db);
  const result = await openWithPassphrase(vault, await db.get('meta', DURESS_KEY), passphrase, options).catch(
    (error: unknown) => {
      throw new StorageError('wrong_passphrase', { cause: error });
    },
  );
  result.key.fill(0);
  if (result.kind !== kind) throw new StorageError('wrong_passphrase');
  return vault as Vault;
}

/** A setting is in force while the stored duress wrap is still the one it made (a backup restored, or a decoy's change, replace it). */
async function duressState(db: Db, kept: unknown): Promise<DuressState> {
  const stored = (await db.get('meta', DURESS_KEY)) as { nonce?: unknown } | undefined;
  if (kept === undefined || kept === null) return { set: false };
  if (stored?.nonce !== (kept as KeptDuress).nonce) return { set: false, changed: true };
  return { set: true, action: (kept as KeptDuress).action };
}

export function vaultSecrets(ctx: SecretsContext): SecretsDoor {
  const own = (db: Db, passphrase: string) => openedAs(db, passphrase, 'vault', ctx.vaultOptions);
  return {
    async changePassphrase(db, keys, current, next) {
      const vault = await own(db, current);
      const rewrapped = await rewrapPassphrase(
        vault,
        await db.get('meta', DURESS_KEY),
        keys.vaultKey,
        next,
        ctx.vaultOptions,
      );
      if (rewrapped === 'opens_duress') throw new StorageError('same_passphrase');
      await inTransaction(db, ['meta'], (tx) => [() => tx.objectStore('meta').put(rewrapped, VAULT_KEY)]);
    },

    async newRecoveryKey(db, keys, current) {
      const vault = await own(db, current);
      const made = await vaults.rewrapRecovery(vault, keys.vaultKey);
      const [escrowKey, retiredKey] = [stateKey(ESCROW), stateKey(ESCROW_RETIRED)];
      const before = await db.get('state', escrowKey);
      const retired = await db.get('state', retiredKey);
      const oldIds = retired === undefined ? [] : await openJson<string[]>(keys, 'state', retiredKey, retired);
      const oldId = before === undefined ? [] : [(await openJson<StoredEscrow>(keys, 'state', escrowKey, before)).id];
      const escrow = await sealJson(keys, 'state', escrowKey, storedEscrow(made.escrow));
      const retiring = await sealJson(keys, 'state', retiredKey, [...oldIds, ...oldId]);
      await inTransaction(db, ['meta', 'state'], (tx) => [
        () => tx.objectStore('meta').put(made.vault, VAULT_KEY),
        () => tx.objectStore('state').put(escrow, escrowKey),
        () => tx.objectStore('state').put(retiring, retiredKey),
      ]);
      return made.recoveryText;
    },

    async duress(db, state) {
      return duressState(db, await state());
    },

    async setDuress(db, keys, current, passphrase, action) {
      const vault = await own(db, current);
      const made = await sealDuress(vault, passphrase, action, ctx.vaultOptions);
      if (made === 'opens_vault') throw new StorageError('same_passphrase');
      const vaultId = keys.vaultId;
      const decoy =
        action === 'decoy'
          ? await sealDecoy(made.key, vaultId, await genericDecoy(ctx, made.key, vaultId))
          : fillerDecoy();
      made.key.fill(0);
      const kept = await sealJson(keys, 'state', ctx.duressState, { action, nonce: made.wrap.nonce });
      await inTransaction(db, ['meta', 'state'], (tx) => [
        () => tx.objectStore('meta').put(made.wrap, DURESS_KEY),
        () => tx.objectStore('meta').put(decoy, DECOY_KEY),
        () => tx.objectStore('state').put(kept, ctx.duressState),
      ]);
    },

    async clearDuress(db, keys, current) {
      await own(db, current);
      // Kept, empty: every vault holds a duress setting, so its presence says nothing.
      const empty = await sealJson(keys, 'state', ctx.duressState, null);
      await inTransaction(db, ['meta', 'state'], (tx) => [
        () => tx.objectStore('meta').put(fillerWrap(), DURESS_KEY),
        () => tx.objectStore('meta').put(fillerDecoy(), DECOY_KEY),
        () => tx.objectStore('state').put(empty, ctx.duressState),
      ]);
    },

    exportBackup,
  };
}

/**
 * A decoy's secrets, as its session shows them: they look like a vault's and change nothing of
 * the vault's. Its "passphrase" is the duress passphrase; a recovery key it makes opens nothing;
 * a duress passphrase set inside it is kept in the decoy only, and does nothing (the threat model
 * says so: there is one duress wrap, and it is the decoy's own).
 */
/** What a decoy's secrets work on: its key, its stores, the vault object its backup carries. */
export interface DecoyParts {
  readonly duressKey: () => Uint8Array;
  readonly decoyDb: () => Promise<Db>;
  /** The vault object with the decoy's key as its passphrase wrap (Opened.passphraseWrap). */
  readonly vault: Vault;
  /** Told the nonce of a duress wrap the decoy wrote itself (a change of its passphrase). */
  readonly rewrapped: (nonce: string) => void;
}

export function decoySecrets(ctx: SecretsContext, parts: DecoyParts): SecretsDoor {
  const { duressKey, decoyDb } = parts;
  const own = (db: Db, passphrase: string) => openedAs(db, passphrase, 'decoy', ctx.vaultOptions);
  return {
    async changePassphrase(db, _keys, current, next) {
      const vault = await own(db, current);
      const asked = await sealDuress(vault, next, 'decoy', ctx.vaultOptions, duressKey());
      // The vault's passphrase is refused in silence, and the wrap is written anew under the
      // current one, so that neither the answer nor the storage tells a guess that was right.
      const made =
        asked === 'opens_vault' ? await sealDuress(vault, current, 'decoy', ctx.vaultOptions, duressKey()) : asked;
      if (made === 'opens_vault') return;
      parts.rewrapped(made.wrap.nonce);
      await inTransaction(db, ['meta'], (tx) => [() => tx.objectStore('meta').put(made.wrap, DURESS_KEY)]);
    },

    async newRecoveryKey(db, _keys, current) {
      await own(db, current);
      return vaults.recoveryKeyToText(randomBytes(32));
    },

    async duress(_db, state) {
      const kept = (await state()) as KeptDuress | null | undefined;
      return kept === undefined || kept === null ? { set: false } : { set: true, action: kept.action };
    },

    async setDuress(db, keys, current, passphrase, action) {
      const vault = await own(db, current);
      // The same work as a vault's, so the time taken says nothing; what it makes is not kept.
      await sealDuress(vault, passphrase, action, ctx.vaultOptions);
      // As a vault refuses its own passphrase: here, the one that opened this space.
      if (passphrase.normalize('NFC') === current.normalize('NFC')) throw new StorageError('same_passphrase');
      const kept = await sealJson(keys, 'state', ctx.duressState, { action, nonce: '' });
      await inTransaction(await decoyDb(), ['state'], (tx) => [
        () => tx.objectStore('state').put(kept, ctx.duressState),
      ]);
    },

    async clearDuress(db, keys, current) {
      await own(db, current);
      const empty = await sealJson(keys, 'state', ctx.duressState, null);
      await inTransaction(await decoyDb(), ['state'], (tx) => [
        () => tx.objectStore('state').put(empty, ctx.duressState),
      ]);
    },

    /** A vault of its own: the decoy's stores under a vault object the duress passphrase opens (its recovery wrap opens nothing). */
    async exportBackup() {
      return backupFile(parts.vault, await sealedItems(await decoyDb()));
    },
  };
}

/** A plain decoy: this device's keys of its own and nothing else, as a vault just made. */
async function genericDecoy(ctx: SecretsContext, key: Uint8Array, vaultId: Uint8Array) {
  const items = emptyItems();
  const keys = { vaultKey: key, vaultId };
  const [name, item] = await ctx.decoyDevice(keys);
  items.state.set(name, item);
  items.state.set(ctx.duressState, await sealJson(keys, 'state', ctx.duressState, null));
  return items;
}
