export type { ErrorBody } from '../wire/types';
import type { ErrorBody } from '../wire/types';

/** A failed call to the sync server, with the server's stable `code` and a message a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Codes made on this side, when the server gave no usable answer. */
export const NETWORK_UNREACHABLE = 'network_unreachable';
export const BAD_RESPONSE = 'bad_response';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * GETs a JSON resource from this app's own server.
 *
 * Contract: `path` must be absolute on this origin (starts with a single `/`), so nothing is ever
 * sent to another origin. Resolves with the parsed body on 2xx. Otherwise rejects with an
 * `ApiError`: the server's own code and message; `network_unreachable` when no answer came; or
 * `bad_response` when the answer was not the JSON the server always sends.
 */
export async function getJson<T>(path: string, fetchImpl: Fetch = (i, r) => fetch(i, r)): Promise<T> {
  if (!path.startsWith('/') || path.startsWith('//')) {
    throw new TypeError(`getJson takes a path on this origin, not ${path}`);
  }
  let response: Response;
  try {
    response = await fetchImpl(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, NETWORK_UNREACHABLE, 'The server cannot be reached. Your changes stay on this device.');
  }
  const body = await readJson(response);
  if (response.ok && body !== undefined) {
    return body as T;
  }
  if (isErrorBody(body)) {
    throw new ApiError(response.status, body.code, body.message);
  }
  throw new ApiError(response.status, BAD_RESPONSE, 'The server gave an answer the app does not understand.');
}

async function readJson(response: Response): Promise<unknown> {
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
