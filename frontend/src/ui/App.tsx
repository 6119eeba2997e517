import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { forgetOfflineCopy } from '../pwa/forget';
import { type OfflineState, registerServiceWorker } from '../pwa/registerServiceWorker';
import type { AppSettings } from '../records';
import { DEFAULT_IDLE_LOCK_MS } from '../safety/autoLock';
import { requestPersistence, type Session } from '../storage';
import type { SyncEngine, SyncStatus } from '../sync/engine';
import { fetchServerInfo } from '../sync/transport/server';
import { AppStatus, type ServerState, UpdateOffer } from './AppStatus';
import { OpenApp } from './appContext';
import { keepServerDisguise } from './disguise';
import { Layout } from './Layout';
import { lazyScreen } from './lazy';
import { FirstRun } from './screens/FirstRun';
import type { Tab } from './screens/Main';
import { RecoveryKey } from './screens/RecoveryKey';
import { Unlock } from './screens/Unlock';
import { keepServerSafety, keptServerSafety } from './serverSafety';
import { strings } from './strings';
import { useSafetyShell } from './useSafetyShell';
import { readSettings, store, writeSettings } from './vault';

type Phase = 'loading' | 'first-run' | 'locked' | 'open' | 'unlinked';

interface OpenVault {
  session: Session;
  settings: AppSettings;
}

const OFF: SyncStatus = { state: 'off', waiting: 0 };

/**
 * The unlocked app (plan, allies, circles, settings, and the sync they use) is a chunk of its own:
 * the unlock screen does not wait for it, nor for the code that opens the vault (store.prepare).
 * Both load once that screen is drawn, so opening the vault waits for neither.
 */
const Unlocked = lazyScreen(() => import('./screens/Main').then((m) => m.Main));

/** Runs `task` once the browser is idle (or soon, where it cannot say): after the first screen is drawn. */
function whenIdle(task: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(task, { timeout: 1000 });
    return () => cancelIdleCallback(handle);
  }
  const handle = setTimeout(task, 200);
  return () => clearTimeout(handle);
}

/**
 * The app's root: which screen shows, the open vault, its sync engine and the safety shell.
 *
 * Contract: locking (by the button, the auto-lock or a quick exit) stops sync and drops every
 * key synchronously, then shows the unlock screen; nothing a person typed is held in any state
 * that survives it.
 */
export function App() {
  const shell = useAppShell();
  const [phase, setPhase] = useState<Phase>('loading');
  const [open, setOpen] = useState<OpenVault | null>(null);
  const [recovery, setRecovery] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const held = useRef<{ session: Session | null; engine: SyncEngine | null }>({ session: null, engine: null });
  const lastTab = useRef<Tab | null>(null);
  // Kept across a lock (it is no secret): leaving from the unlock screen goes where the person chose.
  const exitTarget = useRef<string | null>(null);

  const dropKeys = useCallback(() => {
    held.current.engine?.stop();
    held.current.session?.lock();
    held.current = { session: null, engine: null };
    lastTab.current = null;
    setOpen(null);
    setRecovery(null);
    setPhase((now) => (now === 'open' ? 'locked' : now));
  }, []);
  const idleMs = open === null ? DEFAULT_IDLE_LOCK_MS : open.settings.lockAfterMinutes * 60_000;
  // The person's own exit page first; else the organisation's ordinary site; else the neutral page.
  const exitTo = exitTarget.current ?? (shell.safety.exitUrl === '' ? null : shell.safety.exitUrl);
  const safety = useSafetyShell({ dropKeys, exitTarget: exitTo, idleMs });

  useEffect(() => {
    void store.hasVault().then((has) => setPhase(has ? 'locked' : 'first-run'));
  }, []);
  useEffect(() => {
    if (phase === 'loading') return;
    return whenIdle(() => {
      store.prepare();
      Unlocked.preload();
    });
  }, [phase]);

  const opened = async (session: Session, recoveryText: string | null = null) => {
    const settings = await readSettings(session);
    held.current.session = session;
    exitTarget.current = settings.quickExitUrl === '' ? null : settings.quickExitUrl;
    setRecovery(recoveryText);
    setNotice('');
    setOpen({ session, settings });
    setPhase('open');
    safety.unlocked();
    void requestPersistence();
  };

  const { status, version, engine } = useSyncEngine(open, held);

  const saveSettings = async (settings: AppSettings) => {
    if (open === null) return;
    await writeSettings(open.session, settings);
    exitTarget.current = settings.quickExitUrl === '' ? null : settings.quickExitUrl;
    setOpen({ ...open, settings });
  };
  // The store is wiped (its sessions locked); the app's offline copy goes next, and only then does
  // the screen change, in one render: "removed" is said once it is true, and no unlock screen shows
  // in between (it would open the database again to read the attempt count).
  const wiped = async () => {
    await forgetOfflineCopy();
    dropKeys();
    shell.forgotten();
    setNotice(strings.wiped);
    setPhase('first-run');
  };

  // The duress passphrase erased this device: it shows what a new install shows, and says nothing.
  // The offline copy stays (it is the public app, nothing of the person's), as after a first visit.
  const erased = () => {
    dropKeys();
    setNotice('');
    setPhase('first-run');
  };

  // Another of the person's devices signed that it unlinked this one (§17; a bare "not found" never
  // gets here): the content goes in this render, then the keys, the data and the offline copy.
  const unlinked = status.reason === 'unlinked';
  useEffect(() => {
    if (!unlinked) return;
    setPhase('unlinked');
    dropKeys();
    void store
      .wipe()
      .then(forgetOfflineCopy)
      .then(() => shell.forgotten());
  }, [unlinked]);

  return (
    <Layout safety={safety} canLock={open !== null} screen={phase} dangerLine={shell.safety.line}>
      {notice !== '' && (
        <p class="notice-line" role="status">
          {notice}
        </p>
      )}
      {phase === 'first-run' && (
        <FirstRun
          onCreated={(session, text) => void opened(session, text)}
          onRestored={() => {
            setNotice(strings.restored);
            setPhase('locked');
          }}
        />
      )}
      {phase === 'locked' && (
        <Unlock onUnlocked={(session) => void opened(session)} onWiped={() => void wiped()} onErased={erased} />
      )}
      {phase === 'open' && open !== null && recovery !== null && (
        <RecoveryKey recoveryText={recovery} onDone={() => setRecovery(null)} />
      )}
      {phase === 'unlinked' && <Unlinked onStart={() => setPhase('first-run')} />}
      {phase === 'open' && open !== null && recovery === null && !unlinked && (
        <OpenApp session={open.session} engine={engine} version={version}>
          <Unlocked.Screen
            settings={open.settings}
            status={status}
            onSettings={saveSettings}
            onWiped={() => void wiped()}
            lastTab={lastTab}
          />
        </OpenApp>
      )}
      {shell.applyUpdate !== null && <UpdateOffer apply={shell.applyUpdate} onLater={shell.later} />}
      {phase !== 'open' && <AppStatus offline={shell.offline} server={shell.server} />}
    </Layout>
  );
}

