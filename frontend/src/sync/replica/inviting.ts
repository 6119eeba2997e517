/**
 * What a device link (devices/links.ts) and an invite to a shared circle (circles/invites.ts) have in
 * common: an invite made at the server under a secret kept sealed in the vault, requests checked
 * against that secret, and a join request made from a link's secret (PROTOCOL §9).
 */
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { ProtocolError } from '../../crypto/errors';
import type { PublicIdentity } from '../../crypto/identity';
import {
  deriveInvite,
  formatTime,
  type Invite,
  InviteForAnotherLink,
  type LinkKind,
  linkSecret,
  makeJoinRequest,
  newInviteSecret,
  openInvite,
  type ProvenByInvite,
  sealInvite,
  verifyJoinRequest,
  verifyRequestByInvite,
} from '../../crypto/invites';
import type { CircleState, Role } from '../../crypto/membership';
import type { SignedObject } from '../../crypto/signed';
import type { DeviceIdentity, StateStore } from '../../storage';
import type { InvitePublic, JoinRequestStatus, PendingList, PendingRequest } from '../../wire/api';
import { SyncError } from '../errors';
import type { Caller, CircleReplica, ReplicaStore } from './replica';

/** A verified invite as the vault keeps it while this device waits to be let in (b64u and §1 times). */
export interface KeptInvite {
  readonly circleId: string;
  readonly genesisHash: string;
  readonly expiresAt: string;
  readonly inviter: { readonly deviceId: string; readonly signPub: string; readonly kemPub: string };
}

export function keepInvite(invite: Invite): KeptInvite {
  const { deviceId, signPub, kemPub } = invite.inviter;
  return {
    circleId: b64u(invite.circleId),
    genesisHash: b64u(invite.genesisHash),
    expiresAt: formatTime(invite.expiresAt),
    inviter: { deviceId: b64u(deviceId), signPub: b64u(signPub), kemPub: b64u(kemPub) },
  };
}

export function inviteOf(kept: KeptInvite): Invite {
  const { inviter } = kept;
  return {
    circleId: unb64uId(kept.circleId),
    genesisHash: unb64u(kept.genesisHash, 32),
    expiresAt: new Date(kept.expiresAt),
    inviter: {
      deviceId: unb64uId(inviter.deviceId),
      signPub: unb64u(inviter.signPub, 32),
      kemPub: unb64u(inviter.kemPub, 32),
    },
  };
}

/** An invite this device made, as the vault keeps it. */
export interface HeldInvite {
  readonly secret: string;
  readonly expiresAt: string;
}

/** A request to join proven to hold one of `invites`' secrets. */
export interface Proven<I extends HeldInvite> {
  readonly requestId: string;
  readonly createdAt: string;
  readonly invite: I;
  readonly joiner: PublicIdentity;
  readonly identity: SignedObject;
}

/**
 * A request this admin may answer: proven with one of its own links' secrets (`invite` is that
 * link), or by the invite it carries, which an admin of the circle signed (`invite` undefined:
 * another admin's link, that admin here or gone, PROTOCOL §9 "Any admin answers").
 */
export interface Answerable<I extends HeldInvite> extends Omit<Proven<I>, 'invite'> {
  readonly invite: I | undefined;
  /** Who made the link: the other admin, whose key the joiner's safety number is made with; undefined for this device. */
  readonly inviter?: PublicIdentity;
}

/** The invites kept under `name` that have not expired. */
export async function heldInvites<I extends HeldInvite>(
  store: Pick<StateStore, 'getState'>,
  name: string,
  now: Date,
): Promise<I[]> {
  const stored = await store.getState(name);
  const invites = Array.isArray(stored) ? (stored as I[]) : [];
  return invites.filter((invite) => new Date(invite.expiresAt).getTime() > now.getTime());
}

/**
 * Makes a single-use invite to `circle` valid for `hours`, keeps it under `name` (with `extra`,
 * and without the expired ones) before the server has it, and resolves with its secret.
 */
