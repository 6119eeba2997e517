/**
 * The shared circles this device syncs, beside the personal one: starting one, syncing each,
 * the people in each, and what happens when the server says this device is no longer a member.
 *
 * One circle's trouble never stops the others: each is synced in turn whatever happened to the one
 * before, and the first failure is the sync's outcome, so the person sees it in the status line.
 * A circle whose log or records do not verify also keeps its warning, shown with the circle, until
 * a sync of it succeeds.
 */
import { b64u, unb64uId } from '../../crypto/encoding';
import { type ErrorCode, ProtocolError } from '../../crypto/errors';
import { jsonEqual } from '../../crypto/json';
import { type CircleState, devicesOf, personOf, type Role } from '../../crypto/membership';
import { safetyNumber } from '../../crypto/safety';
import { decodeSigned, type SignedObject } from '../../crypto/signed';
import { type CirclePurpose, memberNames } from '../../records';
import type { Records } from '../../storage';
import { SyncError } from '../errors';
import { noticed } from '../replica/chain';
import type { Clock } from '../replica/clock';
import { type Caller, type CircleReplica, type ReplicaStore, type SetAside, setAside } from '../replica/replica';
import { ApiError } from '../transport/api';
import { forgetLink, keepKeyring, keyringKeys } from './keyring';
import {
  type CircleStanding,
  ensureMade,
  keepCircle,
  type StoredCircle,
  setStanding,
  sharedReplica,
  startCircle,
  storedCircles,
} from './list';
import { setMyName } from './myName';
import { resealOwn } from './reseal';
import { reconcileShares } from './shares';

/** What sync needs of the vault for shared circles. */
export type SharedStore = ReplicaStore & Records;

export interface CircleMember {
  readonly deviceId: string;
  /** The name the member chose (their `member` record), or empty until it arrives. */
  readonly name: string;
  readonly role: Role;
  readonly facilitator: boolean;
  /** Asked by an admin to look after everyone's well-being here. */
  readonly wellbeing: boolean;
  readonly you: boolean;
  /** The number this device and the member's compare (PROTOCOL §10). */
  readonly safetyNumber: string;
}

export interface CircleSummary {
  readonly id: string;
  /** From the circle's `circle` record; empty until it arrives. */
  readonly name: string;
  readonly purpose: CirclePurpose;
  readonly standing: CircleStanding;
  /** Whether this device is an admin: it invites, approves, shares and removes. */
  readonly admin: boolean;
  /** As the log said at the last sync that verified it. */
  readonly members: readonly CircleMember[];
  /** Every name a member (past or present) gave themselves here, by device id: who wrote a note. */
  readonly names: Readonly<Record<string, string>>;
  /** What went wrong at the last sync, when the server sent something that did not verify: the protocol's code. */
  readonly problem?: ErrorCode;
  /**
   * Whose data in this circle could not be read and was set aside (PROTOCOL §16), each member once,
   * as the name they chose (empty when unknown), until the person dismisses the notice.
   */
  readonly unreadable: readonly string[];
  /**
   * Whose words the server placed after they were removed or left (PROTOCOL §7 `epoch_ended`): set
   * aside, named apart, as only a server that let a former member in can cause it.
   */
  readonly placedLate: readonly string[];
  /** Whose revisions were dated more than a day ahead (PROTOCOL §7 `clock_ahead`): set aside. */
  readonly clockAhead: readonly string[];
  /**
   * Whose words the server may not have passed on, or passed on an older version of again (§7,
   * "Author chains"; §16), each member once, as the name they chose (empty when unknown), until
   * the person dismisses the notice.
   */
  readonly withheld: readonly string[];
}

/** Set-aside reasons the circle names in their own words, not as data that could not be read. */
const NAMED_APART: readonly string[] = ['epoch_ended', 'clock_ahead'];

export interface NewCircle {
  readonly name: string;
  readonly purpose: CirclePurpose;
  /** How the person shows to the circle's members. */
  readonly myName: string;
}

const snapshotName = (id: string): string => `members:${id}`;

/**
 * The person's own circle as a shared circle's sync reads it (PROTOCOL §16, "A person's circles"):
 * its id (the keyring's salt) and its verified members, each with the signed identity a
 * `companion` entry carries. Absent on a device that has no personal circle (an ally who only
 * joins circles): its circles then stay on it alone.
 */
export interface PersonalView {
  readonly replica: CircleReplica;
}

/**
 * Whether `me` is of the circle's only admin person: leaving takes the person's devices out (see
 * leave), and the log lets the last admin go only after naming another (§8).
 */
export function onlyAdmin(state: CircleState, me: string): boolean {
  const admins = [...state.members.entries()].filter(([, m]) => m.role === 'admin').map(([id]) => id);
  return admins.includes(me) && admins.every((id) => personOf(state, id) === personOf(state, me));
}

