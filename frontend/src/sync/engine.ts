/**
 * The app's sync engine: keeps the person's personal circle (their own devices) and the shared
 * circles they are in in sync in the background. What the person does through it (link a device,
 * run, join or share with a circle) lives in deviceActions.ts and circleActions.ts, each part a
 * narrow interface over the same queue (core.ts).
 *
 * Syncs on start, after every local edit (at once: a saved change leaves while the person is
 * still looking at "Saved", so a lock or a quick exit a moment later does not hold it back), when
 * the app gets focus or becomes visible, on the `online` event, on live events from the server
 * (with reconnect and backoff, and a sync after every reconnect, since events may have been
 * missed), and on a timer. Never two syncs at once: a request while one runs makes exactly one
 * more afterwards, so a burst of edits makes at most two. Everything that touches the server or
 * the vault goes through one queue, so device linking never interleaves with a sync.
 *
 * The status never says "up to date" while an edit waits: every local edit counts it at once.
 * Stopping (on lock or quick exit) does not cut a request already sent: those go with
 * `keepalive` (see callApi), and signing out waits until they are answered.
 *
 * Same origin only: every call goes to the app's own origin (callApi refuses anything else), and
 * the CSP says `connect-src 'self'`. A server at another URL would need that origin in
 * `connect-src`, which the server that serves the app sets; weakening it for every install is
 * not acceptable, so the supported way to use an organisation's server is to open the app from
 * that server's address (each server serves the app). Until a per-install CSP exists, another
 * `serverUrl` leaves sync `off` with the reason `other_server`, and nothing is sent anywhere.
 */
import { ProtocolError } from '../crypto/errors';
import { isSyncedKind } from '../records';
import { type PendingChange, StorageError } from '../storage';
import {
  type CircleInvites,
  type CircleJoins,
  type Circles,
  circleInvites,
  circleJoins,
  circles,
  type Sharing,
  sharing,
} from './circleActions';
import { checkCircleJoins } from './circles/invites';
import { adoptLinkedCircles } from './circles/keyring';
import { storedCircles } from './circles/list';
import { SharedCircles } from './circles/shared';
import type { EngineCore, EngineStore } from './core';
import { type DeviceLinks, type Devices, deviceLinks, devices } from './deviceActions';
import { keepEscrow } from './devices/escrow';
import { noteThisDevice } from './devices/linked';
import { checkLinkRequest, isJoining } from './devices/links';
import { finishRecovery } from './devices/recover';
import { keepVerifiedLog, unlinkedByOwnDevice } from './devices/unlinked';
import { DEVICE_REMOVED, SyncError } from './errors';
import { Clock } from './replica/clock';
import { ensurePersonal, readPersonal, removedHere } from './replica/personal';
import { type CircleReplica, setAside, setAsideName } from './replica/replica';
import { sleep } from './sleep';
import { type SyncNotice, type SyncStatus, statusFor } from './status';
import { ApiError, type Fetch } from './transport/api';
import { Connection } from './transport/connection';
import { listen, type ServerEvent } from './transport/events';

export type { CircleInvites, CircleJoins, Circles, Sharing } from './circleActions';
export type { CircleInvite, JoinAsk, MyJoin, OpenInvite } from './circles/invites';
export type { CircleMember, CircleSummary, NewCircle } from './circles/shared';
export type { EngineStore } from './core';
export type { DeviceLinks, Devices, JoinOptions } from './deviceActions';
export { type DeviceKind, guessDeviceKind, type LinkedDevice } from './devices/linked';
export type { DeviceLink, LinkAsked, LinkRequest } from './devices/links';
export type { SyncErrorCode } from './errors';
export type { SyncState, SyncStatus } from './status';

export interface SyncOptions {
  readonly session: EngineStore;
  /** The server to sync with; the app's own origin when absent. Another origin is not supported yet (see above). */
  readonly serverUrl?: string;
  /** Sent only when the server asks for one at registration. */
  readonly registrationCode?: string;
  /** The app's origin, for links and the same-origin check; `location.origin` when absent. */
  readonly origin?: string;
  /** Tests and the Node peer pass their own; the browser's fetch otherwise. */
  readonly fetchImpl?: Fetch;
  /** Where `focus`, `online`, `offline` and `visibilitychange` come from; the window when absent, none when null. */
  readonly events?: EventTarget | null;
  /** Timer sync period, ms (default 60 s); 0 turns the timer off. */
  readonly intervalMs?: number;
  /** Read live events from the server (default true). */
  readonly live?: boolean;
  readonly now?: () => number;
  /**
   * The name this device first gives itself, in the person's language (the app passes its words
   * for guessDeviceKind()); empty when absent, which the app shows as a device not named yet.
   */
  readonly deviceName?: string;
}

