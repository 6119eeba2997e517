import { useEffect, useState } from 'preact/hooks';
import { registerServiceWorker, type OfflineState } from '../pwa/registerServiceWorker';
import { fetchServerInfo } from '../sync/server';
import { strings } from './strings';

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

export function App() {
  const [offline, setOffline] = useState<OfflineState>('preparing');
  const [server, setServer] = useState<ServerState>('checking');
  const [applyUpdate, setApplyUpdate] = useState<(() => Promise<void>) | null>(null);

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
    <main class="page" aria-labelledby="welcome-heading">
      <p class="app-name">{strings.appName}</p>
      <h1 id="welcome-heading">{strings.welcomeHeading}</h1>
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
          <button type="button" class="secondary" onClick={() => setApplyUpdate(null)}>
            {strings.updateLater}
          </button>
        </section>
      )}
    </main>
  );
}
