/** Asking the browser not to evict this app's storage under pressure. */

/**
 * `granted`: the browser will keep the data; `refused`: it may evict it (Safari grants this only
 * to apps added to the home screen; Chromium decides by how the app is used); `unsupported`: this
 * browser has no way to ask.
 */
export type Persistence = 'granted' | 'refused' | 'unsupported';

/**
 * Asks for persistent storage and says what the browser answered, so the UI can explain. Never
 * rejects: a browser that throws is reported as `unsupported`.
 */
export async function requestPersistence(
  storage: StorageManager | undefined = globalThis.navigator?.storage,
): Promise<Persistence> {
  if (storage === undefined || typeof storage.persist !== 'function') return 'unsupported';
  try {
    if (typeof storage.persisted === 'function' && (await storage.persisted())) return 'granted';
    return (await storage.persist()) ? 'granted' : 'refused';
  } catch {
    return 'unsupported';
  }
}
