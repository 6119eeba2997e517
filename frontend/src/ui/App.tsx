import { useEffect, useState } from 'preact/hooks';
import { registerServiceWorker, type OfflineState } from '../pwa/registerServiceWorker';
import { fetchServerInfo } from '../sync/server';
import { Layout } from './Layout';
import { LockedScreen } from './LockedScreen';
import { strings } from './strings';
import { useSafetyShell } from './useSafetyShell';

type ServerState = 'checking' | 'reachable' | 'unreachable';

const offlineText: Record<OfflineState, string> = {
  preparing: strings.offlinePreparing,
  ready: strings.offlineReady,
  unsupported: strings.offlineUnsupported,
};

const serverText: Record<ServerState, string> = {
  checking: strings.serverChecking,
  reachable: strings.serverReachable,
  unreachable: strings.serverUnreachable,
};

/** No keys are held yet; the storage layer passes the function that drops them. */
function dropNoKeys(): void {}

export function App() {
  const safety = useSafetyShell({ dropKeys: dropNoKeys });
  const [offline, setOffline] = useState<OfflineState>('preparing');
  const [server, setServer] = useState<ServerState>('checking');
  const [applyUpdate, setApplyUpdate] = useState<(() => Promise<void>) | null>(null);

  // Here, not in a screen: locking unmounts the screens, and this must happen once.
  useEffect(() => {
    registerServiceWorker({
      onOfflineState: setOffline,
      onUpdateReady: (apply) => setApplyUpdate(() => apply),
    });
    fetchServerInfo().then(
      () => setServer('reachable'),
      () => setServer('unreachable'),
    );
  }, []);

  return (
    <Layout safety={safety}>
      {safety.locked ? (
        <LockedScreen onUnlock={safety.unlocked} />
      ) : (
        <Welcome
          offline={offline}
          server={server}
          applyUpdate={applyUpdate}
          onUpdateLater={() => setApplyUpdate(null)}
        />
      )}
    </Layout>
  );
}

interface WelcomeProps {
  offline: OfflineState;
  server: ServerState;
  applyUpdate: (() => Promise<void>) | null;
  onUpdateLater(): void;
}

function Welcome({ offline, server, applyUpdate, onUpdateLater }: WelcomeProps) {
  return (
    <>
      <h1>{strings.welcomeHeading}</h1>
      <p class="intro">{strings.welcomeIntro}</p>
      <ul class="status" aria-live="polite">
        <li data-testid="offline-status" data-state={offline}>
          {offlineText[offline]}
        </li>
        <li data-testid="server-status" data-state={server}>
          {serverText[server]}
        </li>
      </ul>
      {applyUpdate && (
        <section class="update" role="status">
          <p>{strings.updateReady}</p>
          <button type="button" onClick={() => void applyUpdate()}>
            {strings.updateNow}
          </button>
          <button type="button" class="secondary" onClick={onUpdateLater}>
            {strings.updateLater}
          </button>
        </section>
      )}
    </>
  );
}
