// Helpers for the sync tests only: a sync server faked at the edge (fetch), answering as the
// real service does for the calls the engine makes, with hooks to play a server that misbehaves.
// It checks no signatures: what is under test is what the app accepts, not what the server does.
import 'fake-indexeddb/auto';
import { b64u, fromUtf8, unb64u } from '../crypto/encoding';
import { entryHash } from '../crypto/membership';
import { randomBytes } from '../crypto/primitives';
import { type EngineStore, type SyncEngine, type SyncOptions, startSync } from '../sync/engine';
import type { Fetch } from '../sync/transport/api';

interface Change {
  seq: number;
  change_id: string;
  record_id: string;
  /** The device that pushed it, as the server saw it signed in. */
  pushed_by?: string | undefined;
  envelope: { epoch: number; record_id: string } & Record<string, unknown>;
}

interface FakeCircle {
  log: unknown[];
  envelopes: { recipient: string; epoch: number }[];
  changes: Change[];
  epoch: number;
  /** Closed by a version 2 leave (PROTOCOL §8): no change is taken until a new epoch. */
  closed: boolean;
}

export interface FakeServer {
  readonly fetch: Fetch;
  readonly circles: Map<string, FakeCircle>;
  /** Method and path of every call, in order. */
  readonly calls: string[];
  /** Every call fails as if the network were down. */
  offline: boolean;
  /** The next push is applied, then its answer is lost. */
  loseNextPushAnswer: boolean;
  /** Overrides the circle's counters (to play a rolled-back server). */
  changeSeqOverride: number | undefined;
  /** Rewrites each page of changes as it leaves (to play an older or a broken server). */
  rewritePage: ((page: Record<string, unknown>) => Record<string, unknown>) | undefined;
  /** Held by a call until released: lets a test see two syncs never overlap. */
  gate: Promise<void> | undefined;
  /** Recovery escrows by escrow id (§15), with the device that put each. */
  readonly escrows: Map<string, { owner: string; escrow: unknown }>;
  /** Invite records by invite id, and requests to join by request id. */
  readonly invites: Map<string, { circleId: string; record: unknown }>;
  readonly requests: Map<string, FakeRequest>;
}

export interface FakeRequest {
  circleId: string;
  inviteId: string;
  request: unknown;
  status: 'pending' | 'approved' | 'declined';
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refusal = (status: number, code: string): Response => json(status, { code, message: `${code} (fake server)` });

function payloadOf(entry: unknown): Record<string, unknown> {
  return JSON.parse(fromUtf8(unb64u((entry as { payload: string }).payload))) as Record<string, unknown>;
}

export function fakeServer(): FakeServer {
  const serverId = b64u(randomBytes(16));
  const tokens = new Map<string, string>();
  const devices = new Set<string>();
  const server: FakeServer = {
    circles: new Map(),
    calls: [],
    offline: false,
    loseNextPushAnswer: false,
    changeSeqOverride: undefined,
    rewritePage: undefined,
    gate: undefined,
    invites: new Map(),
    requests: new Map(),
    escrows: new Map(),
    fetch: async (input, init) => {
      const method = init?.method ?? 'GET';
      const url = new URL(input, 'http://app.test');
      server.calls.push(`${method} ${url.pathname}`);
      if (server.gate) await server.gate;
      if (server.offline) throw new TypeError('fetch failed');
      const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
      const token = new Headers(init?.headers).get('authorization')?.replace('Bearer ', '');
      return route(
        server,
        {
          method,
          path: url.pathname,
          query: url.searchParams,
          body,
          device: token === undefined ? undefined : tokens.get(token),
        },
        { serverId, tokens, devices },
      );
    },
  };
  return server;
}

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  device: string | undefined;
}

interface Accounts {
  serverId: string;
  tokens: Map<string, string>;
  devices: Set<string>;
}

async function route(server: FakeServer, call: Call, accounts: Accounts): Promise<Response> {
  const { method, path, body } = call;
  if (path === '/v1/server') return json(200, { server_id: accounts.serverId, protocol_versions: [1] });
  if (path === '/v1/devices') {
    accounts.devices.add(String(payloadOf(body['identity'])['device_id']));
    return json(201, {});
  }
  if (path === '/v1/auth/challenge') {
    if (!accounts.devices.has(String(body['device_id']))) return refusal(404, 'not_found');
    return json(200, { challenge: b64u(randomBytes(32)), expires_at: '2030-01-01T00:00:00Z' });
  }
  if (path === '/v1/auth/token' && method === 'DELETE') return new Response(null, { status: 204 });
  if (path === '/v1/auth/token') {
    const token = b64u(randomBytes(32));
    accounts.tokens.set(token, String(body['device_id']));
    return json(200, { token, expires_at: '2030-01-01T00:00:00Z' });
  }
  const recovery = /^\/v1\/recovery\/([^/]+)$/.exec(path);
  if (recovery !== null) return escrowRoute(server, call, recovery[1] as string);
  if (call.device === undefined) return refusal(401, 'unauthorized');
  if (path === '/v1/circles' && method === 'POST') return createCircle(server, body);
  const invites = inviteRoute(server, call);
  if (invites !== undefined) return invites;
  // An approval appends its `add` entry and key envelope, as a log append does.
  const match = /^\/v1\/circles\/([^/]+)(\/[a-z]+)?$/.exec(path.replace(/\/requests\/[^/]+\/approve$/, '/log'));
  const circle = match ? server.circles.get(match[1] as string) : undefined;
  if (circle === undefined || !membersOf(circle).has(call.device)) return refusal(404, 'not_found');
  return circleRoute(server, circle, match?.[2] ?? '', call);
}

