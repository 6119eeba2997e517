/**
 * What the unlocked app shares with every screen below it: the open vault, its sync engine and the
 * sync counter. App provides it around the unlocked screens only, so a screen reads it from here
 * instead of each parent handing it down.
 *
 * Contract: the hooks work only under <OpenApp>; anywhere else they throw, since that is a
 * programming error (a screen shown before unlock has no session to read). Lock unmounts the
 * provider with everything under it, so nothing keeps a session it handed out.
 */
import { type ComponentChildren, createContext } from 'preact';
import { useContext, useMemo } from 'preact/hooks';
import type { Session } from '../storage';
import type { SyncEngine } from '../sync/engine';

interface Shared {
  session: Session;
  /** null while sync is off, or until it has started. */
  engine: SyncEngine | null;
  /** Bumped after each sync, so screens read again what other devices sent. */
  version: number;
}

const SharedContext = createContext<Shared | null>(null);

export function OpenApp({ session, engine, version, children }: Shared & { children: ComponentChildren }) {
  const value = useMemo(() => ({ session, engine, version }), [session, engine, version]);
  return <SharedContext value={value}>{children}</SharedContext>;
}

function useShared(hook: string): Shared {
  const shared = useContext(SharedContext);
  if (shared === null) throw new Error(`${hook} needs an <OpenApp> provider above it (the vault is not open here)`);
  return shared;
}

/** The open vault. */
export function useSession(): Session {
  return useShared('useSession()').session;
}

/** The sync engine, or null while sync is off: a screen with nothing to do without it checks. */
export function useEngine(): SyncEngine | null {
  return useShared('useEngine()').engine;
}

/**
 * The sync engine, for the parts of a screen drawn only once it checked useEngine() is not null
 * (the circles, the linked devices). Throws if sync is off: that parent check is missing.
 */
export function useRunningEngine(): SyncEngine {
  const engine = useShared('useRunningEngine()').engine;
  if (engine === null) throw new Error('useRunningEngine() used while sync is off: check useEngine() above it');
  return engine;
}

/** Bumped after each sync: a read that lists it among its dependencies reads again what other devices sent. */
export function useSyncVersion(): number {
  return useShared('useSyncVersion()').version;
}
