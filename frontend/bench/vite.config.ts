import { defineConfig } from 'vite';

// Builds only the benchmark page (bench/protocol_browser.py), never part of the app.
export default defineConfig({
  root: __dirname,
  build: { target: 'es2022', assetsInlineLimit: 0, emptyOutDir: true },
});
