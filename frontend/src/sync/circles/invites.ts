/**
 * Inviting someone into a shared circle, and joining one (PROTOCOL §9).
 *
 * The link is `<origin>/#join=<b64u secret>`; the secret travels only in the fragment. The admin
 * names who each invite is for (a label kept in their vault only), and later sees each request
 * that proves it holds one of their links, with the safety number to compare; the link alone
 * never grants anything: the admin approves (a signed `add` entry) or declines.
 *
 * The invitee opens the link in the app, with their own passphrase and identity, asks to join,
 * and waits; once approved the sync engine verifies the circle's log from the invite's genesis
 * hash, checks that the inviter is an admin there, and from then on syncs the circle.
 */
import { b64u, unb64u } from '../../crypto/encoding';
import { type ErrorCode, isErrorCode, ProtocolError } from '../../crypto/errors';
import { checkInviterIsAdmin, deriveInvite, type Invite, inviteLink } from '../../crypto/invites';
import { isObject } from '../../crypto/json';
import { safetyNumber } from '../../crypto/safety';
import { memberNames } from '../../records';
import type { Records, StateStore } from '../../storage';
import type { JoinRequestStatus } from '../../wire/api';
import type { Clock } from '../replica/clock';
import {
  answerableRequests,
  answerRequest,
  askToJoin,
  dropInvite,
  type HeldInvite,
  heldInvites,
  inviteOf,
  type KeptInvite,
  keepInvite,
  makeInvite,
} from '../replica/inviting';
import type { Caller, CircleReplica, ReplicaStore } from '../replica/replica';
import { ApiError } from '../transport/api';
import { keepCircle, sharedReplica } from './list';
import { setMyName } from './myName';

/** How long an invite can be used: a few days to reach the person, then it stops working. */
export const INVITE_HOURS = 72;
const JOINS = 'circle-joins';

export interface CircleInvite {
  readonly link: string;
  readonly expiresAt: Date;
}

/** An invite this device made that can still be used. */
export interface OpenInvite {
  readonly inviteId: string;
  readonly label: string;
  readonly expiresAt: Date;
}

/**
 * Someone asking to join, proven to hold one of this device's links to the circle, or a link
 * another admin of it made (that admin here or gone: PROTOCOL §9, "Any admin answers").
 */
export interface JoinAsk {
  readonly requestId: string;
  /** Who this device's admin made the invite for, as they wrote it; null for another admin's link. */
  readonly label: string | null;
  /** On another admin's link, that admin's name as the circle shows it ('' if they gave none); null on this device's. */
  readonly inviterName: string | null;
  readonly deviceId: string;
  readonly safetyNumber: string;
  readonly createdAt: string;
}

/** This device's request to join a circle, as it waits. */
export interface MyJoin {
  readonly requestId: string;
  readonly circleId: string;
  readonly safetyNumber: string;
  /** `failed`: let in, but the circle did not check out (see `problem`), so it was not joined. */
  readonly status: 'waiting' | 'declined' | 'failed';
  /** The protocol's code for what did not check out; the UI says it in words. */
  readonly problem?: ErrorCode;
}

interface HeldCircleInvite extends HeldInvite {
  readonly label: string;
}

interface StoredJoin extends Omit<MyJoin, 'problem'>, KeptInvite {
  /** The name the person chose to show in the circle. */
  readonly name: string;
  /** A protocol code; a vault of an older version may hold a sentence, which is not shown. */
  readonly problem?: string;
}

/** What joining needs of the vault: the replica's store, and writing this device's name in the circle. */
export type JoinStore = ReplicaStore & Records;

const invitesName = (circle: CircleReplica): string => `circle-invites:${circle.id}`;

// The admin ----------------------------------------------------------------------------------------

/** Makes a single-use invite for the person `label` names; the label and secret stay in this vault. */
export async function inviteToCircle(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  label: string,
  origin: string,
  now: Date,
): Promise<CircleInvite> {
  const made = await makeInvite<HeldCircleInvite>(
    api,
    store,
    circle,
    { name: invitesName(circle), hours: INVITE_HOURS, extra: { label } },
    now,
  );
  return { link: inviteLink(origin, made.secret), expiresAt: made.expiresAt };
}

/** The invites to the circle this device made that have not expired, been used up or withdrawn. */
export async function openInvites(store: ReplicaStore, circle: CircleReplica, now: Date): Promise<OpenInvite[]> {
  const held = await heldInvites<HeldCircleInvite>(store, invitesName(circle), now);
  return Promise.all(
    held.map(async (invite) => ({
      inviteId: await inviteIdOf(invite),
      label: invite.label,
      expiresAt: new Date(invite.expiresAt),
    })),
  );
}

/**
 * Withdraws an invite (the link was sent to the wrong person, or is no longer wanted): the server
 * declines any request waiting on it, and the link stops working. One the server no longer has
 * (used up, expired) is simply forgotten here.
 */
