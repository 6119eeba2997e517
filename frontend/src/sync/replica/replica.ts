/**
 * One device's replica of one circle: the verified membership log, this device's epoch keys, and
 * the records, which live in the encrypted local store. The TypeScript twin of the reference
 * client's `CircleReplica` (backend/support_circle/client/circle.py).
 *
 * What it guarantees:
 * - Nothing the server sends is used before it is verified: the log from the trusted genesis hash,
 *   never shorter than or different from the head verified before (kept in the vault, so a
 *   reload does not forget it); each key against the log's commitment; each record's signature
 *   and place. A refusal is a `ProtocolError` whose message says what the server did.
 * - In a shared circle, one member's bad data is that member's problem only (PROTOCOL §16): a
 *   record that does not open, verify or fit its kind is set aside (noted, see setAside) and the
 *   pull goes on; an epoch a leaver keyed badly is unreadable for this device, nothing is sealed
 *   under it, and an admin rotates past it. What only the server can do is still refused.
 * - Nothing a person typed is lost: an edit is marked sent (with its sealed envelope) before it is
 *   pushed, so a retry is byte-identical and idempotent; a `stale_base` pulls, and storage merges
 *   the edit onto the newer revision (PROTOCOL §7) before it is sealed anew; a `stale_epoch`
 *   fetches the new key and seals the same words again.
 */

import { acceptChain, ChainError, chainedRevision, checkChain, leftOut, ownEcho } from '../../crypto/chains';
import { newEpochKey, sealKeyEnvelope } from '../../crypto/circleKeys';
import { b64u, ID_BYTES, unb64u, unb64uId } from '../../crypto/encoding';
import { ProtocolError } from '../../crypto/errors';
import { verifyIdentity } from '../../crypto/identity';
import { isObject, type JsonObject } from '../../crypto/json';
import {
  type CircleState,
  devicesOf,
  type Head,
  heldEpochKeys,
  makeAdd,
  makeCompanion,
  makeDepart,
  makeRemove,
  makeRole,
  makeRotate,
  mayAddAt,
  mustRotate,
  personOf,
  type Role,
  recordAuthors,
  verifyLog,
} from '../../crypto/membership';
import { epochEnded } from '../../crypto/placement';
import { randomBytes } from '../../crypto/primitives';
import {
  type Chained,
  type Link,
  type OpenedRevision,
  openRevision,
  parseEnvelope,
  sealRevision,
} from '../../crypto/records';
import type { SignedObject } from '../../crypto/signed';
import {
  CIRCLE_KINDS,
  fromWire,
  hlcAuthor,
  isId,
  isSyncedKind,
  mayWrite,
  PERSONAL_KINDS,
  type SyncedKind,
  toWire,
} from '../../records';
import {
  type DeviceIdentity,
  type Outbox,
  type PendingChange,
  type ReplicaState,
  type StateStore,
  StorageError,
} from '../../storage';
import type { Revision } from '../../storage/transitions';
import type { ChangeIn, ChangeOut, ChangePage, KeysPublic, LogPublic, PushResult } from '../../wire/api';
import { BAD_RESPONSE } from '../errors';
import { ApiError, type Method } from '../transport/api';
import { type HeldChains, known, loadChains, type Noticed, noticed, noticedName, saveChains } from './chain';
import type { Clock } from './clock';
import { type Counters, countersIn } from './counters';

/** What a replica needs of a signed-in connection (a `Connection`). */
export interface Caller {
  call<T>(method: Method, path: string, body?: unknown, query?: Readonly<Record<string, string | number>>): Promise<T>;
}

/** What a replica needs of the unlocked vault (a `Session`). */
export type ReplicaStore = DeviceIdentity & Outbox & ReplicaState;

export interface ReplicaOptions {
  readonly clock: Clock;
  /**
   * A shared circle: its records are stored bound to it and are of the shared kinds; otherwise the
   * person's personal circle, of the personal kinds (PROTOCOL §16).
   */
  readonly shared?: boolean;
  /**
   * The epoch keys of this shared circle that the person's keyring holds (PROTOCOL §16, "A
   * person's circles"), each already checked against `state`: the history from before this device
   * was let in as a companion. Envelope keys win over them.
   */
  readonly keyring?: (state: CircleState) => Promise<ReadonlyMap<number, Uint8Array>>;
  /**
   * Every device the person's own circle ever let in (PROTOCOL §16, "A person's circles"): what one
   * of them wrote here counts as this device's own when the authors table asks who wrote it, so a
   * phone recovered after the one that named the circle was lost still reads the circle's name.
   */
  readonly ownDevices?: () => ReadonlySet<string>;
}

