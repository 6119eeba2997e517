/** Keys held by an unlocked session, and dropped by lock(). */
import type { DeviceKeys } from '../crypto/identity';
import { localItemKey } from '../crypto/vault';
import { StorageError } from './errors';
import type { VaultKeys } from './sealed';

/**
 * The vault key and this device's keys, readable until drop().
 *
 * Contract: after drop() every getter throws `locked`, and the key bytes are zeroed. Crypto that
 * already started keeps the copy WebCrypto took when it was called, so an edit sealed at the
 * moment of locking is either written whole or not at all, never sealed with zeroed bytes.
 */
export class HeldKeys implements VaultKeys {
  #vaultKey: Uint8Array | null;
  #vaultId: Uint8Array | null;
  #device: DeviceKeys | null;
  #localKey: Promise<CryptoKey> | null = null;

  constructor(vaultKey: Uint8Array, vaultId: Uint8Array, device: DeviceKeys) {
    this.#vaultKey = vaultKey;
    this.#vaultId = vaultId;
    this.#device = device;
  }

  get vaultKey(): Uint8Array {
    return this.#vaultKey ?? locked();
  }

  get vaultId(): Uint8Array {
    return this.#vaultId ?? locked();
  }

  get device(): DeviceKeys {
    return this.#device ?? locked();
  }

  /**
   * The local key (PROTOCOL §5) imported once while unlocked: deriving and importing it for every
   * record cost more than opening the record. Forgotten by drop(); a failed import is not kept.
   */
  localKey(): Promise<CryptoKey> {
    if (this.#localKey === null) {
      const key = localItemKey(this.vaultKey, this.vaultId);
      this.#localKey = key;
      key.catch(() => {
        if (this.#localKey === key) this.#localKey = null;
      });
    }
    return this.#localKey;
  }

  get dropped(): boolean {
    return this.#vaultKey === null;
  }

  drop(): void {
    this.#vaultKey?.fill(0);
    this.#device?.signSeed.fill(0);
    this.#device?.kemPrivate.fill(0);
    this.#vaultKey = null;
    this.#vaultId = null;
    this.#localKey = null;
    this.#device = null;
  }
}

function locked(): never {
  throw new StorageError('locked');
}