export async function makeInvite<I extends HeldInvite>(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  held: { readonly name: string; readonly hours: number; readonly extra: Omit<I, keyof HeldInvite> },
  now: Date,
): Promise<{ secret: Uint8Array; expiresAt: Date }> {
  const secret = newInviteSecret();
  const keys = await deriveInvite(secret);
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + held.hours * 3_600_000);
  const record = await sealInvite(store.deviceKeys, secret, circle.circleId, circle.genesisHash, expiresAt);
  const invite = { ...held.extra, secret: b64u(secret), expiresAt: formatTime(expiresAt) } as I;
  await store.setState(held.name, [...(await heldInvites<I>(store, held.name, now)), invite]);
  const body = { record, auth_pub: b64u(keys.authPub), expires_at: formatTime(expiresAt), max_uses: 1 };
  await api.call('POST', `/v1/circles/${circle.id}/invites`, body);
  return { secret, expiresAt };
}

/** Forgets an invite kept under `name` (spent, or withdrawn). */
export async function dropInvite(store: StateStore, name: string, secret: string, now: Date): Promise<void> {
  const invites = await heldInvites<HeldInvite>(store, name, now);
  await store.setState(
    name,
    invites.filter((invite) => invite.secret !== secret),
  );
}

/**
 * The circle's requests that prove they hold one of `invites`' secrets, each checked here: a
 * request the server made up has no valid proof and is left out (as the reference client does).
 */
export async function provenRequests<I extends HeldInvite>(
  api: Caller,
  circle: CircleReplica,
  invites: readonly I[],
): Promise<Proven<I>[]> {
  if (invites.length === 0) return [];
  return provenAmong(await pendingOf(api, circle), invites);
}

/**
 * Every request of the circle this admin may answer: those proven with its own links' secrets,
 * then the others proven by the invite they carry, on the circle's log as it is now. A request
 * neither way proves (made up by the server, on a link of an admin removed or gone since, on an
 * invite expired at `now`) is left out, and so is one from a device the log once held and no
 * longer does: a removed member's old request the server lists again is not a new ask.
 */
