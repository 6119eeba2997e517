/** JSON values sealed under the vault key (PROTOCOL §5 local items), bound to their store and key. */
import { fromUtf8 } from '../crypto/encoding';
import { dumpJson } from '../crypto/json';
import { type LocalItem, localItemKey, openLocal, sealLocal } from '../crypto/vault';
import type { SealedStore } from './db';
import { StorageError } from './errors';

/** The unlocked keys: held by a session in memory only, zeroed by lock(). */
export interface VaultKeys {
  readonly vaultKey: Uint8Array;
  readonly vaultId: Uint8Array;
  /** The local key imported once, for keys that open many items (a session's); derived per item otherwise. */
  localKey?(): Promise<CryptoKey>;
}

function localKeyOf(keys: VaultKeys): Promise<CryptoKey> {
  return keys.localKey?.() ?? localItemKey(keys.vaultKey, keys.vaultId);
}

/** Seals `value` for `store`/`key`; `too_large` (ProtocolError) when it does not fit 64 KiB padded. */
export function sealJson(keys: VaultKeys, store: SealedStore, key: string, value: unknown): Promise<LocalItem> {
  return localKeyOf(keys).then((lk) => sealLocal(lk, keys.vaultId, store, key, dumpJson(value)));
}

/**
 * The value sealed under `store`/`key`. Values are trusted in form once they open: only this
 * vault's key could have sealed them, for exactly this store and key.
 *
 * Contract: an item changed, corrupted, or moved to another store or key is `damaged`, never
 * returned; after lock() it is `locked`.
 */
export async function openJson<T>(keys: VaultKeys, store: SealedStore, key: string, item: unknown): Promise<T> {
  return parseOpened<T>(await openText(keys, store, key, item));
}

/** The JSON text sealed under `store`/`key`, not yet parsed; fails as openJson does. */
export async function openText(keys: VaultKeys, store: SealedStore, key: string, item: unknown): Promise<string> {
  try {
    return fromUtf8(await openLocal(await localKeyOf(keys), keys.vaultId, store, key, item));
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError('damaged', { cause: error });
  }
}

/**
 * The value of a text openText gave; `damaged` when it is not JSON. JSON.parse, not §1's strict
 * parser: what opens here is this vault's own dumpJson output, authenticated by AES-GCM, and no
 * second reader must agree on its bytes as on a signed document's. The strict parser cost ten
 * times JSON.parse, and a plan of 1,000 records parses every one of them on each read.
 */
export function parseOpened<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StorageError('damaged', { cause: error });
  }
}