/** Escrows as the real service keeps them: read with no sign-in; put and deleted by their owner only. */
function escrowRoute(server: FakeServer, { method, body, device }: Call, id: string): Response {
  const held = server.escrows.get(id);
  if (method === 'GET')
    return held === undefined ? refusal(404, 'not_found') : json(200, { escrow_id: id, escrow: held.escrow });
  if (device === undefined) return refusal(401, 'unauthorized');
  if (held !== undefined && held.owner !== device)
    return method === 'PUT' ? refusal(409, 'escrow_taken') : refusal(404, 'not_found');
  if (method === 'PUT') server.escrows.set(id, { owner: device, escrow: body['escrow'] });
  else if (held === undefined) return refusal(404, 'not_found');
  else server.escrows.delete(id);
  return new Response(null, { status: 204 });
}

/** The device ids the log makes members now, read without verifying (the app verifies). */
function membersOf(circle: FakeCircle): Set<string> {
  const members = new Set<string>();
  for (const entry of circle.log) {
    const payload = payloadOf(entry);
    const member = payload['member'] as { identity?: unknown } | undefined;
    if (member?.identity !== undefined) members.add(String(payloadOf(member.identity)['device_id']));
    if (payload['op'] === 'remove') members.delete(String(payload['device_id']));
    if (payload['op'] === 'leave') members.delete(String(payload['signer']));
  }
  return members;
}

async function createCircle(server: FakeServer, body: Record<string, unknown>): Promise<Response> {
  const id = String(body['circle_id']);
  if (server.circles.has(id)) return refusal(409, 'circle_exists');
  server.circles.set(id, {
    log: [body['genesis']],
    envelopes: [body['key_envelope'] as FakeCircle['envelopes'][number]],
    changes: [],
    epoch: 0,
    closed: false,
  });
  return json(201, {});
}

/** What the real service answers for a circle, and with each page of its changes. */
async function counters(server: FakeServer, circle: FakeCircle): Promise<Record<string, unknown>> {
  return {
    change_seq: server.changeSeqOverride ?? Math.max(0, ...circle.changes.map((c) => c.seq)),
    log_seq: circle.log.length - 1,
    head_hash: b64u(await entryHash(circle.log[circle.log.length - 1])),
    epoch: circle.epoch,
  };
}

async function circleRoute(server: FakeServer, circle: FakeCircle, sub: string, call: Call): Promise<Response> {
  const { method, body } = call;
  if (sub === '' && method === 'GET') return json(200, await counters(server, circle));
  if (sub === '/log' && method === 'GET') return json(200, { data: circle.log });
  if (sub === '/log' && method === 'POST') {
    const payload = payloadOf(body['entry']);
    // A v2 entry lands only at the change log head it names, as the real service (PROTOCOL §8).
    if (payload['v'] === 2 && payload['changes'] !== circle.changes.length) return refusal(409, 'changes_moved');
    circle.log.push(body['entry']);
    const epoch = payload['epoch'];
    if (typeof epoch === 'number') circle.epoch = epoch;
    circle.closed =
      payload['v'] === 2 && payload['op'] === 'leave' ? true : typeof epoch === 'number' ? false : circle.closed;
    circle.envelopes.push(...((body['key_envelopes'] as FakeCircle['envelopes']) ?? []));
    return json(200, {});
  }
  if (sub === '/keys') return json(200, { data: circle.envelopes.filter((e) => e.recipient === call.device) });
  if (sub === '/changes' && method === 'GET') {
    const since = Number(call.query.get('since') ?? 0);
    const limit = Number(call.query.get('limit') ?? 200);
    const rows = circle.changes.filter((c) => c.seq > since).slice(0, limit);
    const done = circle.changes.filter((c) => c.seq > since).length <= limit;
    const page = {
      data: rows.map(({ seq, change_id, envelope, pushed_by }) => ({ seq, change_id, envelope, pushed_by })),
      cursor: rows.at(-1)?.seq ?? since,
      done,
      circle: await counters(server, circle),
    };
    return json(200, server.rewritePage === undefined ? page : server.rewritePage(page));
  }
  if (sub === '/changes' && method === 'POST')
    return push(
      server,
      circle,
      body['changes'] as { change_id: string; base_seq: number | null; envelope: Change['envelope'] }[],
      call.device,
    );
  return refusal(404, 'not_found');
}