export async function answerableRequests<I extends HeldInvite>(
  api: Caller,
  circle: CircleReplica,
  invites: readonly I[],
  now: Date,
): Promise<Answerable<I>[]> {
  const pending = await pendingOf(api, circle);
  const mine: Answerable<I>[] = await provenAmong(pending, invites);
  const rest = pending.filter((p) => !mine.some((m) => m.requestId === p.request_id));
  if (rest.length === 0) return mine;
  const state = await circle.refresh();
  for (const p of rest) {
    try {
      const { joiner, inviter } = await proveByInvite(state, circle.genesisHash, p.request, now);
      mine.push({
        requestId: p.request_id,
        createdAt: p.created_at,
        invite: undefined,
        inviter,
        joiner,
        identity: p.request.identity,
      });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
    }
  }
  return mine.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * verifyRequestByInvite, and `not_admin` for a joiner the log once held (a member now, or one
 * removed or gone): the check any admin's app makes when it lists such a request and again on the
 * log it signs the `add` on.
 */
export async function proveByInvite(
  state: CircleState,
  genesisHash: Uint8Array,
  request: unknown,
  now: Date,
): Promise<ProvenByInvite> {
  const proven = await verifyRequestByInvite(state, genesisHash, request, now);
  if (state.identities.has(b64u(proven.joiner.deviceId)))
    throw new ProtocolError('not_admin', 'a device this circle held before asks again on an old request');
  return proven;
}

async function pendingOf(api: Caller, circle: CircleReplica): Promise<PendingRequest[]> {
  return (await api.call<PendingList>('GET', `/v1/circles/${circle.id}/requests`)).data;
}

async function provenAmong<I extends HeldInvite>(
  pending: readonly PendingRequest[],
  invites: readonly I[],
): Promise<Proven<I>[]> {
  const derived = await Promise.all(
    invites.map(async (invite) => ({ invite, keys: await deriveInvite(unb64u(invite.secret, 32)) })),
  );
  const proven: Proven<I>[] = [];
  for (const asked of pending) {
    const match = derived.find(({ keys }) => b64u(keys.inviteId) === asked.invite_id);
    if (match === undefined) continue;
    try {
      const joiner = await verifyJoinRequest(match.keys.authPub, match.keys.inviteId, asked.request);
      proven.push({
        requestId: asked.request_id,
        createdAt: asked.created_at,
        invite: match.invite,
        joiner,
        identity: asked.request.identity,
      });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
    }
  }
  return proven;
}

/**
 * Answers a request waiting on one of the invites kept under `name` (with `anyAdmin`, also one on
 * another admin's link, proven by the invite it carries): admits its device with `role` (and the
 * circle's keys), or declines it; either way its invite is spent. Checked here first, so a
 * request the server made up is refused. Contract: a request that is not (or no longer) proven is
 * `bad_proof`, and nothing is sent.
 */
export async function answerRequest(
  api: Caller,
  store: ReplicaStore,
  circle: CircleReplica,
  asked: {
    readonly name: string;
    readonly requestId: string;
    readonly answer: Role | 'decline';
    readonly anyAdmin?: boolean;
  },
  now: Date,
): Promise<void> {
  const held = await heldInvites(store, asked.name, now);
  const proven =
    asked.anyAdmin === true
      ? await answerableRequests(api, circle, held, now)
      : await provenRequests(api, circle, held);
  const found = proven.find((r) => r.requestId === asked.requestId);
  if (found === undefined)
    throw new ProtocolError('bad_proof', 'this request does not prove it holds an invite of yours');
  if (asked.answer === 'decline')
    await api.call('POST', `/v1/circles/${circle.id}/requests/${asked.requestId}/decline`);
  else if (found.invite !== undefined) await circle.approve(asked.requestId, found.identity, asked.answer);
  else {
    // Checked again on the log the add is signed on: its inviter may have been removed, or have
    // left, since the list was made.
    const request = (await pendingOf(api, circle)).find((p) => p.request_id === asked.requestId)?.request;
    const check = (state: CircleState) => proveByInvite(state, circle.genesisHash, request, now).then(() => {});
    await circle.approve(asked.requestId, found.identity, asked.answer, check);
  }
  if (found.invite !== undefined) await dropInvite(store, asked.name, found.invite.secret, now);
}

/**
 * Opens the invite behind `secret`, verifies it (PROTOCOL §9), and asks to join.
 *
 * Contract: the invite's own refusals (`decrypt_failed`, `bad_signature`, `expired`, …) as
 * ProtocolErrors, but an invite signed for another link (re-wrapped by whoever made this one) as
 * SyncError `invite_other_link`, before anything is sent; the server's as ApiErrors (`not_found`
 * for a link used up or withdrawn).
 */
export async function askToJoin(
  api: Caller,
  store: Pick<DeviceIdentity, 'deviceKeys'>,
  secret: Uint8Array,
  now: Date,
): Promise<{ requestId: string; invite: Invite }> {
  const keys = await deriveInvite(secret);
  const inviteId = b64u(keys.inviteId);
  const found = await api.call<InvitePublic>('GET', `/v1/invites/${inviteId}`);
  const invite = await openInvite(secret, found.record, now).catch((error: unknown) => {
    throw error instanceof InviteForAnotherLink ? new SyncError('invite_other_link', { cause: error }) : error;
  });
  const request = await makeJoinRequest(secret, store.deviceKeys, invite);
  const answer = await api.call<JoinRequestStatus>('POST', `/v1/invites/${inviteId}/requests`, { request });
  return { requestId: answer.request_id, invite };
}

/** The secret of a pasted link; one that is not a whole link is `bad_link`, not a protocol refusal. */
export function secretOf(link: string, kind: LinkKind): Uint8Array {
  try {
    return linkSecret(link, kind);
  } catch (error) {
    if (error instanceof ProtocolError) throw new SyncError('bad_link', { cause: error });
    throw error;
  }
}