export class SharedCircles {
  readonly #replicas = new Map<string, CircleReplica>();
  readonly #problems = new Map<string, ErrorCode>();
  /** Every device the person's own circle ever let in, as last verified: whose writes are the person's own. */
  #own: ReadonlySet<string> = new Set();
  /** The person's own circle's id, once a sync has read it: the keyring's records are named from it. */
  #personalId: string | undefined;
  /** The personal log's signed identities, by the log's length: decoded again only when it grew. */
  #identities: { readonly length: number; readonly byDevice: Map<string, SignedObject> } | undefined;

  constructor(
    private readonly store: SharedStore,
    private readonly clock: Clock,
  ) {}

  /** Plans a new circle with this device as admin, and writes its name and the person's own in it; the next sync makes it at the server. */
  async start(circle: NewCircle): Promise<string> {
    const stored = await startCircle(this.store);
    await this.store.put(
      'circle',
      stored.circleId,
      { name: circle.name, purpose: circle.purpose, facilitators: [] },
      stored.circleId,
    );
    await setMyName(this.store, stored.circleId, circle.myName);
    return stored.circleId;
  }

  /** Names a member a facilitator of the circle, or not, in the circle's own record (which only an admin's revision changes). */
  setFacilitator(circleId: string, deviceId: string, facilitator: boolean): Promise<void> {
    return this.#name(circleId, 'facilitators', deviceId, facilitator);
  }

  /** Asks a member to look after everyone's well-being in the circle, or not; in the circle's own record, like a facilitator. */
  setWellbeing(circleId: string, deviceId: string, wellbeing: boolean): Promise<void> {
    return this.#name(circleId, 'wellbeing', deviceId, wellbeing);
  }