/** How often one push may pull-and-merge or fetch a new key before giving up for this sync. */
export const MAX_REBASES = 5;
const PAGE = 500;
const BATCH = 100;

/**
 * Runs `work`; a protocol refusal comes out with the same code, its detail saying of `what`. The
 * code is what the person is told about (ui/failures.ts); the detail is for a report.
 */
async function refusing<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw new ProtocolError(error.code, `${what} was refused (${error.message})`);
  }
}

/** A change of a shared circle passed over because it did not read (PROTOCOL §16). */
export interface SetAside {
  readonly seq: number;
  /**
   * Whom it is put down to: for an epoch a leaver keyed, the leaver; otherwise the device the server
   * says pushed it (its word: nothing unreadable proves an author); null when the server does not say.
   */
  readonly author: string | null;
  /** The protocol's code, or `unreadable_epoch`. */
  readonly reason: string;
}

/** The vault state holding a circle's set-aside changes, until the person has seen the notice. */
export const setAsideName = (circleId: string): string => `aside:${circleId}`;

/** The set-aside changes of a circle that the person has not dismissed yet. */
export async function setAside(store: Pick<StateStore, 'getState'>, circleId: string): Promise<SetAside[]> {
  const held = await store.getState(setAsideName(circleId));
  return Array.isArray(held) ? (held as SetAside[]) : [];
}

/** One change going out, with its place in this device's chain (null for a v1 revision sent before). */
interface Outgoing {
  readonly change: ChangeIn;
  readonly recordId: string;
  readonly hlc: string;
  readonly link: Link | null;
}

interface StoredHead {
  readonly seq: number;
  readonly hash: string;
}

export class CircleReplica {
  #state: CircleState | undefined;
  /** The log `#state` was verified from, as the server sent it. */
  #log: readonly SignedObject[] = [];
  readonly #keys = new Map<number, Uint8Array>();
  /** Epochs a leaver keyed whose key this device cannot use (§16): their records are set aside. */
  #unreadable: ReadonlySet<number> = new Set();
  /** Each author's chain as this device read it (§7), loaded from the vault on first use. */
  #chains: HeldChains | undefined;

  constructor(
    private readonly api: Caller,
    private readonly store: ReplicaStore,
    readonly circleId: Uint8Array,
    readonly genesisHash: Uint8Array,
    private readonly options: ReplicaOptions,
  ) {}

  /** The circle id as b64u: its name in paths, cursors and events. */
  get id(): string {
    return b64u(this.circleId);
  }