/** What an unlinked device shows once it erased itself: plain words, nothing of what was here. */
function Unlinked({ onStart }: { onStart(): void }) {
  return (
    <section class="panel" aria-labelledby="unlinked-heading">
      <h1 id="unlinked-heading">{strings.unlinkedHeading}</h1>
      <p>{strings.unlinkedBody}</p>
      <button type="button" onClick={onStart}>
        {strings.unlinkedStart}
      </button>
    </section>
  );
}

/** Starts sync while the vault is open and a server is chosen; stops it on lock or when turned off. */
function useSyncEngine(open: OpenVault | null, held: { current: { engine: SyncEngine | null } }) {
  const [status, setStatus] = useState<SyncStatus>(OFF);
  const [version, setVersion] = useState(0);
  const [engine, setEngine] = useState<SyncEngine | null>(null);
  const session = open?.session ?? null;
  const serverUrl = open?.settings.serverUrl ?? '';
  const registrationCode = open?.settings.registrationCode ?? '';
  useEffect(() => {
    if (session === null || serverUrl === '') return;
    let started: SyncEngine | null = null;
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    // Loaded on demand: the circle protocol (HPKE, signatures) is not needed to open the app.
    void import('../sync/engine').then(({ startSync, guessDeviceKind }) => {
      if (cancelled || session.locked) return;
      started = startSync({
        session,
        serverUrl,
        deviceName: strings.deviceKinds[guessDeviceKind()],
        ...(registrationCode === '' ? {} : { registrationCode }),
      });
      held.current.engine = started;
      setEngine(started);
      let last: SyncStatus['state'] | null = null;
      unsubscribe = started.subscribe((next) => {
        setStatus(next);
        // After every sync, screens read again what other devices sent.
        if (next.state === 'up-to-date' || (last === 'syncing' && next.state !== 'syncing')) setVersion((v) => v + 1);
        last = next.state;
      });
    });
    return () => {
      cancelled = true;
      unsubscribe?.();
      started?.stop();
      if (held.current.engine === started) held.current.engine = null;
      setEngine(null);
      setStatus(OFF);
    };
  }, [session, serverUrl, registrationCode]);
  return { status, version, engine };
}

/** The service worker (registered once for the app's life) and whether the server answers. */
function useAppShell() {
  const [offline, setOffline] = useState<OfflineState>('preparing');
  const [server, setServer] = useState<ServerState>('checking');
  const [applyUpdate, setApplyUpdate] = useState<(() => Promise<void>) | null>(null);
  const [safety, setSafety] = useState(keptServerSafety);
  useEffect(() => {
    registerServiceWorker({ onOfflineState: setOffline, onUpdateReady: (apply) => setApplyUpdate(() => apply) });
    fetchServerInfo().then(
      (info) => {
        setSafety(keepServerSafety(info));
        keepServerDisguise(info);
        setServer('reachable');
      },
      () => setServer('unreachable'),
    );
  }, []);
  return {
    offline,
    server,
    safety,
    applyUpdate,
    later: () => setApplyUpdate(null),
    forgotten: () => setOffline('removed'),
  };
}
