/**
 * Words typed but not saved yet. A form keeps its draft sealed in the vault (the session's state,
 * never synced, never sent), so switching tabs, a reload or a crash does not lose it, and the
 * person decides when the words become a record (and, for a shared answer, reach a circle).
 *
 * Contract: a draft lives only while the vault is open; after lock() nothing is read or written
 * (the calls fail quietly), so a lock never waits on a draft and drops only the last moment of
 * typing. A draft names what the form started from (`base`), so a save merges onto it and never
 * undoes what another device wrote meanwhile.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StateStore } from '../storage';

export interface Draft<T> {
  /** What the form started from: the stored record's body then, or null for a new one. */
  readonly base: T | null;
  /** What is on screen. */
  readonly value: T;
  /** The record it will be saved as. */
  readonly recordId: string;
}

/** How long typing pauses before the draft is kept: each keystroke does not need a sealed write. */
const KEEP_AFTER_MS = 300;

const stateName = (key: string) => `draft:${key}`;

/**
 * Keeps of a draft still being written, per vault and key: a form that closes keeps its words as
 * it goes (a tab switch, the screen hidden), and the same form opened a moment later must read
 * them back, not what was there before the write ended.
 */
const writing = new WeakMap<StateStore, Map<string, Promise<void>>>();

function afterWrites(session: StateStore, key: string): Promise<void> {
  return writing.get(session)?.get(key) ?? Promise.resolve();
}

function keepWriting(session: StateStore, key: string, write: Promise<void>): void {
  const own = writing.get(session) ?? new Map<string, Promise<void>>();
  writing.set(session, own);
  const done = write.finally(() => {
    if (own.get(key) === done) own.delete(key);
  });
  own.set(key, done);
}

/** Keeps `draft` under `key` (null forgets it); a readDraft of the same key begun meanwhile waits for it. */
export function keepDraft<T>(session: StateStore, key: string, draft: Draft<T> | null): Promise<void> {
  const write = session.setState(stateName(key), draft ?? undefined).catch(() => undefined);
  keepWriting(session, key, write);
  return write;
}

/** The draft kept under `key`, or undefined (also when the vault is locked or the item does not open). */
export async function readDraft<T>(session: StateStore, key: string): Promise<Draft<T> | undefined> {
  await afterWrites(session, key);
  try {
    const kept = await session.getState(stateName(key));
    return isDraft<T>(kept) ? kept : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the draft under `key` (after a save, or when the person chose to discard it). */
export function dropDraft(session: StateStore, key: string): Promise<void> {
  return session.setState(stateName(key), undefined).catch(() => undefined);
}

/**
 * Keeps `draft` under `key` a moment after it last changed, or removes what was kept when it is
 * null (nothing unsaved). Whatever waits is kept at once when the form goes away (a tab switch).
 * Does nothing until `ready`: a form first reads back what was kept, and must not remove it
 * meanwhile. Returns `drop`, for after a save or a discard: it forgets the draft and cancels a
 * keep still waiting, so the words do not come back when the form closes.
 */
export function useKeptDraft<T>(
  session: StateStore,
  key: string,
  draft: Draft<T> | null,
  ready: boolean,
): { drop(): Promise<void> } {
  const json = draft === null ? null : JSON.stringify(draft);
  // What is on screen, read when the form goes away: the words typed a moment before the screen
  // was hidden may not have reached an effect yet (effects wait for a frame, which a hidden page
  // does not draw), and must be kept all the same.
  const latest = useRef({ json, ready });
  latest.current = { json, ready };
  /** The words last kept or dropped (undefined: none yet in this form), so nothing is written twice. */
  const written = useRef<string | null | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const cancel = () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };
  const keep = () => {
    cancel();
    const now = latest.current;
    if (!now.ready || now.json === written.current) return;
    written.current = now.json;
    void keepDraft(session, key, now.json === null ? null : (JSON.parse(now.json) as Draft<T>));
  };
  useEffect(() => {
    if (!ready) return;
    timer.current = setTimeout(keep, KEEP_AFTER_MS);
    return cancel;
  }, [session, key, json, ready]);
  useEffect(() => keep, [session, key]);
  return {
    drop: () => {
      cancel();
      // The words on screen now were saved or thrown away: closing the form must not keep them.
      written.current = latest.current.json;
      return dropDraft(session, key);
    },
  };
}

/**
 * Reads back the draft kept under `key` once, as the form opens, and hands it to `apply`, unless
 * the person typed meanwhile (call `touched()` on every edit) or it only holds what is saved
 * already (`isSaved`; it is then forgotten). `done` turns true once the read is over, for
 * useKeptDraft's `ready`.
 */
export function useRestoredDraft<T>(
  session: StateStore,
  key: string,
  isSaved: (draft: Draft<T>) => boolean,
  apply: (draft: Draft<T>) => void,
): { done: boolean; touched(): void } {
  const [done, setDone] = useState(false);
  const touched = useRef(false);
  useEffect(() => {
    let current = true;
    void readDraft<T>(session, key).then((draft) => {
      if (!current) return;
      if (draft !== undefined && isSaved(draft)) void dropDraft(session, key);
      else if (draft !== undefined && !touched.current) apply(draft);
      setDone(true);
    });
    return () => {
      current = false;
    };
  }, [session, key]);
  return { done, touched: () => (touched.current = true) };
}

function isDraft<T>(value: unknown): value is Draft<T> {
  if (typeof value !== 'object' || value === null) return false;
  const { value: words, recordId } = value as Record<string, unknown>;
  return typeof recordId === 'string' && typeof words === 'object' && words !== null;
}
