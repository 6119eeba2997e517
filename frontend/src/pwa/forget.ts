/**
 * Forgets the app's offline copy: every Cache Storage cache of this origin and every service
 * worker registered for it. Part of removing everything from the device: the caches hold only the
 * app itself, but a cache or a registered worker still says that this app was here. Works offline
 * (all of it is local). A part that fails does not stop the others.
 */
export async function forgetOfflineCopy(): Promise<void> {
  const cacheStorage = globalThis.caches as CacheStorage | undefined;
  const workers = globalThis.navigator?.serviceWorker as ServiceWorkerContainer | undefined;
  await Promise.allSettled([
    cacheStorage?.keys().then((names) => Promise.all(names.map((name) => cacheStorage.delete(name)))),
    workers?.getRegistrations().then((all) => Promise.all(all.map((registration) => registration.unregister()))),
  ]);
}
