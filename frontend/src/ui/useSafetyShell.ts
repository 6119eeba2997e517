import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { AutoLock, DEFAULT_HIDDEN_GRACE_MS, DEFAULT_IDLE_LOCK_MS } from '../safety/autoLock';
import { listenForAutoLock, listenForShiftTriple } from '../safety/listeners';
import { exitDestination, quickExit, unblankWhenRestored } from '../safety/quickExit';
import { ShiftTriple } from '../safety/shiftTriple';
import { listenForHiding } from '../safety/veil';

/**
 * Set on <html> while the app is locked. It carries no content; browser tests read it to see
 * that a quick exit locked the app before it left.
 */
export const LOCKED_ATTRIBUTE = 'data-locked';

/** Set on <html> while the page is out of sight; the stylesheet covers the screen under it at once. */
const VEILED_ATTRIBUTE = 'data-veiled';

export interface SafetySettings {
  /** Drops every key from memory. Synchronous: a quick exit cannot wait. */
  dropKeys(): void;
  /** The page the person chose to leave to, or `null` for the built-in one. */
  exitTarget?: string | null;
  idleMs?: number | null;
  hiddenGraceMs?: number;
}

export interface SafetyShell {
  locked: boolean;
  /** Lock now: drops the keys and shows the locked screen. */
  lock(): void;
  /** Call once the person has unlocked (the passphrase was right). */
  unlocked(): void;
  /** Quick exit: blank, lock, leave. */
  leave(): void;
  /** Where leaving goes, for the links' `href`. */
  exitHref: string;
  /** Shift presses counted towards leaving (0, 1 or 2). */
  shiftPressed: number;
  /** The page is hidden or left: its screens must leave the page (safety/veil.ts). */
  veiled: boolean;
}

/**
 * Everything that keeps the app safe while it is open: locking, the auto-lock, the quick exit
 * and its Shift×3 shortcut. Used once, by the app's root.
 */
export function useSafetyShell(settings: SafetySettings): SafetyShell {
  const { exitTarget = null, idleMs = DEFAULT_IDLE_LOCK_MS, hiddenGraceMs = DEFAULT_HIDDEN_GRACE_MS } = settings;
  const [locked, setLocked] = useState(false);
  const [shiftPressed, setShiftPressed] = useState(0);
  const [veiled, setVeiled] = useState(false);
  useEffect(
    () =>
      listenForHiding((hidden) => {
        // Covered at once, before the next frame (the app switcher may picture it); the screens
        // unmount on the next render.
        document.documentElement.toggleAttribute(VEILED_ATTRIBUTE, hidden);
        setVeiled(hidden);
      }),
    [],
  );
  const dropKeys = useRef(settings.dropKeys);
  dropKeys.current = settings.dropKeys;

  const lock = useCallback(() => {
    try {
      dropKeys.current();
    } finally {
      document.documentElement.setAttribute(LOCKED_ATTRIBUTE, '');
      setLocked(true);
    }
  }, []);

  const unlocked = useCallback(() => {
    document.documentElement.removeAttribute(LOCKED_ATTRIBUTE);
    setLocked(false);
  }, []);

  const target = useRef(exitTarget);
  target.current = exitTarget;
  const leave = useCallback(() => {
    quickExit({ lock, target: exitDestination(target.current, navigator.onLine, location.origin) });
  }, [lock]);

  const autoLock = useRef<AutoLock | null>(null);
  useEffect(() => {
    const watcher = new AutoLock({ lock, idleMs, hiddenGraceMs });
    autoLock.current = watcher;
    const stopListening = listenForAutoLock(watcher);
    return () => {
      stopListening();
      watcher.stop();
    };
    // Created once (`lock` never changes); the effect below applies new times.
  }, [lock]);

  useEffect(() => {
    autoLock.current?.configure({ idleMs, hiddenGraceMs });
  }, [idleMs, hiddenGraceMs]);

  useEffect(() => {
    if (locked) {
      autoLock.current?.stop();
    } else {
      autoLock.current?.start();
    }
  }, [locked]);

  useEffect(() => {
    const counter = new ShiftTriple({ onProgress: setShiftPressed, onTrigger: leave });
    const stopListening = listenForShiftTriple(counter);
    const stopRestoring = unblankWhenRestored();
    return () => {
      stopListening();
      stopRestoring();
      counter.reset();
    };
  }, [leave]);

  return {
    locked,
    lock,
    unlocked,
    leave,
    exitHref: exitDestination(exitTarget, navigator.onLine, location.origin),
    shiftPressed,
    veiled,
  };
}