/** The set-aside reasons of the personal circle the person is told of, and how (PROTOCOL §7). */
const NOTICES = new Map<string, SyncNotice>([
  ['epoch_ended', 'placed_late'],
  ['clock_ahead', 'clock_ahead'],
]);
/** The engine as the app sees it: the status, and what the person does, one narrow part each. */
export interface SyncEngine {
  /** The status now. */
  readonly status: SyncStatus;
  /** Calls `listener` with every new status (and once now); returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void;
  /** Asks for a sync (after the running one, if any) and resolves with the status after it. */
  syncNow(): Promise<SyncStatus>;
  /** Stops every trigger, signs out, and forgets the keys it held. Call it on lock. Idempotent. */
  stop(): void;
  /** The person has read the status's notice: it is not said again. */
  dismissNotice(): Promise<void>;
  readonly links: DeviceLinks;
  readonly devices: Devices;
  readonly circles: Circles;
  readonly invites: CircleInvites;
  readonly joins: CircleJoins;
  readonly sharing: Sharing;
}

const DEFAULT_INTERVAL_MS = 60_000;
const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
const SERVER_ID = 'server-id';

/** Starts syncing the personal circle of `session` with the app's own server. */
export function startSync(options: SyncOptions): SyncEngine {
  const engine = new Engine(options);
  engine.start();
  return engine;
}

class Engine implements SyncEngine {
  #status: SyncStatus = { state: 'off', waiting: 0 };
  readonly #listeners = new Set<(status: SyncStatus) => void>();
  readonly #abort = new AbortController();
  readonly #clock: Clock;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();
  #queued: Promise<SyncStatus> | null = null;
  #connection: Promise<Connection> | null = null;
  /** Set only while a stopped engine sends its sign-out: the one request it lets out. */
  #signingOut = false;
  /** Requests sent and not yet answered: the sign-out waits for them too. */
  readonly #inFlight = new Set<Promise<Response>>();
  #circle: CircleReplica | null = null;
  readonly #shared: SharedCircles;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unlisten: (() => void) | undefined;
  #unwatch: (() => void) | undefined;
  /** Bumped by every status set: a count of what waits, begun before, must not overwrite a newer status. */
  #generation = 0;
  readonly links: DeviceLinks;
  readonly devices: Devices;
  readonly circles: Circles;
  readonly invites: CircleInvites;
  readonly joins: CircleJoins;
  readonly sharing: Sharing;

  constructor(private readonly options: SyncOptions) {
    this.#now = options.now ?? Date.now;
    this.#clock = new Clock(options.session.deviceKeys.public.deviceId, this.#now);
    this.#shared = new SharedCircles(options.session, this.#clock);
    const core = this.#core();
    this.links = deviceLinks(core);
    this.devices = devices(core);
    this.circles = circles(core);
    this.invites = circleInvites(core);
    this.joins = circleJoins(core);
    this.sharing = sharing(core);
  }

  /** What the actions run on: the queue, the connection and the replicas, and nothing else. */
  #core(): EngineCore {
    return {
      store: this.options.session,
      shared: this.#shared,
      serial: (work) => this.#serial(work),
      api: () => this.#api(),
      personal: (api) => this.#personal(api),
      hasPersonal: () => this.#hasPersonal(),
      syncNow: () => this.syncNow(),
      now: () => new Date(this.#now()),
      origin: () => this.#origin(),
      deviceName: this.options.deviceName ?? '',
    };
  }

  get status(): SyncStatus {
    return this.#status;
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  start(): void {
    if (this.#otherServer) {
      this.#set({ state: 'off', waiting: 0, reason: 'other_server' });
      return;
    }
    this.#unlisten = this.#watchWindow();
    this.#unwatch = this.options.session.watchWrites(() => this.#edited());
    const every = this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (every > 0) this.#timer = setInterval(() => void this.syncNow(), every);
    void this.syncNow();
    if (this.options.live !== false) void this.#listenLoop();
  }

  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#status);
    return () => this.#listeners.delete(listener);
  }

