/**
 * The organisation's safety settings, as its server publishes them (`GET /v1/server`): the line
 * for someone in danger now, and the ordinary site Leave now opens while online. Kept from the
 * last answer in this browser's localStorage (public values, removed with everything else by a
 * wipe), so a start without internet still shows the organisation's numbers.
 */
import type { ServerInfo } from '../sync/transport/server';
import { strings } from './strings';

export interface ServerSafety {
  readonly line: string;
  /** Empty: the app's built-in neutral page. */
  readonly exitUrl: string;
}

const KEPT = 'serverSafety';

/** Before any server answered: a line that holds anywhere, and the neutral page. */
const fallbackSafety = (): ServerSafety => ({ line: strings.dangerLineFallback, exitUrl: '' });

export function keptServerSafety(): ServerSafety {
  try {
    const kept: unknown = JSON.parse(localStorage.getItem(KEPT) ?? 'null');
    if (typeof kept === 'object' && kept !== null) {
      const { line, exitUrl } = kept as Record<string, unknown>;
      if (typeof line === 'string' && line !== '' && typeof exitUrl === 'string') return { line, exitUrl };
    }
  } catch {
    // Blocked or damaged storage: the fallback holds.
  }
  return fallbackSafety();
}

/** What the server said, kept for the next start. */
export function keepServerSafety(info: ServerInfo): ServerSafety {
  const safety = { line: info.safety_line, exitUrl: info.quick_exit_url };
  try {
    localStorage.setItem(KEPT, JSON.stringify(safety));
  } catch {
    // Storage can be blocked: this start still uses it.
  }
  return safety;
}
