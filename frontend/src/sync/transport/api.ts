export type { ErrorBody } from '../../wire/types';

import type { ErrorBody } from '../../wire/types';
import { BAD_RESPONSE, NETWORK_UNREACHABLE } from '../errors';

/**
 * A failed call to the sync server: the HTTP `status` (0 when no answer came) and a stable `code`,
 * the server's own or one made on this side (sync/errors.ts). The server's `message` is not kept:
 * the server may be hostile, and the UI says the code in its own words. `detail`, written on this
 * side, is for a report and never shown.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail = '',
  ) {
    super(detail === '' ? `${status} ${code}` : `${status} ${code}: ${detail}`);
    this.name = 'ApiError';
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Requests whose body is at most this size go with `keepalive`, so one already sent when the
 * person locks or leaves (quick exit) still reaches the server. Browsers allow 64 KiB of
 * keepalive bodies in flight per page and fail a request past that; the engine sends one
 * request at a time, so half of it leaves room for a sign-out beside a push.
 */
const KEEPALIVE_MAX_BYTES = 32 * 1024;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a call sends besides its method and path. */
export interface CallOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly fetchImpl?: Fetch;
}

/**
 * Calls the app's own sync server and resolves with the JSON it answers (undefined for 204).
 *
 * Contract: `path` must be absolute on this origin (starts with a single `/`), so nothing is ever
 * sent to another origin. The bearer token travels only in the Authorization header, never in a
 * URL. On anything but 2xx it rejects with an `ApiError`: the server's own code (never its
 * message); `network_unreachable` when no answer came; or `bad_response` when the answer was not
 * the JSON the server always sends.
 */
export async function callApi<T>(method: Method, path: string, options: CallOptions = {}): Promise<T> {
  if (!path.startsWith('/') || path.startsWith('//')) {
    throw new TypeError(`callApi takes a path on this origin, not ${path}`);
  }
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const query = options.query
    ? `?${new URLSearchParams(Object.entries(options.query).map(([k, v]) => [k, String(v)]))}`
    : '';
  const fetchImpl = options.fetchImpl ?? ((i, r) => fetch(i, r));
  let response: Response;
  try {
    const body = options.body === undefined ? null : JSON.stringify(options.body);
    const keepalive = body === null || new TextEncoder().encode(body).length <= KEEPALIVE_MAX_BYTES;
    response = await fetchImpl(path + query, {
      method,
      headers,
      body,
      keepalive,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, NETWORK_UNREACHABLE);
  }
  if (response.status === 204) return undefined as T;
  const body = await readJson(response);
  if (response.ok && body !== undefined) {
    return body as T;
  }
  throw errorFrom(response.status, body);
}

/** GETs a JSON resource from this app's own server; see `callApi`. */
export function getJson<T>(path: string, fetchImpl?: Fetch): Promise<T> {
  return callApi<T>('GET', path, fetchImpl ? { fetchImpl } : {});
}

/** The `ApiError` for a non-2xx answer whose body was `body`: its code only, never its message. */
export function errorFrom(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(status, body.code);
  return new ApiError(status, BAD_RESPONSE, 'not an error body');
}

export async function readJson(response: Response): Promise<unknown> {
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) {
    return undefined;
  }
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string';
}