  syncNow(): Promise<SyncStatus> {
    if (this.#queued !== null) return this.#queued;
    const queued = this.#serial(async () => {
      this.#queued = null;
      await this.#syncOnce();
      return this.#status;
    });
    this.#queued = queued;
    return queued;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#abort.abort();
    clearInterval(this.#timer);
    this.#unlisten?.();
    this.#unwatch?.();
    this.#circle?.forget();
    this.#circle = null;
    this.#shared.forget();
    // After the running sync: a push already on its way must not meet a token already revoked.
    const connection = this.#connection;
    void this.#queue
      .then(() => Promise.allSettled([...this.#inFlight]))
      .then(() => connection)
      .then((c) => {
        // signOut hands its one request to #fetch before it first awaits: nothing else gets out.
        this.#signingOut = true;
        try {
          return c?.signOut();
        } finally {
          this.#signingOut = false;
        }
      })
      .catch(() => undefined);
    this.#connection = null;
    this.#set({ state: 'off', waiting: this.#status.waiting });
  }

  /** Takes the personal circle's notice away once the person has read it; the next sync says the rest. */
  dismissNotice(): Promise<void> {
    return this.#serial(async () => {
      const circle = this.#circle;
      if (circle === null) return;
      const store = this.options.session;
      const kept = (await setAside(store, circle.id)).filter((a) => !NOTICES.has(a.reason));
      await store.setState(setAsideName(circle.id), kept.length === 0 ? undefined : kept);
      const { notice: _, ...rest } = this.#status;
      this.#set(rest);
    });
  }

  /** What the personal circle set aside that the person should hear of (the newest one). */
  async #notice(): Promise<{ notice?: SyncNotice }> {
    if (this.#circle === null) return {};
    const aside = await setAside(this.options.session, this.#circle.id);
    const newest = aside.filter((a) => NOTICES.has(a.reason)).at(-1);
    return newest === undefined ? {} : { notice: NOTICES.get(newest.reason) as SyncNotice };
  }

  // One sync ---------------------------------------------------------------------------------------

  async #syncOnce(): Promise<void> {
    if (this.#stopped || this.#otherServer) return;
    if (this.options.session.locked) return this.stop();
    // Counting what waits reads the vault too: a lock a moment after unlock lands here as often as
    // in the steps, and must stop the engine as quietly (every trigger drops this promise).
    let waiting = this.#status.waiting;
    try {
      waiting = await this.#waiting();
      if (globalThis.navigator?.onLine === false) return this.#set({ state: 'offline', waiting });
      this.#set({ state: 'syncing', waiting });
      const done = await this.#syncSteps();
      if (this.#stopped) return;
      const after = await this.#waiting();
      if (done === 'approval') return this.#set({ state: 'approval', waiting: after, reason: 'waiting_for_approval' });
      if (done === 'declined') return this.#set({ state: 'error', waiting: after, reason: 'link_declined' });
      this.#set({ state: 'up-to-date', waiting: after, ...(await this.#notice()) });
    } catch (error) {
      if (this.#stopped || (error instanceof StorageError && error.code === 'locked')) return this.stop();
      this.#set(statusFor(error, await this.#waiting().catch(() => waiting)));
    }
  }

  /** `synced`, or why this device has nothing to sync yet: its link waits for approval, or was declined. */
  async #syncSteps(): Promise<'synced' | 'approval' | 'declined'> {
    const api = await this.#api();
    const store = this.options.session;
    if (await isJoining(store)) {
      const outcome = await checkLinkRequest(api, store, this.#clock);
      if (outcome === 'waiting') return 'approval';
      if (outcome === 'declined') return 'declined';
    }
    // A recovery's hand-over first: the device it replaces must be unlinked before anything is written.
    await finishRecovery(store, api, this.#fetch);
    await this.#settleLocalOnly();
    await this.#sendFirst(api);
    // A vault with nothing to send and no personal circle yet (a new device that may be about to
    // be linked to another's, or an ally who only joins circles) makes none: it is made on the
    // first sync with something to keep.
    if ((await this.#hasPersonal()) || (await this.#somethingToKeep())) {
      const circle = await this.#personal(api);
      await noteThisDevice(store, this.#now(), this.options.deviceName ?? '');
      await this.#syncPersonal(api, circle);
      await keepEscrow(api, store, circle);
      // Circles another device of the person started or joined (PROTOCOL §16, "A person's circles").
      await adoptLinkedCircles(store);
    }
    await checkCircleJoins(api, store, this.#clock);
    await this.#shared.syncAll(api, this.#circle === null ? undefined : { replica: this.#circle });
    await this.#rememberServer(api);
    return 'synced';
  }

  /**
   * Syncs the personal circle and keeps the log it verified. When the server says the circle is
   * not there for this device, a notice one of the person's devices signed (§17) turns that into
   * `unlinked`, on which the app wipes; without one it stays `device_removed`, and nothing goes.
   */
  async #syncPersonal(api: Connection, circle: CircleReplica): Promise<void> {
    const store = this.options.session;
    try {
      await removedHere(() => circle.sync());
    } catch (error) {
      if (error instanceof ApiError && error.code === DEVICE_REMOVED && (await unlinkedByOwnDevice(api, store)))
        throw new SyncError('unlinked', { cause: error });
      throw error;
    }
    await keepVerifiedLog(store, circle);
  }

  /** A local edit was saved: count it as waiting now, and send it. */
  #edited(): void {
    if (this.#stopped) return;
    const generation = this.#generation;
    void this.#waiting().then(
      (waiting) => {
        if (this.#generation === generation && !this.#stopped && waiting !== this.#status.waiting)
          this.#set({ ...this.#status, waiting });
      },
      () => undefined, // locked meanwhile: nothing to show
    );
    void this.syncNow();
  }

  /**
   * Pushes what waits before anything is pulled, so a lock or a quick exit a moment after a save
   * finds it already on its way (requests go with keepalive). A failure here is left to the
   * full sync that follows, which reports it and keeps one circle's trouble its own.
   */
  async #sendFirst(api: Connection): Promise<void> {
    const waiting = await this.#waitingChanges();
    const push = (replica: Promise<CircleReplica>) => replica.then((r) => r.sendWaiting()).catch(() => undefined);
    if (waiting.some((p) => p.circle === undefined) && (await this.#hasPersonal())) await push(this.#personal(api));
    for (const circleId of new Set(waiting.flatMap((p) => p.circle ?? [])))
      await push(this.#shared.replica(api, circleId));
  }

  /** Records of kinds that never leave the device (settings) are settled here, at no server. */
  async #settleLocalOnly(): Promise<void> {
    const store = this.options.session;
    for (const change of await store.pending()) {
      if (isSyncedKind(change.kind)) continue;
      const hlc = this.#clock.tick();
      await store.markSent(change.recordId, { changeId: 'local', hlc, body: change.body });
      // Revision 0: no server's change log has it; only this device ever will.
      await store.settle(change.recordId, 0, hlc);
    }
  }

  /** Whether this vault has a personal circle (made here, or joined by a link or a recovery). */
  async #hasPersonal(): Promise<boolean> {
    return this.#circle !== null || (await readPersonal(this.options.session)) !== undefined;
  }

  /** Plan answers or allies waiting: a device's own note (its name) alone makes no circle, so a renamed new device can still be linked; a shared circle's records go to that circle. */
  async #somethingToKeep(): Promise<boolean> {
    return (await this.#waitingChanges()).some((p) => p.kind !== 'device' && p.circle === undefined);
  }

  async #waiting(): Promise<number> {
    return (await this.#waitingChanges()).length;
  }

  /**
   * The changes waiting for the server: every pending record of a kind that syncs, except those of
   * a circle this device is no longer in (they stay on this device, shown as not sent).
   */
  async #waitingChanges(): Promise<PendingChange[]> {
    const gone = new Set(
      (await storedCircles(this.options.session)).filter((c) => c.standing !== 'member').map((c) => c.circleId),
    );
    return (await this.options.session.pending()).filter(
      (p) => isSyncedKind(p.kind) && (p.circle === undefined || !gone.has(p.circle)),
    );
  }

  /** The personal circle, made at the server on first use; never while this device waits to be linked to another's. */
  async #personal(api: Connection): Promise<CircleReplica> {
    if (this.#circle !== null) return this.#circle;
    if (await isJoining(this.options.session)) throw new SyncError('waiting_for_approval');
    this.#circle = await ensurePersonal(api, this.options.session, this.#clock);
    return this.#circle;
  }

  /**
   * Every request of this engine. Once it is stopped none goes out but its sign-out, sent when the
   * requests already on their way are answered: a sync on its way takes no further step, so the
   * engine started in its place (after a settings change) is the only one writing to the server —
   * two at once made the personal circle and its log entries twice.
   */
  readonly #fetch: Fetch = (input, init) => {
    if (this.#stopped && !this.#signingOut) return Promise.reject(new DOMException('The sync stopped.', 'AbortError'));
    const sent = (this.options.fetchImpl ?? ((i, r) => fetch(i, r)))(input, init);
    const answered = () => this.#inFlight.delete(sent);
    this.#inFlight.add(sent);
    sent.then(answered, answered);
    return sent;
  };

  /** The signed-in connection, knowing the server id this vault synced with before. */
  #api(): Promise<Connection> {
    if (this.#otherServer) return Promise.reject(new SyncError('other_server'));
    this.#connection ??= (async () => {
      const known = await this.options.session.getState(SERVER_ID);
      return new Connection(this.options.session.deviceKeys, {
        ...(typeof known === 'string' ? { knownServerId: known } : {}),
        ...(this.options.registrationCode !== undefined ? { registrationCode: this.options.registrationCode } : {}),
        fetchImpl: this.#fetch,
      });
    })();
    return this.#connection;
  }

  async #rememberServer(api: Connection): Promise<void> {
    const store = this.options.session;
    if (api.serverId !== undefined && (await store.getState(SERVER_ID)) !== api.serverId)
      await store.setState(SERVER_ID, api.serverId);
  }

  // Triggers ---------------------------------------------------------------------------------------

  /** Reads the server's live events; any news syncs; a dropped stream reconnects with backoff, then syncs. */
  async #listenLoop(): Promise<void> {
    let delay = MIN_RETRY_MS;
    while (!this.#stopped) {
      try {
        const api = await this.#api();
        await listen(
          await api.bearer(),
          (event) => this.#onEvent(event, () => (delay = MIN_RETRY_MS)),
          this.#abort.signal,
          this.#fetch,
        );
      } catch (error) {
        // A stream refused as the engine stops (its sign-out revokes the token) ends the loop: a new
        // connection would read a vault already locked, and this promise has nobody to reject to.
        if (this.#stopped) return;
        if (error instanceof ApiError && error.code === 'unauthorized')
          await (await this.#api()).signIn().catch(() => undefined);
      }
      await sleep(delay, this.#abort.signal).catch(() => undefined);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  #onEvent(event: ServerEvent, connected: () => void): void {
    if (event.type === 'ready') connected();
    // `ready` also means a (re)connect: anything sent while the stream was down was missed.
    void this.syncNow();
  }

  #watchWindow(): (() => void) | undefined {
    const target =
      this.options.events === undefined ? (globalThis as unknown as Partial<EventTarget>) : this.options.events;
    if (target === null || typeof target.addEventListener !== 'function') return undefined;
    const sync = () => void this.syncNow();
    const visible = () => {
      if (globalThis.document?.visibilityState !== 'hidden') sync();
    };
    const offline = () => this.#set({ state: 'offline', waiting: this.#status.waiting });
    const handlers: [string, () => void][] = [
      ['focus', sync],
      ['online', sync],
      ['offline', offline],
      ['visibilitychange', visible],
    ];
    for (const [name, handler] of handlers) target.addEventListener(name, handler);
    return () => {
      for (const [name, handler] of handlers) target.removeEventListener?.(name, handler);
    };
  }

  // ------------------------------------------------------------------------------------------------

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #set(status: SyncStatus): void {
    this.#generation += 1;
    this.#status = status;
    for (const listener of [...this.#listeners]) listener(status);
  }

  #origin(): string {
    const origin = this.options.origin ?? globalThis.location?.origin;
    if (origin === undefined) throw new ProtocolError('malformed', 'no origin to make a link with');
    return origin;
  }

  /** Whether `serverUrl` names a server other than the app's own origin: sync then stays off (see above). */
  get #otherServer(): boolean {
    const url = this.options.serverUrl;
    if (url === undefined || url === '') return false;
    const origin = this.options.origin ?? globalThis.location?.origin;
    try {
      return origin === undefined || new URL(url, origin).origin !== origin;
    } catch {
      return true;
    }
  }
}
