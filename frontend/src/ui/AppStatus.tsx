import type { OfflineState } from '../pwa/registerServiceWorker';
import { strings } from './strings';

export type ServerState = 'checking' | 'reachable' | 'unreachable';

// Functions, not tables: the words are read when drawn, after ui/language.ts chose the language.
const offlineText = (): Record<OfflineState, string> => ({
  preparing: strings.offlinePreparing,
  ready: strings.offlineReady,
  unsupported: strings.offlineUnsupported,
  removed: strings.offlineRemoved,
});

const serverText = (): Record<ServerState, string> => ({
  checking: strings.serverChecking,
  reachable: strings.serverReachable,
  unreachable: strings.serverUnreachable,
});

/** Whether the app works with no network on this device, and whether its server answers. */
export function AppStatus({ offline, server }: { offline: OfflineState; server: ServerState }) {
  return (
    <ul class="status" aria-live="polite">
      <li data-testid="offline-status" data-state={offline}>
        {offlineText()[offline]}
      </li>
      <li data-testid="server-status" data-state={server}>
        {serverText()[server]}
      </li>
    </ul>
  );
}

/** A new version is offered, never forced: the person may be in the middle of writing. */
export function UpdateOffer({ apply, onLater }: { apply(): Promise<void>; onLater(): void }) {
  return (
    <section class="update" aria-label={strings.updateReady}>
      <p>{strings.updateReady}</p>
      <button type="button" onClick={() => void apply()}>
        {strings.updateNow}
      </button>
      <button type="button" class="secondary" onClick={onLater}>
        {strings.updateLater}
      </button>
    </section>
  );
}
