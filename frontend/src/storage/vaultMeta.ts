/** The vault object (PROTOCOL §5) as kept in `meta`: wrapped keys and KDF parameters, no content. */
import type { Db } from './db';
import { StorageError } from './errors';

export const VAULT_KEY = 'vault';

/** The stored vault object, unchecked (unlocking checks it); `no_vault` when there is none. */
export async function readVault(db: Db): Promise<unknown> {
  const vault = await db.get('meta', VAULT_KEY);
  if (vault === undefined) throw new StorageError('no_vault');
  return vault;
}
