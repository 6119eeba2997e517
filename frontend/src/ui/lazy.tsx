/**
 * Screens loaded with import() when first needed, so that what the first screen waits for stays
 * small (docs/architecture.md §9). The service worker precaches every chunk, so they open offline.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { strings } from './strings';

export interface LazyScreen<P> {
  /** Draws the screen; until its chunk is loaded, a status line. Once loaded, at once. */
  Screen: ComponentType<P>;
  /** Starts loading the chunk, for a screen likely to be needed soon; a failure is retried on the next use. */
  preload(): void;
}

/** A screen whose code `load` brings in with import(), loaded once for the page's life. */
export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): LazyScreen<P> {
  let loading: Promise<ComponentType<P>> | null = null;
  let loaded: ComponentType<P> | null = null;
  const start = (): Promise<ComponentType<P>> => {
    loading ??= load().then(
      (component) => {
        loaded = component;
        return component;
      },
      (error: unknown) => {
        loading = null;
        throw error;
      },
    );
    return loading;
  };

  function Screen(props: P) {
    const [Loaded, setLoaded] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Loaded !== null) return;
      let current = true;
      start().then(
        (component) => current && setLoaded(() => component),
        () => undefined, // stays on the status line; the next visit to the screen tries again
      );
      return () => {
        current = false;
      };
    }, [Loaded]);
    return Loaded === null ? <p role="status">{strings.loading}</p> : <Loaded {...props} />;
  }

  return { Screen, preload: () => void start().catch(() => undefined) };
}
