/**
 * What the engine's actions (deviceActions.ts, circleActions.ts) run on: the engine's one queue,
 * so an action never interleaves with a sync, the signed-in connection and the verified replicas.
 * The engine makes one; the actions see nothing else of it.
 */
import type { SharedCircles, SharedStore } from './circles/shared';
import type { CircleReplica } from './replica/replica';
import type { SyncStatus } from './status';
import type { Connection } from './transport/connection';

/** What the engine needs of the unlocked vault: a `Session`. */
export type EngineStore = SharedStore & { readonly locked: boolean };

export interface EngineCore {
  readonly store: EngineStore;
  /** The shared circles this vault knows; use inside `serial`. */
  readonly shared: SharedCircles;
  /** Runs `work` after everything queued before it: every touch of the server or the vault goes through here. */
  serial<T>(work: () => Promise<T>): Promise<T>;
  /** The signed-in connection; use inside `serial`. */
  api(): Promise<Connection>;
  /** The personal circle's replica, made at the server on first use; use inside `serial`. */
  personal(api: Connection): Promise<CircleReplica>;
  /** Whether this vault has a personal circle (made here, or joined by a link or a recovery). */
  hasPersonal(): Promise<boolean>;
  /** Asks for a sync (after the running one, if any) and resolves with the status after it. */
  syncNow(): Promise<SyncStatus>;
  /** Now, as the engine's clock reads it. */
  now(): Date;
  /** The app's origin, for the links an action makes. */
  origin(): string;
  /** This device's first name, until it syncs one (SyncOptions.deviceName). */
  readonly deviceName: string;
}

/** Runs `work` in the queue with the signed-in connection. */
export function withApi<T>(core: EngineCore, work: (api: Connection) => Promise<T>): Promise<T> {
  return core.serial(async () => work(await core.api()));
}

/** Runs `work` in the queue with the connection and the personal circle's replica. */
export function inPersonal<T>(
  core: EngineCore,
  work: (api: Connection, circle: CircleReplica) => Promise<T>,
): Promise<T> {
  return core.serial(async () => {
    const api = await core.api();
    return work(api, await core.personal(api));
  });
}

/** Runs `work` in the queue with the connection and the verified replica of a shared circle. */
export function inCircle<T>(
  core: EngineCore,
  circleId: string,
  work: (api: Connection, circle: CircleReplica) => Promise<T>,
): Promise<T> {
  return core.serial(async () => {
    const api = await core.api();
    return work(api, await core.shared.replica(api, circleId));
  });
}

/** Runs a change in the queue, then syncs so the server has it: resolves once both are done. */
export async function thenSync<T>(core: EngineCore, change: () => Promise<T>): Promise<T> {
  const result = await core.serial(change);
  await core.syncNow();
  return result;
}
