import { useCallback, useEffect, useState } from 'preact/hooks';

/**
 * What `load` resolves with, loaded again whenever `deps` change or `reload` is called; null until
 * the first load. A failed load keeps what was there (the app is locking, or sync will say why).
 */
export function useLoaded<T>(load: () => Promise<T>, deps: readonly unknown[]): { value: T | null; reload(): void } {
  const [value, setValue] = useState<T | null>(null);
  const [own, setOwn] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (loaded) => current && setValue(loaded),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [...deps, own]);
  const reload = useCallback(() => setOwn((n) => n + 1), []);
  return { value, reload };
}