export async function withdrawInvite(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  inviteId: string,
  now: Date,
): Promise<void> {
  const held = await heldInvites<HeldCircleInvite>(store, invitesName(circle), now);
  const ids = await Promise.all(held.map(inviteIdOf));
  const found = held[ids.indexOf(inviteId)];
  if (found === undefined) return;
  try {
    await api.call('DELETE', `/v1/circles/${circle.id}/invites/${inviteId}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  await dropInvite(store, invitesName(circle), found.secret, now);
}

async function inviteIdOf(invite: HeldInvite): Promise<string> {
  return b64u((await deriveInvite(unb64u(invite.secret, 32))).inviteId);
}

/**
 * Requests to join the circle that prove they hold one of its admins' links (this device's or
 * another current admin's), with the number to compare.
 */
export async function joinAsks(
  api: Caller,
  store: ReplicaStore & Pick<Records, 'list'>,
  circle: CircleReplica,
  now: Date,
): Promise<JoinAsk[]> {
  const proven = await answerableRequests(
    api,
    circle,
    await heldInvites<HeldCircleInvite>(store, invitesName(circle), now),
    now,
  );
  // The approving admin cannot tell who another admin's link was for: naming its maker lets them ask.
  const names =
    proven.some((p) => p.inviter !== undefined) &&
    memberNames(await store.list('member', circle.id), b64u(store.deviceKeys.public.deviceId));
  return Promise.all(
    proven.map(async ({ requestId, createdAt, invite, joiner, inviter }) => ({
      requestId,
      createdAt,
      label: invite?.label ?? null,
      inviterName: inviter === undefined || names === false ? null : (names.get(b64u(inviter.deviceId)) ?? ''),
      deviceId: b64u(joiner.deviceId),
      // The number the joiner's screen shows: theirs with whoever made the link they opened.
      safetyNumber: await safetyNumber(inviter ?? store.deviceKeys.public, joiner),
    })),
  );
}

/**
 * Admits (`approve`) the device of a request joinAsks listed as a member, with the circle's keys,
 * or turns it down; the link is spent either way (forgotten here when it was this device's). Contract: a request that is not (or no longer)
 * proven is `bad_proof`, and nothing is sent.
 */
export function answerJoin(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  requestId: string,
  approve: boolean,
  now: Date,
): Promise<void> {
  const answer = approve ? 'member' : 'decline';
  return answerRequest(api, store, circle, { name: invitesName(circle), requestId, answer, anyAdmin: true }, now);
}

// The invitee --------------------------------------------------------------------------------------

/**
 * Opens the invite behind `secret`, verifies it, and asks to join, showing `name` once admitted.
 * What is needed to finish is kept sealed in the vault, so the wait survives a restart.
 */
export async function requestCircleJoin(
  api: Caller,
  store: ReplicaStore,
  secret: Uint8Array,
  name: string,
  now: Date,
): Promise<MyJoin> {
  const { requestId, invite } = await askToJoin(api, store, secret, now);
  const join = storedJoin(requestId, invite, name, await safetyNumber(store.deviceKeys.public, invite.inviter));
  await saveJoins(store, [...(await readJoins(store)).filter((j) => j.circleId !== join.circleId), join]);
  return publicJoin(join);
}

/** This device's requests to join, waiting or declined. */
export async function myJoins(store: Pick<StateStore, 'getState'>): Promise<MyJoin[]> {
  return (await readJoins(store)).map(publicJoin);
}

/** Forgets a declined request, once the person has seen it. */
export async function dismissJoin(store: ReplicaStore, requestId: string): Promise<void> {
  await saveJoins(
    store,
    (await readJoins(store)).filter((j) => j.requestId !== requestId),
  );
}

/**
 * Learns the outcome of each waiting request: an approved one is verified (the log from the
 * invite's genesis hash, the inviter an admin there), kept as a circle this device syncs, and
 * this device's name in it is written; a declined or withdrawn one is marked declined.
 *
 * Contract: an approved circle that does not verify (an inviter who is not an admin there is
 * `not_admin`) is not kept: its request is marked failed with the reason, and the others go on.
 */
export async function checkCircleJoins(api: Caller, store: JoinStore, clock: Clock): Promise<void> {
  const joins = await readJoins(store);
  for (const join of joins.filter((j) => j.status === 'waiting')) {
    const status = await requestStatus(api, join.requestId);
    if (status === 'pending') continue;
    const outcome = status === 'approved' ? await admitted(api, store, clock, join) : ({ status: 'declined' } as const);
    const rest = (await readJoins(store)).filter((j) => j.requestId !== join.requestId);
    await saveJoins(store, outcome === null ? rest : [...rest, { ...join, ...outcome }]);
  }
}

async function requestStatus(api: Caller, requestId: string): Promise<JoinRequestStatus['status'] | 'gone'> {
  try {
    return (await api.call<JoinRequestStatus>('GET', `/v1/requests/${requestId}`)).status;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return 'gone';
    throw error;
  }
}

/** Joins an approved circle; null once joined, or why it was not (the circle did not check out: one bad invite never stops the rest). */
async function admitted(
  api: Caller,
  store: JoinStore,
  clock: Clock,
  join: StoredJoin,
): Promise<Pick<MyJoin, 'status' | 'problem'> | null> {
  const invite = inviteOf(join);
  const replica = sharedReplica(api, store, join, clock);
  try {
    checkInviterIsAdmin(invite, await replica.refresh(), invite.genesisHash);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { status: 'failed', problem: error.code };
  }
  await keepCircle(store, { circleId: join.circleId, genesisHash: join.genesisHash, standing: 'member' });
  await setMyName(store, join.circleId, join.name);
  return null;
}

function storedJoin(requestId: string, invite: Invite, name: string, number: string): StoredJoin {
  return { requestId, safetyNumber: number, status: 'waiting', name, ...keepInvite(invite) };
}

function publicJoin({ requestId, circleId, safetyNumber: number, status, problem }: StoredJoin): MyJoin {
  return { requestId, circleId, safetyNumber: number, status, ...(isErrorCode(problem) ? { problem } : {}) };
}

async function readJoins(store: Pick<StateStore, 'getState'>): Promise<StoredJoin[]> {
  const stored = await store.getState(JOINS);
  return Array.isArray(stored)
    ? (stored as unknown[]).filter((j): j is StoredJoin => isObject(j) && typeof j['requestId'] === 'string')
    : [];
}

async function saveJoins(store: Pick<StateStore, 'setState'>, joins: readonly StoredJoin[]): Promise<void> {
  await store.setState(JOINS, joins);
}