/** All or none, idempotent by change id, stale_epoch then stale_base, as the real service. */
function push(
  server: FakeServer,
  circle: FakeCircle,
  changes: { change_id: string; base_seq: number | null; envelope: Change['envelope'] }[],
  device: string | undefined,
): Response {
  const known = new Map(circle.changes.map((c) => [c.change_id, c.seq]));
  const fresh = changes.filter((c) => !known.has(c.change_id));
  if (fresh.some((c) => c.envelope.epoch !== circle.epoch || circle.closed === true))
    return refusal(409, 'stale_epoch');
  const latest = new Map<string, number>();
  for (const c of circle.changes) latest.set(c.record_id, c.seq);
  let next = circle.changes.length + 1;
  for (const c of fresh) {
    if ((latest.get(c.envelope.record_id) ?? null) !== c.base_seq) return refusal(409, 'stale_base');
    latest.set(c.envelope.record_id, next++);
  }
  for (const c of fresh) {
    const seq = circle.changes.length + 1;
    circle.changes.push({
      seq,
      change_id: c.change_id,
      record_id: c.envelope.record_id,
      envelope: c.envelope,
      pushed_by: device,
    });
    known.set(c.change_id, seq);
  }
  if (server.loseNextPushAnswer) {
    server.loseNextPushAnswer = false;
    throw new TypeError('the answer was lost');
  }
  return json(200, { seqs: changes.map((c) => known.get(c.change_id)) });
}

/** Invites and requests to join, as the real service keeps them (no proof checks: the app must make them). */
function inviteRoute(server: FakeServer, { method, path, body }: Call): Response | undefined {
  const parts = path.split('/').slice(2);
  if (parts[0] === 'circles' && parts[2] === 'invites' && method === 'POST') {
    const record = body['record'] as { invite_id: string };
    server.invites.set(record.invite_id, { circleId: parts[1] as string, record });
    return json(201, {});
  }
  if (parts[0] === 'circles' && parts[2] === 'invites' && method === 'DELETE') {
    if (!server.invites.delete(parts[3] as string)) return refusal(404, 'not_found');
    for (const request of server.requests.values())
      if (request.inviteId === parts[3] && request.status === 'pending') request.status = 'declined';
    return new Response(null, { status: 204 });
  }
  if (parts[0] === 'circles' && parts[2] === 'requests' && parts.length === 3) {
    const pending = [...server.requests].filter(([, r]) => r.circleId === parts[1] && r.status === 'pending');
    return json(200, {
      data: pending.map(([id, r]) => ({
        request_id: id,
        invite_id: r.inviteId,
        request: r.request,
        created_at: '2026-11-25T00:00:00Z',
      })),
    });
  }
  if (parts[0] === 'circles' && parts[2] === 'requests' && parts[4] === 'approve') {
    const request = server.requests.get(parts[3] as string);
    if (request !== undefined) request.status = 'approved';
    return undefined; // and the circle appends the entry, below
  }
  if (parts[0] === 'circles' && parts[2] === 'requests' && parts[4] === 'decline') {
    const request = server.requests.get(parts[3] as string);
    if (request === undefined || request.circleId !== parts[1]) return refusal(404, 'not_found');
    request.status = 'declined';
    return new Response(null, { status: 204 });
  }
  if (parts[0] === 'invites' && parts.length === 2) {
    const invite = server.invites.get(parts[1] as string);
    return invite === undefined ? refusal(404, 'not_found') : json(200, { invite_id: parts[1], record: invite.record });
  }
  if (parts[0] === 'invites' && parts[2] === 'requests') {
    const invite = server.invites.get(parts[1] as string);
    if (invite === undefined) return refusal(404, 'not_found');
    const id = b64u(randomBytes(16));
    server.requests.set(id, {
      circleId: invite.circleId,
      inviteId: parts[1] as string,
      request: body['request'],
      status: 'pending',
    });
    return json(201, { request_id: id, invite_id: parts[1], status: 'pending' });
  }
  if (parts[0] === 'requests') {
    const request = server.requests.get(parts[1] as string);
    return request === undefined
      ? refusal(404, 'not_found')
      : json(200, { request_id: parts[1], invite_id: request.inviteId, status: request.status });
  }
  return undefined;
}

/** The origin the engines under test make their links for. */
export const TEST_ORIGIN = 'https://app.test';

/**
 * An engine that syncs with `fetchImpl` only when asked: no window events, no timer, no live
 * stream, so a test decides every sync. `options` overrides any of it.
 */
export function quietEngine(session: EngineStore, fetchImpl: Fetch, options: Partial<SyncOptions> = {}): SyncEngine {
  return startSync({ session, fetchImpl, origin: TEST_ORIGIN, events: null, intervalMs: 0, live: false, ...options });
}
