/**
 * Live updates: reads the server's event stream (`GET /v1/events`, Server-Sent Events) with
 * fetch(), so the bearer token travels in a header and never in a URL (an EventSource cannot set
 * one). The caller reconnects when `listen` resolves, and syncs then, because events may have
 * been missed while the stream was down.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { errorFrom, type Fetch, readJson } from './api';

/** What the server tells an open app; only opaque ids and counters. */
export type ServerEvent =
  | { readonly type: 'ready'; readonly keepaliveSeconds: number }
  | { readonly type: 'changes'; readonly circleId: string; readonly seq: number }
  | { readonly type: 'membership'; readonly circleId: string; readonly logSeq: number };

/**
 * Streams events to `onEvent` until the server ends the stream, the network drops, or `signal`
 * aborts. Rejects with an `ApiError` when the server refuses the stream (e.g. 401, 429); frames
 * it does not know are skipped, so a newer server does not break an older app.
 */
export async function listen(
  token: string,
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
  fetchImpl: Fetch = (i, r) => fetch(i, r),
): Promise<void> {
  const response = await fetchImpl('/v1/events', {
    headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` },
    credentials: 'same-origin',
    cache: 'no-store',
    signal,
  });
  if (!response.ok || response.body === null) throw errorFrom(response.status, await readJson(response));
  const frames = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = frames.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const event = toEvent(value.event, value.data);
      if (event) onEvent(event);
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    reader.releaseLock();
  }
}

function toEvent(name: string | undefined, data: string): ServerEvent | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { circle_id: circleId, seq, log_seq: logSeq, keepalive_seconds: keepalive } = fields;
  if (name === 'ready' && typeof keepalive === 'number') return { type: 'ready', keepaliveSeconds: keepalive };
  if (name === 'changes' && typeof circleId === 'string' && typeof seq === 'number')
    return { type: 'changes', circleId, seq };
  if (name === 'membership' && typeof circleId === 'string' && typeof logSeq === 'number')
    return { type: 'membership', circleId, logSeq };
  return undefined;
}
