/**
 * Random bytes from the platform's CSPRNG (WebCrypto), in a module of its own: code that needs
 * only them, such as a new record id, does not bring in the curves of primitives.ts with it.
 */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
