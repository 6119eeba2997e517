import type { ServerPublic } from '../../wire/types';
import { type Fetch, getJson } from './api';

/** What `GET /v1/server` says about the server. */
export type ServerInfo = ServerPublic;

/** Resolves with the server's description; rejects with an `ApiError` as `getJson` does. */
export function fetchServerInfo(fetchImpl?: Fetch): Promise<ServerInfo> {
  return getJson<ServerInfo>('/v1/server', fetchImpl);
}
