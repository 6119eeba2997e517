import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

// Everything the app needs ships from its own origin: no CDN, no web fonts, no analytics.
export default defineConfig({
  build: {
    target: 'es2022',
    // No inlined assets: the CSP allows no data: URLs.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  plugins: [
    VitePWA({
      // An update is offered to the person, never forced on them while they are typing.
      registerType: 'prompt',
      injectRegister: false,
      // One static manifest per face the person can give the app (public/manifest-*.webmanifest,
      // chosen by src/ui/disguise.ts): a generated one would name the app in every install.
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        // The passphrase estimator's lists (src/ui/strength.ts, over 200 KiB gzip) are fetched only
        // when someone types a new passphrase: not by every first visit. Kept once fetched, so it
        // also works offline afterwards.
        globIgnores: ['**/assets/strength-*.js'],
        runtimeCaching: [
          {
            urlPattern: /\/assets\/strength-[\w-]+\.js$/,
            handler: 'CacheFirst',
            options: {
              cacheName: 'on-demand',
              // A release brings a new file only when the lists change; the one it replaces is
              // dropped as the new one is kept. (Workbox's ExpirationPlugin would do it for 2 KiB
              // gzip more in the worker every first visit loads.)
              plugins: [
                {
                  cacheDidUpdate: async ({ cacheName, request }) => {
                    const cache = await caches.open(cacheName);
                    for (const kept of await cache.keys()) if (kept.url !== request.url) await cache.delete(kept);
                  },
                },
              ],
            },
          },
        ],
        navigateFallback: 'index.html',
        // The API is never answered from the cache: it is per device and always fresh. The server's own
        // pages (/about/) are its, not the app's.
        navigateFallbackDenylist: [/^\/v1\//, /^\/healthz/, /^\/readyz/, /^\/about\//],
        // The first install takes control at once, so the app works offline after one visit.
        clientsClaim: true,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // The shared-circle tests run several devices' real crypto: under a loaded 2-core CI machine
    // they took over vitest's 5 s default. A hang still fails, after 30 s.
    testTimeout: 30_000,
  },
});
