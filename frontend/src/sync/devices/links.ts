/**
 * Linking the person's own devices (PROTOCOL §9 invites, to their personal circle).
 *
 * The link is `<origin>/#link=<b64u secret>`: the protocol's invite link with `link` in place of
 * `join`, so the app that opens it knows this is another device of the same person taking the
 * same plan (adopting the personal circle), not someone joining a shared circle (`#join=`). The
 * secret travels only in the fragment, which browsers never send to a server.
 *
 * Device A makes the link (createDeviceLink), lists requests that prove they hold it
 * (pendingLinks), and approves one (answerLink) after both screens show the same safety number,
 * or turns it down (answerLink too).
 * Device B opens the invite and asks (requestLink), then learns the outcome (checkLinkRequest):
 * once approved it verifies the circle's log from the invite's genesis hash, checks that the
 * inviter is an admin there, and from then on syncs that circle as its personal circle.
 */
import { b64u } from '../../crypto/encoding';
import { checkInviterIsAdmin, type Invite, inviteLink } from '../../crypto/invites';
import { isObject } from '../../crypto/json';
import { safetyNumber } from '../../crypto/safety';
import type { JoinRequestStatus } from '../../wire/api';
import type { Clock } from '../replica/clock';
import {
  answerRequest,
  askToJoin,
  type HeldInvite,
  heldInvites,
  inviteOf,
  type KeptInvite,
  keepInvite,
  makeInvite,
  provenRequests,
} from '../replica/inviting';
import { adoptPersonal } from '../replica/personal';
import { type Caller, CircleReplica, type ReplicaStore } from '../replica/replica';

/** How long a device link can be used: long enough to pick up the other phone, no longer. */
export const LINK_HOURS = 24;
const LINKS = 'device-links';
const JOINING = 'joining';

/** A link this device made: shown as text (and later as a QR code) on this device only. */
export interface DeviceLink {
  readonly link: string;
  readonly expiresAt: Date;
}

/** A device asking to be linked, proven to hold the link's secret. */
export interface LinkRequest {
  readonly requestId: string;
  readonly deviceId: string;
  /** Both devices show this number; the person checks they match before approving. */
  readonly safetyNumber: string;
  readonly createdAt: string;
}

/** What a joining device shows while it waits: the number to compare with the other device. */
export interface LinkAsked {
  readonly requestId: string;
  readonly safetyNumber: string;
}

export type LinkOutcome = 'none' | 'waiting' | 'approved' | 'declined';

type StoredLink = HeldInvite;

interface Joining extends KeptInvite {
  readonly secret: string;
  readonly requestId: string;
}

// Device A ----------------------------------------------------------------------------------------

/**
 * Makes a single-use invite to the personal circle and returns its link. The secret is kept sealed
 * in the vault (to check requests later, even after a restart) and never sent.
 */
export async function createDeviceLink(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  origin: string,
  now: Date,
): Promise<DeviceLink> {
  const { secret, expiresAt } = await makeInvite<StoredLink>(
    api,
    store,
    circle,
    { name: LINKS, hours: LINK_HOURS, extra: {} },
    now,
  );
  return { link: inviteLink(origin, secret, 'link'), expiresAt };
}

/**
 * Requests waiting on this device's links, each checked here against the link's secret: a request
 * the server made up has no valid proof and is left out (as the reference client does).
 */
export async function pendingLinks(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  now: Date,
): Promise<LinkRequest[]> {
  const proven = await provenRequests(api, circle, await heldInvites<StoredLink>(store, LINKS, now));
  return Promise.all(
    proven.map(async ({ requestId, createdAt, joiner }) => ({
      requestId,
      createdAt,
      deviceId: b64u(joiner.deviceId),
      safetyNumber: await safetyNumber(store.deviceKeys.public, joiner),
    })),
  );
}

/**
 * Admits (`approve`) or turns down the device of a request pendingLinks listed; the link is spent
 * either way. Admitted, it joins as an admin of the personal circle (every device of the person
 * may link further ones) with every epoch key this one holds (a person's own device reads the
 * whole history, also after an unlink). Turned down, it learns so and gets nothing, and the link
 * goes with it (a device the person does not know may hold it). Contract: a request that is not
 * (or no longer) proven is `bad_proof`, and nothing is sent.
 */
export function answerLink(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  requestId: string,
  approve: boolean,
  now: Date,
): Promise<void> {
  return answerRequest(api, store, circle, { name: LINKS, requestId, answer: approve ? 'admin' : 'decline' }, now);
}

// Device B ----------------------------------------------------------------------------------------

/**
 * Opens the invite behind `secret`, verifies it (PROTOCOL §9), and asks to join. What is needed to
 * finish is kept sealed in the vault, so the wait survives a restart.
 *
 * Contract: the invite's own refusals (`decrypt_failed`, `bad_signature`, `expired`, …) as
 * ProtocolErrors; the server's as ApiErrors (`not_found` for a link used up or withdrawn).
 */
export async function requestLink(api: Caller, store: ReplicaStore, secret: Uint8Array, now: Date): Promise<LinkAsked> {
  const { requestId, invite } = await askToJoin(api, store, secret, now);
  await store.setState(JOINING, joiningOf(secret, requestId, invite));
  return { requestId, safetyNumber: await safetyNumber(store.deviceKeys.public, invite.inviter) };
}

/**
 * The outcome of this device's request to be linked, finishing the link once approved: verifies the
 * circle's log from the invite's genesis hash, checks the inviter is an admin there, and adopts the
 * circle as this vault's personal circle. `none` when no request waits.
 *
 * Contract: an inviter who is not an admin in the verified log is `not_admin`, and the circle is
 * not adopted; a declined or withdrawn request is forgotten.
 */
export async function checkLinkRequest(api: Caller, store: ReplicaStore, clock: Clock): Promise<LinkOutcome> {
  const joining = await readJoining(store);
  if (joining === undefined) return 'none';
  const status = await api.call<JoinRequestStatus>('GET', `/v1/requests/${joining.requestId}`);
  if (status.status === 'pending') return 'waiting';
  if (status.status !== 'approved') {
    await store.setState(JOINING, undefined);
    return 'declined';
  }
  const invite = inviteOf(joining);
  const replica = new CircleReplica(api, store, invite.circleId, invite.genesisHash, { clock });
  checkInviterIsAdmin(invite, await replica.refresh(), invite.genesisHash);
  await adoptPersonal(store, invite.circleId, invite.genesisHash);
  await store.setState(JOINING, undefined);
  return 'approved';
}

/** Whether this device is waiting for another device to approve it. */
export async function isJoining(store: ReplicaStore): Promise<boolean> {
  return (await readJoining(store)) !== undefined;
}

function joiningOf(secret: Uint8Array, requestId: string, invite: Invite): Joining {
  return { secret: b64u(secret), requestId, ...keepInvite(invite) };
}

async function readJoining(store: ReplicaStore): Promise<Joining | undefined> {
  const stored = await store.getState(JOINING);
  return isObject(stored) && typeof stored['requestId'] === 'string' ? (stored as unknown as Joining) : undefined;
}
