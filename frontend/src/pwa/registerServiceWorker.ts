import { registerSW } from 'virtual:pwa-register';

/** `removed`: the offline copy was erased with everything else (forget.ts); it comes back online. */
export type OfflineState = 'preparing' | 'ready' | 'unsupported' | 'removed';

export interface ServiceWorkerEvents {
  onOfflineState(state: OfflineState): void;
  /** A new version is waiting; calling `apply` reloads into it. Never called twice for one version. */
  onUpdateReady(apply: () => Promise<void>): void;
}

/**
 * Registers the service worker that precaches the app shell.
 *
 * Contract: an update is only offered (`onUpdateReady`); it is applied when the person says so,
 * because reloading under someone who is typing could lose what they wrote.
 */
export function registerServiceWorker(events: ServiceWorkerEvents): void {
  if (!('serviceWorker' in navigator)) {
    events.onOfflineState('unsupported');
    return;
  }
  events.onOfflineState(navigator.serviceWorker.controller ? 'ready' : 'preparing');
  const updateSW = registerSW({
    onOfflineReady: () => events.onOfflineState('ready'),
    onNeedRefresh: () => events.onUpdateReady(() => updateSW(true)),
    onRegisterError: () => events.onOfflineState('unsupported'),
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => events.onOfflineState('ready'));
}