  /** Adds a member to, or takes them off, one of the circle record's lists of members. */
  async #name(circleId: string, list: 'facilitators' | 'wellbeing', deviceId: string, on: boolean): Promise<void> {
    const info = (await this.store.get('circle', circleId))?.body;
    if (info === undefined) throw new RangeError('this circle has no name yet: sync first');
    const others = (info[list] ?? []).filter((id) => id !== deviceId);
    await this.store.put('circle', circleId, { ...info, [list]: on ? [...others, deviceId] : others }, circleId);
  }

  /**
   * Syncs every circle this device is a member of; see the module's comment for what a failure does.
   * With the person's own circle, each circle also reaches every device of the person and goes into
   * their keyring (PROTOCOL §16, "A person's circles").
   */
  async syncAll(api: Caller, personal?: PersonalView): Promise<void> {
    if (personal !== undefined) {
      this.#own = new Set((await personal.replica.verified()).identities.keys());
      this.#personalId = personal.replica.id;
    }
    let first: unknown;
    for (const stored of await storedCircles(this.store)) {
      if (stored.standing !== 'member') continue;
      try {
        await this.#syncOne(api, stored, personal);
        this.#problems.delete(stored.circleId);
      } catch (error) {
        if (await this.#noLongerMember(stored, error)) continue;
        if (error instanceof ProtocolError) this.#problems.set(stored.circleId, error.code);
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Every circle this vault knows, with its people as last verified. Reads only this device. */
  async summaries(): Promise<CircleSummary[]> {
    // A circle from the keyring shows once this device is let in and has synced it.
    const circles = (await storedCircles(this.store)).filter((c) => c.awaiting !== true);
    return Promise.all(circles.map((c) => this.#summary(c)));
  }

  /** The verified replica of a circle this device is a member of (a RangeError for any other). */
  async replica(api: Caller, circleId: string): Promise<CircleReplica> {
    const stored = (await storedCircles(this.store)).find((c) => c.circleId === circleId && c.standing === 'member');
    if (stored === undefined) throw new RangeError('this device is not a member of that circle');
    return this.#replica(api, await ensureMade(api, this.store, stored));
  }

  /** Removes a member: a new epoch whose key only the others get. */
  async removeMember(api: Caller, circleId: string, deviceId: string): Promise<void> {
    const replica = await this.replica(api, circleId);
    await replica.remove(unb64uId(deviceId));
    await this.#snapshot(circleId, await replica.verified());
  }

  /** Makes another member an admin, or a member again (§8 `role`). */
  async setRole(api: Caller, circleId: string, deviceId: string, role: Role): Promise<void> {
    const replica = await this.replica(api, circleId);
    await replica.setRole(unb64uId(deviceId), role);
    await this.#snapshot(circleId, await replica.verified());
  }

  /**
   * Leaves a circle, first sending what waits for it; this device keeps what it has, and syncs the
   * circle no more. Contract: the only admin is refused (SyncError `last_admin`) before anything is
   * sent, as the log would refuse its leave: it names another admin first.
   */
  async leave(api: Caller, circleId: string): Promise<void> {
    const replica = await this.replica(api, circleId);
    if (onlyAdmin(await replica.refresh(), this.#me)) throw new SyncError('last_admin');
    // What waits is sent if it can be; nothing the server sends may stop a person leaving.
    await replica.push().catch(() => undefined);
    // The person leaves, not this device alone: its other devices here go first (each a new epoch),
    // or one of them would let this one in again as its companion (PROTOCOL §16, "A person's circles").
    const state = await replica.refresh();
    for (const id of devicesOf(state, personOf(state, this.#me)))
      if (id !== this.#me) await replica.remove(unb64uId(id));
    await forgetLink(this.store, this.#personalId, circleId);
    await replica.leave();
    this.#drop(circleId);
    await setStanding(this.store, circleId, 'left');
  }

  /** Forgets every key held (on lock). */
  forget(): void {
    for (const replica of this.#replicas.values()) replica.forget();
    this.#replicas.clear();
  }

  // ----------------------------------------------------------------------------------------------

  get #me(): string {
    return this.store.deviceId;
  }

  #replica(api: Caller, stored: StoredCircle): CircleReplica {
    let replica = this.#replicas.get(stored.circleId);
    if (replica === undefined) {
      replica = sharedReplica(api, this.store, stored, this.clock, {
        keyring: (state) => keyringKeys(this.store, state),
        ownDevices: () => this.#own,
      });
      this.#replicas.set(stored.circleId, replica);
    }
    return replica;
  }

  #drop(circleId: string): void {
    this.#replicas.get(circleId)?.forget();
    this.#replicas.delete(circleId);
  }

  async #syncOne(api: Caller, stored: StoredCircle, personal: PersonalView | undefined): Promise<void> {
    const replica = this.#replica(api, await ensureMade(api, this.store, stored));
    // #everyDevice verifies the log first, and again after each entry it adds.
    const state = personal === undefined ? await replica.refresh() : await this.#everyDevice(replica, personal);
    const admin = state.members.get(this.#me)?.role === 'admin';
    // The key of an epoch a leave began is the leaver's making: an admin starts a new one before writing (§16).
    if (admin && state.leftBy.has(state.epoch)) await replica.rotate();
    // Any member shares their own answers (§16): a survivor may be a member of a facilitator's circle.
    await reconcileShares(this.store, [stored.circleId]);
    await replica.sync();
    const now = await replica.verified();
    if (await resealOwn(this.store, stored.circleId, now, this.#me, this.#own)) await replica.push();
    await this.#snapshot(stored.circleId, now);
    if (personal !== undefined) await keepKeyring(this.store, personal.replica.id, stored, replica.heldKeys());
    if (stored.awaiting === true)
      await keepCircle(this.store, { circleId: stored.circleId, genesisHash: stored.genesisHash, standing: 'member' });
  }

  /**
   * The person's devices in this circle are the members of their personal circle (PROTOCOL §16):
   * a device of this person here that the personal circle no longer has (unlinked, or lost and
   * replaced by a recovery) is removed, a new epoch; a device the personal circle has and this
   * circle lacks is let in as this device's companion. The personal circle is verified again
   * before anyone is removed, so a device linked a moment ago is not taken for an unlinked one.
   */
  async #everyDevice(replica: CircleReplica, personal: PersonalView): Promise<CircleState> {
    const here = await replica.refresh();
    const mine = personOf(here, this.#me);
    const stale = (own: CircleState) => devicesOf(here, mine).filter((id) => id !== this.#me && !own.members.has(id));
    if (stale(await personal.replica.verified()).length > 0) {
      for (const id of stale(await personal.replica.refresh())) await replica.remove(unb64uId(id));
    }
    const own = await personal.replica.verified();
    const identities = this.#signedIdentities(personal.replica.log);
    for (const id of own.members.keys()) {
      const identity = identities.get(id);
      if (identity !== undefined && !(await replica.verified()).members.has(id)) await replica.addCompanion(identity);
    }
    return replica.verified();
  }

  #signedIdentities(log: readonly SignedObject[]): Map<string, SignedObject> {
    // Every shared circle's sync asks; the personal log only grows, and rarely.
    if (this.#identities?.length !== log.length)
      this.#identities = { length: log.length, byDevice: signedIdentities(log) };
    return this.#identities.byDevice;
  }

  /** The server answers 404 for a circle this device is not a member of: removed, or its leave arrived. */
  async #noLongerMember(stored: StoredCircle, error: unknown): Promise<boolean> {
    if (!(error instanceof ApiError && error.status === 404) || stored.planned !== undefined) return false;
    // Not let in yet by the person's other device: waiting, not removed.
    if (stored.awaiting === true) return true;
    this.#drop(stored.circleId);
    this.#problems.delete(stored.circleId);
    await setStanding(this.store, stored.circleId, 'removed');
    return true;
  }

  /** Keeps who is in the circle, as verified, so the circle's page shows its people offline too. */
  async #snapshot(circleId: string, state: CircleState): Promise<void> {
    const mine = this.store.deviceKeys.public;
    const members = await Promise.all(
      [...state.members.entries()].map(async ([deviceId, m]) => ({
        deviceId,
        role: m.role,
        safetyNumber: deviceId === this.#me ? '' : await safetyNumber(mine, m.identity),
        ...(personOf(state, deviceId) === deviceId ? {} : { person: personOf(state, deviceId) }),
      })),
    );
    // Written only when it changed: every sync verifies it, few change who is in the circle.
    if (!jsonEqual(await this.store.getState(snapshotName(circleId)), members))
      await this.store.setState(snapshotName(circleId), members);
  }

  async #summary(stored: StoredCircle): Promise<CircleSummary> {
    const id = stored.circleId;
    const [record, profiles, snapshot, aside, breaks] = await Promise.all([
      this.store.get('circle', id),
      this.store.list('member', id),
      this.store.getState(snapshotName(id)),
      setAside(this.store, id),
      noticed(this.store, id),
    ]);
    const info = record?.body;
    const names = memberNames(profiles, this.#me);
    const whose = (set: readonly SetAside[]) => [
      ...new Set(set.map((a) => (a.author === null ? '' : (names.get(a.author) ?? '')))),
    ];
    const verified = Array.isArray(snapshot) ? onePerPerson(snapshot as SnapshotMember[], this.#me, names) : [];
    // A circle started here and not yet made at the server: only this device, as its admin.
    const members =
      verified.length === 0 && stored.planned !== undefined
        ? [{ deviceId: this.#me, role: 'admin' as const, safetyNumber: '', name: names.get(this.#me) ?? '' }]
        : verified;
    const facilitators = new Set(info?.facilitators ?? []);
    const wellbeing = new Set(info?.wellbeing ?? []);
    const problem = this.#problems.get(id);
    return {
      id,
      name: info?.name ?? '',
      purpose: info?.purpose ?? 'other',
      standing: stored.standing,
      admin: members.some((m) => m.deviceId === this.#me && m.role === 'admin'),
      members: members.map((m) => ({
        ...m,
        facilitator: facilitators.has(m.deviceId),
        wellbeing: wellbeing.has(m.deviceId),
        you: m.deviceId === this.#me,
      })),
      names: Object.fromEntries(names),
      ...(problem === undefined ? {} : { problem }),
      unreadable: whose(aside.filter((a) => !NAMED_APART.includes(a.reason))),
      placedLate: whose(aside.filter((a) => a.reason === 'epoch_ended')),
      clockAhead: whose(aside.filter((a) => a.reason === 'clock_ahead')),
      withheld: [...new Set(breaks.map((b) => names.get(b.member) ?? ''))],
    };
  }
}

/** The signed identity of each device a log let in (its newest entry's), by b64u device id. */
function signedIdentities(log: readonly SignedObject[]): Map<string, SignedObject> {
  const found = new Map<string, SignedObject>();
  for (const entry of log) {
    const member = (JSON.parse(new TextDecoder().decode(decodeSigned(entry).payload)) as { member?: unknown }).member;
    if (typeof member !== 'object' || member === null) continue;
    const identity = (member as { identity: SignedObject }).identity;
    found.set(b64u(decodeSigned(identity).signer), identity);
  }
  return found;
}

interface SnapshotMember {
  readonly deviceId: string;
  readonly role: Role;
  readonly safetyNumber: string;
  /** The device that began this member's person, when a companion entry let it in (§8). */
  readonly person?: string;
}

/**
 * One entry per person (PROTOCOL §8, "A person's devices"): a person's devices, and the recovery
 * identity that keeps their plan, show as the one person they are. The entry is this device when
 * it is one of them, else a device with a name, else the first; it carries the first name any of
 * them gave.
 */
function onePerPerson(members: readonly SnapshotMember[], me: string, names: ReadonlyMap<string, string>) {
  const people = new Map<string, SnapshotMember[]>();
  for (const m of members) people.set(m.person ?? m.deviceId, [...(people.get(m.person ?? m.deviceId) ?? []), m]);
  return [...people.values()].map((devices) => {
    const named = devices.find((d) => (names.get(d.deviceId) ?? '') !== '');
    const shown = devices.find((d) => d.deviceId === me) ?? named ?? devices[0]!;
    const name = named === undefined ? '' : (names.get(named.deviceId) ?? '');
    return { deviceId: shown.deviceId, role: shown.role, safetyNumber: shown.safetyNumber, name };
  });
}
