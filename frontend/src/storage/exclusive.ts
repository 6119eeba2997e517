/** One writer at a time per database: across tabs with the Web Locks API, within this tab otherwise. */

const chains = new Map<string, Promise<unknown>>();

/**
 * Runs `work` when no other exclusive work of the same `name` is running. Each write reads a
 * record, seals it anew (outside any IndexedDB transaction, which would commit while waiting for
 * crypto) and writes it back, so two writes of one record must not interleave.
 */
export function exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
  if (locks !== undefined) return locks.request(name, work);
  const run = (chains.get(name) ?? Promise.resolve()).then(work, work);
  chains.set(
    name,
    run.catch(() => undefined),
  );
  return run;
}
