import { b64u } from '../crypto/encoding';
import type { EscrowSecrets } from '../crypto/escrow';

/** Names of the vault state the sync engine keeps for recovery from the server (PROTOCOL §15). */

/** Where this vault's escrow lives and its key: `Session.getState(ESCROW)`. */
export const ESCROW = 'escrow';
/** Ids of escrows under recovery keys this vault replaced, until the engine has deleted them at the server. */
export const ESCROW_RETIRED = 'escrow-retired';

/** Each recovery key's identity (§15) by escrow id, b64u keys, kept until that escrow is deleted. */
export const ESCROW_IDENTITIES = 'escrow-identities';

/** The escrow secrets as kept, b64u. */
export interface StoredEscrow {
  readonly id: string;
  readonly key: string;
}

export function storedEscrow(secrets: EscrowSecrets): StoredEscrow {
  return { id: b64u(secrets.id), key: b64u(secrets.key) };
}
