// The server is outside this module: a fake at the edge answers as the sync service does, and
// checks the device's signatures with the protocol's own verify function.
import { describe, expect, it } from 'vitest';
import { b64u, ctx, unb64u } from '../../crypto/encoding';
import { generateDeviceKeys, verifyIdentity } from '../../crypto/identity';
import { ed25519Verify, randomBytes } from '../../crypto/primitives';
import { SERVER_CHANGED } from '../errors';
import { ApiError, type Fetch } from './api';
import { Connection } from './connection';

interface FakeServer {
  fetch: Fetch;
  calls: string[];
  expireTokens(): void;
}

function fakeServer(serverId = b64u(randomBytes(16))): FakeServer {
  const devices = new Map<string, Uint8Array>();
  const challenges = new Map<string, string>();
  const tokens = new Set<string>();
  const calls: string[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch: Fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${input}`);
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    const token = new Headers(init?.headers).get('authorization')?.replace('Bearer ', '');
    if (input === '/v1/auth/token' && method === 'DELETE') return new Response(null, { status: 204 });
    if (input === '/v1/server') return json(200, { server_id: serverId, protocol_versions: [1] });
    if (input === '/v1/devices') {
      const identity = await verifyIdentity(body['identity']);
      devices.set(b64u(identity.deviceId), identity.signPub);
      return json(201, { device_id: b64u(identity.deviceId) });
    }
    if (input === '/v1/auth/challenge') {
      if (!devices.has(String(body['device_id']))) return json(404, { code: 'not_found', message: 'Register first.' });
      const challenge = b64u(randomBytes(32));
      challenges.set(challenge, String(body['device_id']));
      return json(200, { challenge, expires_at: '2026-11-25T00:00:00Z' });
    }
    if (input === '/v1/auth/token') {
      const deviceId = String(body['device_id']);
      const challenge = String(body['challenge']);
      if (challenges.get(challenge) !== deviceId)
        return json(401, { code: 'unauthorized', message: 'Unknown challenge.' });
      challenges.delete(challenge);
      const signed = ctx('support-circle/v1/auth', unb64u(serverId), unb64u(challenge));
      ed25519Verify(devices.get(deviceId) as Uint8Array, unb64u(String(body['signature'])), signed);
      const fresh = b64u(randomBytes(32));
      tokens.add(fresh);
      return json(200, { token: fresh, expires_at: '2026-11-25T01:00:00Z' });
    }
    if (token === undefined || !tokens.has(token))
      return json(401, { code: 'unauthorized', message: 'Sign in again.' });
    if (input === '/v1/circles') return json(200, { data: [] });
    return json(404, { code: 'not_found', message: 'Nothing here.' });
  };
  return { fetch, calls, expireTokens: () => tokens.clear() };
}

describe('Connection', () => {
  it('registers an unknown device by its keys, signs the challenge and calls with the token', async () => {
    const server = fakeServer();
    const connection = new Connection(await generateDeviceKeys(), { fetchImpl: server.fetch });
    expect(await connection.call('GET', '/v1/circles')).toEqual({ data: [] });
    expect(server.calls).toEqual([
      'GET /v1/server',
      'POST /v1/auth/challenge',
      'POST /v1/devices',
      'POST /v1/auth/challenge',
      'POST /v1/auth/token',
      'GET /v1/circles',
    ]);
  });

  it('signs in again by itself once a token has expired', async () => {
    const server = fakeServer();
    const connection = new Connection(await generateDeviceKeys(), { fetchImpl: server.fetch });
    await connection.call('GET', '/v1/circles');
    server.expireTokens();
    server.calls.length = 0;
    expect(await connection.call('GET', '/v1/circles')).toEqual({ data: [] });
    expect(server.calls).toEqual([
      'GET /v1/circles',
      'GET /v1/server',
      'POST /v1/auth/challenge',
      'POST /v1/auth/token',
      'GET /v1/circles',
    ]);
  });

  it('refuses a server that is not the one this device synced with, before sending anything', async () => {
    const server = fakeServer();
    const connection = new Connection(await generateDeviceKeys(), {
      fetchImpl: server.fetch,
      knownServerId: b64u(randomBytes(16)),
    });
    const error = await connection.call('GET', '/v1/circles').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(SERVER_CHANGED);
    expect(server.calls).toEqual(['GET /v1/server']);
  });

  it('passes on any other refusal with the server’s code', async () => {
    const server = fakeServer();
    const connection = new Connection(await generateDeviceKeys(), { fetchImpl: server.fetch });
    const error = await connection.call('GET', '/v1/nothing').catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('not_found');
  });
});
