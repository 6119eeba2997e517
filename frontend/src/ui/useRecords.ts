import { useCallback, useState } from 'preact/hooks';
import type { RecordKind } from '../records';
import type { LocalRecord } from '../storage';
import { useSession, useSyncVersion } from './appContext';
import { useLoaded } from './useLoaded';

export interface Records<K extends RecordKind> {
  /** null until the first read. */
  readonly items: LocalRecord<K>[] | null;
  /** Read again (after a save here, or new changes from another device). */
  reload(): void;
}

/** Every record of `kind` in the open vault (of the shared circle `circle`, if given), read again after each sync. */
export function useRecords<K extends RecordKind>(kind: K, circle?: string): Records<K> {
  const session = useSession();
  const version = useSyncVersion();
  const { value, reload } = useLoaded(() => session.list(kind, circle), [session, kind, version, circle]);
  return { items: value, reload };
}

/** Saves with a status the screen can announce: saving, saved, or failed (the typed words stay). */
export type SaveState = 'idle' | 'saving' | 'saved' | 'failed';

export function useSave(): { state: SaveState; run(work: () => Promise<void>): Promise<boolean> } {
  const [state, setState] = useState<SaveState>('idle');
  const run = useCallback(async (work: () => Promise<void>) => {
    setState('saving');
    try {
      await work();
      setState('saved');
      return true;
    } catch {
      setState('failed');
      return false;
    }
  }, []);
  return { state, run };
}
