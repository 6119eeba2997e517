import { describe, expect, it } from 'vitest';
import { BAD_RESPONSE, NETWORK_UNREACHABLE } from '../errors';
import { ApiError, callApi, type Fetch, getJson } from './api';

// A fake at the edge: the network is outside this module, so each test answers as a server would.
function answering(status: number, body: string, contentType = 'application/json'): Fetch {
  return async () => new Response(body, { status, headers: { 'content-type': contentType } });
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('callApi keepalive', () => {
  // A request already sent when the person locks or leaves must still arrive; browsers refuse
  // keepalive bodies past 64 KiB in flight, so a large one goes without it rather than fail.
  it('sends small requests with keepalive and large ones without', async () => {
    const seen: boolean[] = [];
    const fetchImpl: Fetch = async (_input, init) => {
      seen.push(init?.keepalive === true);
      return new Response(null, { status: 204 });
    };
    await callApi('POST', '/v1/x', { body: { words: 'a'.repeat(100) }, fetchImpl });
    await callApi('POST', '/v1/x', { body: { words: 'a'.repeat(40_000) }, fetchImpl });
    await callApi('DELETE', '/v1/x', { fetchImpl });
    expect(seen).toEqual([true, false, true]);
  });
});

describe('getJson', () => {
  it('resolves with the parsed body of a 2xx answer', async () => {
    const body = await getJson('/v1/server', answering(200, '{"server_id":"abc","protocol_versions":[1]}'));
    expect(body).toEqual({ server_id: 'abc', protocol_versions: [1] });
  });

  it("rejects with the server's own code, and never keeps its message", async () => {
    const error = await rejection(
      getJson('/v1/nope', answering(404, '{"code":"not_found","message":"Nothing here."}')),
    );
    expect([error.status, error.code]).toEqual([404, 'not_found']);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('Nothing here');
  });

  it('names a network failure plainly', async () => {
    const error = await rejection(
      getJson('/v1/server', async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    expect([error.status, error.code]).toEqual([0, NETWORK_UNREACHABLE]);
  });

  it.each([
    ['HTML from a captive portal', answering(200, '<html>Sign in to Wi-Fi</html>', 'text/html')],
    ['broken JSON', answering(200, '{"server_id":')],
    ['an error without code', answering(500, '{"detail":"boom"}')],
  ])('rejects %s as bad_response', async (_what, fetchImpl) => {
    const error = await rejection(getJson('/v1/server', fetchImpl));
    expect(error.code).toBe(BAD_RESPONSE);
  });

  it.each(['https://elsewhere.example.org/v1/server', '//elsewhere.example.org/x', 'v1/server'])(
    'refuses %s, which is not a path on this origin',
    async (path) => {
      let called = false;
      const spy: Fetch = async () => {
        called = true;
        return new Response('{}');
      };
      await expect(getJson(path, spy)).rejects.toThrow(TypeError);
      expect(called).toBe(false);
    },
  );
});
