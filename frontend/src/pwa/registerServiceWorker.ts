/** `removed`: the offline copy was erased with everything else (forget.ts); it comes back online. */
export type OfflineState = 'preparing' | 'ready' | 'unsupported' | 'removed';

export interface ServiceWorkerEvents {
  onOfflineState(state: OfflineState): void;
  /** A new version is waiting; calling `apply` reloads into it. Never called twice for one version. */
  onUpdateReady(apply: () => Promise<void>): void;
}

/**
 * Registers the service worker that precaches the app shell (built by vite-plugin-pwa into sw.js),
 * with the browser's own ServiceWorkerContainer: workbox-window and the plugin's register helper
 * did only this, for 3 KiB gzip in every first load.
 *
 * Contract: an update is only offered (`onUpdateReady`); it is applied when the person says so,
 * because reloading under someone who is typing could lose what they wrote.
 */
export function registerServiceWorker(events: ServiceWorkerEvents): void {
  if (!('serviceWorker' in navigator)) {
    events.onOfflineState('unsupported');
    return;
  }
  const workers = navigator.serviceWorker;
  events.onOfflineState(workers.controller ? 'ready' : 'preparing');
  workers.addEventListener('controllerchange', () => events.onOfflineState('ready'));
  // After the page has loaded, so that precaching does not compete with the first screen. A browser
  // that refuses the worker, or blocks it and answers with no registration (as Playwright's
  // `service_workers="block"` does), leaves the app working online only.
  afterLoad(() => {
    workers
      .register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
      .then((registration) => watchForUpdates(registration, events))
      .catch(() => events.onOfflineState('unsupported'));
  });
}

function afterLoad(then: () => void): void {
  if (document.readyState === 'complete') then();
  else window.addEventListener('load', then, { once: true });
}

/** A worker installed beside a controlling one is an update (it waits); without one, the first copy. */
function watchForUpdates(registration: ServiceWorkerRegistration, events: ServiceWorkerEvents): void {
  const offered = new WeakSet<ServiceWorker>();
  const offer = (worker: ServiceWorker): void => {
    if (offered.has(worker)) return;
    offered.add(worker);
    events.onUpdateReady(() => takeUpdate(worker));
  };
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state !== 'installed') return;
      if (navigator.serviceWorker.controller) offer(worker);
      else events.onOfflineState('ready');
    });
  });
}

/** Asks the waiting worker to take over (sw.js listens for SKIP_WAITING), and reloads once it has. */
async function takeUpdate(worker: ServiceWorker): Promise<void> {
  navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
  worker.postMessage({ type: 'SKIP_WAITING' });
}
