/**
 * The app's one local store and the few things every screen needs from an open vault.
 * Screens get a Session from here and never touch IndexedDB or keys themselves.
 */
import type { AppSettings } from '../records';
import { LocalStore, type Session } from '../storage';

export const store = new LocalStore();

/** The settings record's fixed id (16 zero bytes): settings never leave the device. */
export const SETTINGS_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const LOCK_CHOICES_MINUTES = [1, 2, 5, 10, 30] as const;

export const DEFAULT_SETTINGS: AppSettings = { serverUrl: '', lockAfterMinutes: 5, quickExitUrl: '' };

/** This device's settings, or the defaults before the person changed any. */
export async function readSettings(session: Session): Promise<AppSettings> {
  const stored = await session.get('settings', SETTINGS_ID);
  if (stored === undefined) return DEFAULT_SETTINGS;
  const { _conflicts: _ignored, ...body } = stored.body;
  return { ...DEFAULT_SETTINGS, ...body };
}

export function writeSettings(session: Session, settings: AppSettings): Promise<void> {
  return session.put('settings', SETTINGS_ID, settings);
}
