import { useSession, useSyncVersion } from './appContext';
import { useLoaded } from './useLoaded';

/**
 * For each plan answer or ally the person shared, the names of the circles it is shared with,
 * read from this device (the `share` records and each circle's name).
 */
export function useSharedIn(): ReadonlyMap<string, readonly string[]> {
  const session = useSession();
  const version = useSyncVersion();
  const { value } = useLoaded(async () => {
    const byCircle = new Map<string, string>();
    const shared = new Map<string, string[]>();
    for (const { body } of await session.list('share')) {
      if (!byCircle.has(body.circle))
        byCircle.set(body.circle, (await session.get('circle', body.circle))?.body.name ?? '');
      shared.set(body.source, [...(shared.get(body.source) ?? []), byCircle.get(body.circle) ?? '']);
    }
    return shared;
  }, [session, version]);
  return value ?? new Map();
}
