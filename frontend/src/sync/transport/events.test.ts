// The server is outside this module: each test streams the frames the sync service sends.
import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch } from './api';
import { listen, type ServerEvent } from './events';

function streaming(chunks: string[], status = 200): { fetch: Fetch; headers: Headers[] } {
  const headers: Headers[] = [];
  const fetch: Fetch = async (_input, init) => {
    headers.push(new Headers(init?.headers));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    return new Response(status === 200 ? body : chunks.join(''), {
      status,
      headers: { 'content-type': status === 200 ? 'text/event-stream' : 'application/json' },
    });
  };
  return { fetch, headers };
}

describe('listen', () => {
  it('turns frames into events, across chunk boundaries, skipping comments and unknown frames', async () => {
    const { fetch, headers } = streaming([
      'event: ready\ndata: {"keepalive_seconds":15}\n\n: keepalive\n\n',
      'event: changes\ndata: {"circle_id":"abc","se',
      'q":7}\n\nevent: future\ndata: {}\n\nevent: membership\ndata: {"circle_id":"abc","log_seq":2}\n\n',
    ]);
    const events: ServerEvent[] = [];
    await listen('secret-token', (e) => events.push(e), new AbortController().signal, fetch);
    expect(events).toEqual([
      { type: 'ready', keepaliveSeconds: 15 },
      { type: 'changes', circleId: 'abc', seq: 7 },
      { type: 'membership', circleId: 'abc', logSeq: 2 },
    ]);
    expect(headers[0]?.get('authorization')).toBe('Bearer secret-token');
  });

  it('rejects with the server’s refusal', async () => {
    const { fetch } = streaming(['{"code":"too_many_streams","message":"Close another window."}'], 429);
    const error = await listen('t', () => undefined, new AbortController().signal, fetch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('too_many_streams');
  });
});