  get #path(): string {
    return `/v1/circles/${this.id}`;
  }

  /** The circle storage binds this replica's records to: its id when shared, none for the personal circle. */
  get #place(): string | undefined {
    return this.options.shared === true ? this.id : undefined;
  }

  get #kinds(): readonly SyncedKind[] {
    return this.options.shared === true ? CIRCLE_KINDS : PERSONAL_KINDS;
  }

  /** The verified membership state, fetching and verifying the log first if this replica has none. */
  async verified(): Promise<CircleState> {
    return this.#state ?? (await this.refresh());
  }

  /**
   * Fetches and verifies the whole membership log from the trusted genesis hash, refusing one
   * shorter than or different from the head this device verified before (`rolled_back`), keeps
   * the new head in the vault, then opens this device's key envelopes against the log.
   */
  async refresh(): Promise<CircleState> {
    const { data } = await this.api.call<LogPublic>('GET', `${this.#path}/log`);
    const known = await this.#knownHead();
    const state = await refusing('The membership log of this circle', () =>
      verifyLog(this.circleId, this.genesisHash, data, known),
    );
    if (known === undefined || state.head.seq > known.seq) {
      await this.store.setState(this.#headName, {
        seq: state.head.seq,
        hash: b64u(state.head.hash),
      } satisfies StoredHead);
    }
    this.#state = state;
    this.#log = data;
    await this.#openKeys(state);
    return state;
  }

  /** The membership log last verified (empty before the first refresh): kept by a device that may one day be unlinked (§17). */
  get log(): readonly SignedObject[] {
    return this.#log;
  }

  /** Pull, then push: what one sync of this circle does. Resolves with the counts. */
  async sync(): Promise<{ pulled: number; pushed: number }> {
    const pulled = await this.pull();
    const pushed = await this.push();
    return { pulled, pushed };
  }

  /**
   * Pushes what waits before pulling (a saved edit leaves at once), after the same check of the
   * server's heads a pull begins with: a rolled-back change log or a new membership head that
   * does not verify stops it first, so nothing is sent to a circle the server has tampered with.
   */
  async sendWaiting(): Promise<number> {
    await this.#checkHeads(await this.store.cursor(this.id));
    return this.push();
  }

  /**
   * Applies every change after the cursor (merging into unsynced local edits, in storage), and
   * moves the cursor after each page. Resolves with how many changes it read.
   *
   * Contract: a change log behind the cursor, a change numbered at or before it, or any record
   * that does not verify rejects with a `ProtocolError` (`rolled_back`, the record's own code)
   * and nothing of it is applied. A verified body of a kind this app does not sync, or not of
   * its kind's shape, is left out (it stays on the server for an app that knows it).
   */
  async pull(): Promise<number> {
    let cursor = await this.store.cursor(this.id);
    let read = 0;
    for (;;) {
      const page = await this.api.call<ChangePage>('GET', `${this.#path}/changes`, undefined, {
        since: cursor,
        limit: PAGE,
      });
      if (page.data.length === 0 && !page.done)
        throw new ApiError(200, BAD_RESPONSE, 'an empty page of changes that says more follow');
      // The counters read with the page (§7, "Pulling"), checked before any of its changes is
      // applied; a server from before they came with the page is asked for them alone.
      const counters = 'circle' in page ? countersIn(page.circle, 'a page of changes') : await this.#askCounters();
      if ((page.data.at(-1)?.seq ?? 0) > counters.change_seq)
        throw new ApiError(200, BAD_RESPONSE, "a page of changes beyond the circle's counters read with it");
      await this.#checkCounters(counters, cursor);
      for (const change of page.data) {
        if (change.seq <= cursor) throw this.#replayed(change.seq, cursor);
        await this.#apply(change);
        cursor = change.seq;
        read += 1;
      }
      // Before the cursor: a crash between the two pulls these changes again, which `known` tells apart.
      if (this.#chains !== undefined) await saveChains(this.store, this.id, this.#chains);
      await this.store.setCursor(this.id, cursor);
      if (page.done) return read;
    }
  }

  /**
   * Sends every pending record this circle takes, oldest first, in batches; settles each in storage
   * as the server accepts it. Resolves with how many changes the server accepted.
   *
   * Contract: an edit is marked sent before it is pushed, and a sent change is resent unchanged
   * (same change id and bytes) until the server accepts or refuses it. `stale_base` pulls (storage
   * merges) and tries again; `stale_epoch` fetches the new key and seals again; after
   * MAX_REBASES of those, or on any other refusal, rejects with the server's `ApiError` and every
   * edit stays in the outbox.
   */
  async push(): Promise<number> {
    let rebases = 0;
    let pushed = 0;
    for (let round = 0; round < 4 * MAX_REBASES; round++) {
      const batch = (await this.store.pending()).filter((p) => this.#takes(p)).slice(0, BATCH);
      if (batch.length === 0) return pushed;
      await this.#rotateIfALeaverKeyed();
      const changes = await this.#seal(batch);
      try {
        const { seqs } = await this.api.call<PushResult>('POST', `${this.#path}/changes`, {
          changes: changes.map((c) => c.change),
        });
        await this.#settle(changes, seqs);
        pushed += seqs.length;
      } catch (error) {
        if (
          !(error instanceof ApiError) ||
          !['stale_base', 'stale_epoch'].includes(error.code) ||
          ++rebases > MAX_REBASES
        )
          throw error;
        await this.#unseal(changes);
        await (error.code === 'stale_base' ? this.pull() : this.refresh());
      }
    }
    return pushed;
  }

  /**
   * Admits the device of a join request by a membership `add` entry, through the server's
   * approval. `identity` must come from a join request verified against the invite's secret (see
   * verifyJoinRequest); it is verified again here.
   */
  approve(
    requestId: string,
    identity: SignedObject,
    role: Role,
    check?: (state: CircleState) => Promise<void>,
  ): Promise<void> {
    return this.#admit(`${this.#path}/requests/${requestId}/approve`, identity, role, check);
  }

  /** Adds a device directly, with no join request: a recovering device (§15) adding itself through the escrowed device's keys. */
  add(identity: SignedObject, role: Role): Promise<void> {
    return this.#admit(`${this.#path}/log`, identity, role);
  }

  /**
   * Signs an `add` entry for `identity` and sends it to `path` with the keys the new device gets:
   * in the personal circle every epoch key this replica holds (the person's own devices read the
   * whole history, also after an unlink started a new epoch); in a shared circle the new member
   * gets the current epoch's key only. Either way the add is version 2 and comes only where the
   * current epoch began (§8, "Rotate before add"): unless nothing was placed under it since, a new
   * epoch first, signed again with the add whenever someone wrote meanwhile, so a new member never
   * reads anything written, or taken back, before it was let in. `check` runs on every log the
   * add is signed on (a request proven by another admin's invite is proven again there).
   */
  async #admit(
    path: string,
    identity: SignedObject,
    role: Role,
    check?: (state: CircleState) => Promise<void>,
  ): Promise<void> {
    const joiner = await verifyIdentity(identity);
    await this.#atHead(async (pulled, at) => {
      let [state, changes] = [pulled, at];
      await check?.(state);
      if (!mayAddAt(state, changes)) {
        await this.rotate();
        [state, changes] = [await this.refresh(), await this.store.cursor(this.id)];
        await check?.(state);
      }
      const entry = makeAdd(this.store.deviceKeys, state, identity, role, changes);
      const held = this.options.shared === true ? [] : [...this.#keys.keys()];
      const epochs = [...new Set([...held, state.epoch])].filter((e) => e <= state.epoch);
      const envelopes = await Promise.all(epochs.map((e) => sealKeyEnvelope(this.circleId, e, joiner, this.#key(e))));
      await this.api.call('POST', path, { entry, key_envelopes: envelopes });
    });
    await this.refresh();
  }

  /** The epoch keys this replica holds, by epoch: what the person's keyring keeps (§16). Copies; read-only. */
  heldKeys(): ReadonlyMap<number, Uint8Array> {
    return new Map([...this.#keys].map(([epoch, key]) => [epoch, key.slice()]));
  }

  /**
   * Lets in another device of this device's own person (one in its personal circle) as its
   * companion, in its own role, with the current epoch's key (§8, "A person's devices"): no rotate
   * first, as the person's keyring holds every older key; a closed or leaver-keyed epoch is
   * rotated first, as nobody may use its key.
   */
  async addCompanion(identity: SignedObject): Promise<void> {
    const joiner = await verifyIdentity(identity);
    await this.#rotateIfALeaverKeyed();
    await this.#atHead(async (state, changes) => {
      const role = state.members.get(this.store.deviceId)?.role ?? 'member';
      const entry = makeCompanion(this.store.deviceKeys, state, identity, role, changes);
      const envelope = await sealKeyEnvelope(this.circleId, state.epoch, joiner, this.#key(state.epoch));
      await this.api.call('POST', `${this.#path}/log`, { entry, key_envelopes: [envelope] });
    });
    await this.refresh();
  }

  /**
   * Removes a member by a signed `remove` entry that starts a new epoch, whose key is sealed only
   * to the members who stay (§8): the removed device keeps what it had, and can open nothing
   * written afterwards. Edits waiting here under the old epoch are sealed again when pushed.
   *
   * Contract: a device that is not a member is a RangeError and nothing is sent; who may remove
   * (an admin) is the log's rule, which the server and every member's verifyLog enforce.
   */
  async remove(deviceId: Uint8Array): Promise<void> {
    if (!(await this.refresh()).members.has(b64u(deviceId)))
      throw new RangeError('that device is not a member of this circle');
    await this.#atHead((state, changes) =>
      this.#newEpoch(state, deviceId, (key) => makeRemove(this.store.deviceKeys, state, deviceId, key, changes)),
    );
    await this.refresh();
  }

  /**
   * Starts a new epoch (§8 `rotate`: an admin's, or any member's while a leaver closed or keyed the
   * current one), its key sealed to every member: what is written from now on is sealed under it.
   */
  async rotate(): Promise<void> {
    await this.#atHead((state, changes) =>
      this.#newEpoch(state, undefined, (key) => makeRotate(this.store.deviceKeys, state, key, changes)),
    );
    await this.refresh();
  }

  /**
   * Makes another member an admin, or a member again, by a signed `role` entry (§8); it hands out
   * no key. Contract: a device that is not a member, or this device itself, is a RangeError and
   * nothing is sent; who may set a role (an admin) is the log's rule, as for `remove`.
   */
  async setRole(deviceId: Uint8Array, role: Role): Promise<void> {
    const target = b64u(deviceId);
    if (target === b64u(this.store.deviceKeys.public.deviceId) || !(await this.refresh()).members.has(target))
      throw new RangeError('only another member of this circle can be given a role');
    await this.#atHead(async (state) => {
      const entry = makeRole(this.store.deviceKeys, state, deviceId, role);
      await this.api.call('POST', `${this.#path}/log`, { entry, key_envelopes: [] });
    });
    await this.refresh();
  }

  /**
   * Leaves the circle by a signed version 2 `leave` entry (§8): it closes the epoch and hands out
   * no key, so the members who stay make the next one and this device opens nothing written after.
   * Contract: the last admin cannot leave (`invalid_operation`, from the server and the log's rule).
   */
  async leave(): Promise<void> {
    await this.#atHead(async (state, changes) => {
      const entry = makeDepart(this.store.deviceKeys, state, changes);
      await this.api.call('POST', `${this.#path}/log`, {
        entry,
        key_envelopes: [],
      });
    });
    this.forget();
  }

  /**
   * Signs and sends a version 2 entry naming the newest change this device pulled (§8); when
   * others wrote meanwhile the server refuses it (`changes_moved`), and it pulls and signs again.
   */
  async #atHead(send: (state: CircleState, changes: number) => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.refresh();
      try {
        return await send(state, await this.store.cursor(this.id));
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'changes_moved' || attempt >= MAX_REBASES) throw error;
        await this.pull();
      }
    }
  }

  /**
   * Nothing is sealed under a key a leaver made or under an epoch a leaver closed (§8): any member
   * starts the next epoch first, whose key the leaver never gets.
   */
  async #rotateIfALeaverKeyed(): Promise<void> {
    if (mustRotate(await this.verified()) && mustRotate(await this.refresh())) await this.rotate();
  }

  /** Sends the entry `make` signs with a fresh epoch key, that key sealed to every member but `leaving`. */
  async #newEpoch(
    state: CircleState,
    leaving: Uint8Array | undefined,
    make: (key: Uint8Array) => Promise<SignedObject>,
  ): Promise<void> {
    const key = newEpochKey();
    try {
      const entry = await make(key);
      // An admin's removal of another person takes every device of it (§8); one of its own person's, that one alone.
      const gone = new Set(leaving === undefined ? [] : removedWith(state, b64u(leaving), this.store.deviceId));
      const staying = [...state.members.entries()].filter(([id]) => !gone.has(id)).map(([, m]) => m);
      const envelopes = await Promise.all(
        staying.map((m) => sealKeyEnvelope(this.circleId, state.epoch + 1, m.identity, key)),
      );
      await this.api.call('POST', `${this.#path}/log`, {
        entry,
        key_envelopes: envelopes,
      });
    } finally {
      key.fill(0);
    }
  }

  /** Zeroes and forgets every epoch key this replica holds (on lock); a later use fetches them again. */
  forget(): void {
    for (const key of this.#keys.values()) key.fill(0);
    this.#keys.clear();
    this.#state = undefined;
  }

  // ----------------------------------------------------------------------------------------------

  get #headName(): string {
    return `head:${this.id}`;
  }

  async #knownHead(): Promise<Head | undefined> {
    const stored = await this.store.getState(this.#headName);
    if (!isObject(stored)) return undefined;
    const { seq, hash } = stored as unknown as StoredHead;
    return { seq, hash: unb64u(hash, 32) };
  }

  async #openKeys(state: CircleState): Promise<void> {
    const { data } = await this.api.call<KeysPublic>('GET', `${this.#path}/keys`);
    const device = this.store.deviceKeys;
    const held = await refusing('A key of this circle', () =>
      heldEpochKeys(data, state, device.public.deviceId, device.kemPrivate, this.options.shared === true),
    );
    for (const [epoch, key] of held.keys) this.#keys.set(epoch, key);
    const person = this.options.keyring === undefined ? new Map() : await this.options.keyring(state);
    for (const [epoch, key] of person) if (!this.#keys.has(epoch)) this.#keys.set(epoch, key);
    this.#unreadable = new Set([...held.unreadable].filter((e) => !this.#keys.has(e)));
  }

  #key(epoch: number): Uint8Array {
    const key = this.#keys.get(epoch);
    if (key === undefined)
      throw new ProtocolError(
        'unknown_epoch',
        `the server has not given this device the key of epoch ${epoch}, although the signed log says it is a member`,
      );
    return key;
  }

  /** Asks for the circle's counters, then checks them as `#checkCounters` does. */
  async #checkHeads(cursor: number): Promise<void> {
    await this.#checkCounters(await this.#askCounters(), cursor);
  }

  async #askCounters(): Promise<Counters> {
    return countersIn(await this.api.call<unknown>('GET', this.#path), "the circle's answer");
  }

  /** Compares the server's counters with this replica: a change log behind the cursor is a roll-back; a new membership head is verified now. */
  async #checkCounters(counters: Counters, cursor: number): Promise<void> {
    const state = await this.verified();
    if (counters.change_seq < cursor) {
      throw new ProtocolError(
        'rolled_back',
        `The change log of this circle was refused: the server says it ends at change ${counters.change_seq}, but this device has already pulled change ${cursor}: the server rolled the circle back`,
      );
    }
    if (counters.log_seq !== state.head.seq || counters.head_hash !== b64u(state.head.hash)) await this.refresh();
  }

  #replayed(seq: number, cursor: number): ProtocolError {
    return new ProtocolError(
      'rolled_back',
      `Change ${seq} was refused: this device already has change ${cursor}: the server replayed or renumbered its change log`,
    );
  }

  /**
   * Verifies one pulled change and hands it to storage, unless PROTOCOL §16 leaves it out: a
   * record id held in another circle or as another kind, a kind this circle does not keep, or a
   * revision by someone who may not write that kind. In a shared circle, one that does not read
   * is set aside instead (see setAside); in the personal circle it is refused.
   */
  async #apply({ seq, envelope, pushed_by }: ChangeOut): Promise<void> {
    const what = `Change ${seq} of this circle`;
    if (!isObject(envelope) || envelope['circle_id'] !== this.id)
      throw new ProtocolError('context_mismatch', `${what} was refused: its envelope names another circle`);
    const form = await refusing(what, async () => parseEnvelope(envelope)).catch((error: unknown) => {
      if (this.options.shared !== true || !(error instanceof ProtocolError)) throw error;
      return error;
    });
    if (form instanceof ProtocolError) return this.#setAside(seq, envelope['record_id'], pushed_by ?? null, form.code);
    const { epoch } = form.ref;
    if (!this.#keys.has(epoch) && !this.#unreadable.has(epoch)) await this.refresh();
    const state = await this.verified();
    if (this.#before(state, epoch)) {
      leftOut((await this.#held()).state);
      return this.#leaveOut(envelope['record_id'], seq);
    }
    if (this.#unreadable.has(epoch))
      return this.#setAside(seq, envelope['record_id'], state.leftBy.get(epoch) ?? null, 'unreadable_epoch');
    // §7: placed by the server after the entry that ended its epoch; set aside in every circle.
    if (epochEnded(state, epoch, seq))
      return this.#setAside(seq, envelope['record_id'], pushed_by ?? null, 'epoch_ended');
    const opened = await this.#open(what, envelope, state).catch((error: unknown) => {
      if (this.options.shared !== true || !(error instanceof ProtocolError) || error.code === 'unknown_epoch')
        throw error;
      return error;
    });
    if (opened instanceof ProtocolError)
      return this.#setAside(seq, envelope['record_id'], pushed_by ?? null, opened.code);
    // §7: a clock more than a day ahead would win every merge; set aside in every circle, never
    // observed, and before its author's chain is read (a set-aside revision is left out of it).
    if (this.options.clock.isAhead(String(opened.payload['hlc'])))
      return this.#setAside(seq, envelope['record_id'], String(opened.payload['author']), 'clock_ahead');
    if (!(await this.#readChain(what, seq, opened)))
      return this.store.passOver(String(opened.payload['record_id']), seq);
    const payload = opened.payload;
    const [recordId, changeId, hlc, author] = [
      payload['record_id'],
      payload['change_id'],
      payload['hlc'],
      payload['author'],
    ] as [string, string, string, string];
    const place = await this.store.placeOf(recordId);
    if (place !== null && place.circle !== this.#place) return;
    const base = place?.base ?? null;
    if (payload['v'] === 1 && this.#olderThanHeld(what, seq, base, hlc)) return this.store.passOver(recordId, seq);
    const document =
      payload['deleted'] === true
        ? place === null
          ? undefined
          : { kind: place.kind as SyncedKind, body: null }
        : fromWire(payload['body']);
    if (document === undefined && this.#misshapen(payload['body']))
      return this.#setAside(seq, recordId, author, 'malformed');
    const me = this.store.deviceId;
    const own = this.options.ownDevices?.() ?? new Set<string>();
    const isAdmin = (id: string) =>
      state.members.get(own.has(id) ? me : id)?.role === 'admin' || state.members.get(id)?.role === 'admin';
    const applies =
      document !== undefined &&
      this.#kinds.includes(document.kind) &&
      (place === null || place.kind === document.kind) &&
      mayWrite(document.kind, {
        recordId,
        author,
        circleId: this.id,
        isAdmin,
        baseAuthor: base === null ? null : hlcAuthor(base.hlc),
      });
    if (!applies) return this.store.passOver(recordId, seq);
    // Only a revision taken moves this device's clock: a left-out one must not drag it.
    this.options.clock.observe(hlc);
    await this.store.applyRemote(
      document.kind,
      recordId,
      { seq, hlc, changeId, body: document.body, epoch },
      this.#place,
    );
  }

  /** The verified revision of a record envelope; a refusal says what the server must have done. */
  #open(what: string, envelope: unknown, state: CircleState): Promise<OpenedRevision> {
    return refusing(what, () => openRevision(envelope, this.#keys, recordAuthors(state)));
  }

  async #held(): Promise<HeldChains> {
    this.#chains ??= await loadChains(this.store, this.id, await this.store.cursor(this.id));
    return this.#chains;
  }

  /**
   * Runs §7's chain checks on a verified revision; false when it is not to be applied. The
   * personal circle refuses every break. A shared circle notes it for the person and goes on
   * (§16), as a member can break its own chain too; it never applies an older revision again.
   */
  async #readChain(what: string, seq: number, opened: OpenedRevision): Promise<boolean> {
    const revision = chainedRevision(opened);
    if (revision === null) return true;
    const held = await this.#held();
    if (known(held, revision.author, seq)) return true;
    const echo = ownEcho(held.state, revision, this.store.deviceId);
    try {
      if (echo) await this.#ownRevision(seq, opened.payload);
      else checkChain(held.state, revision);
    } catch (error) {
      if (!(error instanceof ChainError)) throw error;
      if (this.options.shared !== true) throw new ProtocolError(error.code, `${what} was refused (${error.message})`);
      const note: Noticed = { seq, member: error.member, reason: error.code };
      await this.store.setState(noticedName(this.id), [...(await noticed(this.store, this.id)), note]);
      if (error.code === 'rolled_back') return false;
    }
    if (!echo) {
      acceptChain(held.state, revision);
      held.seqs.set(revision.author, seq);
    }
    return true;
  }

  /** This device's own revision coming back: at or before the revision it holds of the record, else a replay. */
  async #ownRevision(seq: number, payload: JsonObject): Promise<void> {
    const base = (await this.store.placeOf(String(payload['record_id'])))?.base ?? null;
    if (base !== null && (seq <= base.seq || base.hlc === payload['hlc'])) return;
    throw new ChainError('rolled_back', this.store.deviceId, 'its own revision served again as new');
  }

  /** A body of a kind this shared circle keeps, yet not of that kind's form: a member's app broke it (§16). */
  #misshapen(body: unknown): boolean {
    return this.options.shared === true && isObject(body) && this.#kinds.includes(body['kind'] as SyncedKind);
  }

  /**
   * Passes over a change a member broke (§16): its seq moves the cursor as any change does, its
   * record's base moves when this device holds it here (as #leaveOut), and it is noted for the
   * person under whom it is put down to, until they dismiss the notice.
   */
  async #setAside(seq: number, recordId: unknown, author: string | null, reason: string): Promise<void> {
    leftOut((await this.#held()).state);
    await this.#leaveOut(recordId, seq);
    const noted = await setAside(this.store, this.id);
    await this.store.setState(setAsideName(this.id), [...noted, { seq, author, reason } satisfies SetAside]);
  }

  /**
   * Whether a record is sealed under an earlier epoch during which this device was never a member
   * of a shared circle: written before it joined, it was never meant for it (a new member gets the
   * current key only), so it is left out. A later epoch than the log's, or one this device was in
   * without a key, is still `unknown_epoch`: the server does not hide records that way.
   */
  #before(state: CircleState, epoch: number): boolean {
    if (this.options.shared !== true || this.#keys.has(epoch) || epoch > state.epoch) return false;
    return state.epochMembers.get(epoch)?.has(this.store.deviceId) !== true;
  }

  /** A change left out unread still moves its record's base, when this device holds the record (see passOver). */
  async #leaveOut(recordId: unknown, seq: number): Promise<void> {
    if (typeof recordId !== 'string' || !isId(recordId)) return;
    const place = await this.store.placeOf(recordId);
    if (place !== null && place.circle === this.#place) await this.store.passOver(recordId, seq);
  }

  /**
   * A revision newer in the change log than the one this device holds must be newer by its clock
   * too. In the personal circle only the person's own devices write, so an older one is the server
   * serving an old revision again to roll the record back (`rolled_back`). In a shared circle a
   * member's app sets its own clock, so an older one is left out instead (true): it rolls nothing
   * back, and no member can stop the circle syncing for the others.
   */
  #olderThanHeld(what: string, seq: number, base: Revision | null, hlc: string): boolean {
    if (base === null || seq <= base.seq || hlc > base.hlc) return false;
    if (this.options.shared === true) return true;
    throw new ProtocolError(
      'rolled_back',
      `${what} was refused: it is an older revision of a record (written at ${hlc}) than the one this device has (written at ${base.hlc}): the server replayed an old revision`,
    );
  }

  #takes(change: PendingChange): boolean {
    return isSyncedKind(change.kind) && this.#kinds.includes(change.kind) && change.circle === this.#place;
  }

  /**
   * The changes to push for `batch`, in this device's chain order (§7, "Writing"): what was sent
   * before and got no answer, unchanged (it may be stored), then the current words of the others,
   * sealed now as the next revisions of the chain.
   */
  async #seal(batch: readonly PendingChange[]): Promise<Outgoing[]> {
    const state = await this.verified();
    const held = await this.#held();
    const kept: Outgoing[] = [];
    const fresh: PendingChange[] = [];
    for (const pending of batch) {
      const resent = this.#resend(pending, state.epoch);
      if (resent === null) fresh.push(pending);
      else kept.push(resent);
    }
    kept.sort((a, b) => (a.link?.n ?? -1) - (b.link?.n ?? -1));
    const me = this.store.deviceId;
    let tail = kept.at(-1)?.link ?? held.state.heads.get(me) ?? null;
    const seen = new Map([...held.state.heads].filter(([device]) => device !== me));
    const out = kept;
    for (const pending of fresh) {
      const sealed = await this.#sealNew(pending, state.epoch, { prev: tail, seen });
      out.push(sealed);
      tail = sealed.link;
    }
    return out;
  }

  /** What was sent for `pending` before, to send again unchanged, or null when it must be sealed now. */
  #resend(pending: PendingChange, epoch: number): Outgoing | null {
    const sent = pending.sent;
    const envelope = sent?.envelope;
    if (sent == null || !isObject(envelope) || envelope['circle_id'] !== this.id || envelope['epoch'] !== epoch)
      return null;
    const change = {
      change_id: sent.changeId,
      base_seq: pending.base?.seq ?? null,
      envelope: envelope as unknown as ChangeIn['envelope'],
    };
    const link = sent.link === undefined ? null : { n: sent.link.n, hash: unb64u(sent.link.hash, 32) };
    return { change, recordId: pending.recordId, hlc: sent.hlc, link };
  }

  async #sealNew(pending: PendingChange, epoch: number, chained: Chained): Promise<Outgoing & { link: Link }> {
    const changeId = randomBytes(ID_BYTES);
    // A new revision sorts after the one it builds on, whatever this device's wall clock says.
    if (pending.base !== null) this.options.clock.observe(pending.base.hlc);
    const hlc = this.options.clock.tick();
    const kind = pending.kind;
    if (!isSyncedKind(kind)) throw new RangeError(`records of kind ${kind} stay on this device`);
    const body = pending.body === null ? null : toWire(kind, pending.body);
    const ref = { circleId: this.circleId, recordId: unb64uId(pending.recordId), epoch };
    const sealed = await sealRevision(this.store.deviceKeys, ref, this.#key(epoch), { changeId, hlc, body, chained });
    const link = sealed.link as Link;
    await this.store.markSent(pending.recordId, {
      changeId: b64u(changeId),
      hlc,
      body: pending.body,
      envelope: sealed.envelope,
      link: { n: link.n, hash: b64u(link.hash) },
    });
    const change = { change_id: b64u(changeId), base_seq: pending.base?.seq ?? null, envelope: sealed.envelope };
    return { change, recordId: pending.recordId, hlc, link };
  }

  /** A refused push stored nothing: its changes are sealed again from the chain's head, after the pull that may move it. */
  async #unseal(changes: readonly Outgoing[]): Promise<void> {
    const sentFor = new Set(changes.map((c) => c.recordId));
    for (const { recordId, sent } of await this.store.pending()) {
      if (sent == null || !sentFor.has(recordId)) continue;
      await this.store.markSent(recordId, { changeId: sent.changeId, hlc: sent.hlc, body: sent.body });
    }
  }

  async #settle(changes: readonly Outgoing[], seqs: readonly number[]): Promise<void> {
    if (seqs.length !== changes.length)
      throw new ApiError(200, BAD_RESPONSE, 'a different number of changes accepted than sent');
    const held = await this.#held();
    const me = this.store.deviceId;
    for (const [i, { recordId, hlc, link }] of changes.entries()) {
      const seq = seqs[i] as number;
      const head = held.state.heads.get(me);
      if (link !== null && (head === undefined || link.n > head.n)) {
        held.state.heads.set(me, link);
        held.seqs.set(me, seq);
      }
      try {
        await this.store.settle(recordId, seq, hlc);
      } catch (error) {
        // Settled already by a pull that brought this change back: nothing left to do.
        if (!(error instanceof StorageError && error.code === 'not_pending')) throw error;
      }
    }
    await saveChains(this.store, this.id, held);
  }
}

/** The devices a `remove` of `target` signed by `signer` takes (§8, "A person's devices"). */
function removedWith(state: CircleState, target: string, signer: string): string[] {
  const person = personOf(state, target);
  return person === personOf(state, signer) ? [target] : devicesOf(state, person);
}
