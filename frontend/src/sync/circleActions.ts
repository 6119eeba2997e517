/** What the person does with shared circles through the engine: run them, invite, join, share. */

import type { Role } from '../crypto/membership';
import {
  answerJoin,
  type CircleInvite,
  dismissJoin,
  inviteToCircle,
  type JoinAsk,
  joinAsks,
  type MyJoin,
  myJoins,
  type OpenInvite,
  openInvites,
  requestCircleJoin,
  withdrawInvite,
} from './circles/invites';
import { setStanding } from './circles/list';
import type { CircleSummary, NewCircle } from './circles/shared';
import { share, sharedWith, unshare } from './circles/shares';
import { type EngineCore, inCircle, thenSync, withApi } from './core';
import { noticedName } from './replica/chain';
import { secretOf } from './replica/inviting';
import { setAsideName } from './replica/replica';

/** The shared circles this device is in, and what their members may change about them. */
export interface Circles {
  /** The shared circles this vault knows, with their people as last verified; reads this device only. */
  list(): Promise<CircleSummary[]>;
  /** Starts a circle with this device as its admin; resolves with its id. The server has it after the next sync. */
  start(circle: NewCircle): Promise<string>;
  /** Leaves a circle, sending first what is waiting for it: this device keeps what it has and gets nothing new. */
  leave(circleId: string): Promise<void>;
  /** Asks the server again about a circle this device was told it is no longer in (a server restored from an old backup, say). */
  checkAgain(circleId: string): Promise<void>;
  /** Hides the notice of a circle's unreadable data (CircleSummary.unreadable) once the person has seen it. */
  dismissUnreadable(circleId: string): Promise<void>;
  /** Hides the notice of words the server may have held back (CircleSummary.withheld) once the person has seen it. */
  dismissWithheld(circleId: string): Promise<void>;
  /** Removes a member with a new key: they keep what they had and get nothing new. */
  removeMember(circleId: string, deviceId: string): Promise<void>;
  /** Makes another member an admin (`admin`) or a member again (admins only); resolves once the server has it. */
  setRole(circleId: string, deviceId: string, role: Role): Promise<void>;
  /** Names a member a facilitator of the circle, or not (admins only). */
  setFacilitator(circleId: string, deviceId: string, facilitator: boolean): Promise<void>;
  /** Asks a member to look after everyone's well-being in the circle, or not (admins only). */
  setWellbeing(circleId: string, deviceId: string, wellbeing: boolean): Promise<void>;
}

/** A member letting others into a circle. */
export interface CircleInvites {
  /** A single-use invite link (`<origin>/#join=…`) for the person `label` names (kept on this device only). */
  create(circleId: string, label: string): Promise<CircleInvite>;
  /** The invites to a circle this device made that can still be used. */
  open(circleId: string): Promise<OpenInvite[]>;
  /** Withdraws one of them: the link stops working, and a request waiting on it is turned down. */
  withdraw(circleId: string, inviteId: string): Promise<void>;
  /** Requests to join a circle, proven to hold one of this device's invites, each with its safety number. */
  asks(circleId: string): Promise<JoinAsk[]>;
  /** Admits (`approve`) or turns down a request `asks` listed. */
  answer(circleId: string, requestId: string, approve: boolean): Promise<void>;
}

/** This device asking to join circles. */
export interface CircleJoins {
  /** Asks to join the circle of an invite link, shown to its members as `name`; resolves with the number to compare. */
  ask(link: string, name: string): Promise<MyJoin>;
  /** This device's requests to join, waiting or turned down. */
  mine(): Promise<MyJoin[]>;
  /** Forgets a turned-down request once the person has seen it. */
  dismiss(requestId: string): Promise<void>;
}

/** What the person shares of their own plan with a circle. */
export interface Sharing {
  /** The plan answers and allies (their ids) shared with a circle. */
  sharedWith(circleId: string): Promise<Set<string>>;
  /** Shares a plan answer or ally with a circle, or takes it back; then syncs. */
  set(circleId: string, sourceId: string, shared: boolean): Promise<void>;
}

export function circles(core: EngineCore): Circles {
  const { store, shared } = core;
  return {
    list: () => core.serial(() => shared.summaries()),
    start: (circle) => thenSync(core, () => shared.start(circle)),
    leave: (circleId) => thenSync(core, async () => shared.leave(await core.api(), circleId)),
    checkAgain: (circleId) => thenSync(core, () => setStanding(store, circleId, 'member')),
    dismissUnreadable: (circleId) => core.serial(() => store.setState(setAsideName(circleId), undefined)),
    dismissWithheld: (circleId) => core.serial(() => store.setState(noticedName(circleId), undefined)),
    removeMember: (circleId, deviceId) =>
      thenSync(core, async () => shared.removeMember(await core.api(), circleId, deviceId)),
    setRole: (circleId, deviceId, role) =>
      thenSync(core, async () => shared.setRole(await core.api(), circleId, deviceId, role)),
    setFacilitator: (circleId, deviceId, facilitator) =>
      thenSync(core, () => shared.setFacilitator(circleId, deviceId, facilitator)),
    setWellbeing: (circleId, deviceId, wellbeing) =>
      thenSync(core, () => shared.setWellbeing(circleId, deviceId, wellbeing)),
  };
}

export function circleInvites(core: EngineCore): CircleInvites {
  const { store } = core;
  return {
    create: (circleId, label) =>
      inCircle(core, circleId, (api, circle) => inviteToCircle(api, store, circle, label, core.origin(), core.now())),
    open: (circleId) => inCircle(core, circleId, (_api, circle) => openInvites(store, circle, core.now())),
    withdraw: (circleId, inviteId) =>
      inCircle(core, circleId, (api, circle) => withdrawInvite(api, store, circle, inviteId, core.now())),
    asks: (circleId) => inCircle(core, circleId, (api, circle) => joinAsks(api, store, circle, core.now())),
    async answer(circleId, requestId, approve) {
      await inCircle(core, circleId, (api, circle) => answerJoin(api, store, circle, requestId, approve, core.now()));
      await core.syncNow();
    },
  };
}

export function circleJoins(core: EngineCore): CircleJoins {
  const { store } = core;
  return {
    async ask(link, name) {
      const secret = secretOf(link, 'join');
      const asked = await withApi(core, (api) => requestCircleJoin(api, store, secret, name, core.now()));
      void core.syncNow();
      return asked;
    },
    mine: () => core.serial(() => myJoins(store)),
    dismiss: (requestId) => core.serial(() => dismissJoin(store, requestId)),
  };
}

export function sharing(core: EngineCore): Sharing {
  const { store } = core;
  return {
    // This device's own records, read beside a running sync, not behind it: the screen's boxes wait
    // for this answer, and a sync may wait on the network for long.
    sharedWith: (circleId) => sharedWith(store, circleId),
    set: (circleId, sourceId, on) =>
      thenSync(core, () => (on ? share(store, circleId, sourceId) : unshare(store, circleId, sourceId))),
  };
}
