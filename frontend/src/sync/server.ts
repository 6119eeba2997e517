import { getJson, type Fetch } from './api';

/** What `GET /v1/server` says about the server (backend/support_circle/api/server.py). */
export interface ServerInfo {
  server_id: string;
  protocol_versions: number[];
}

/** Resolves with the server's description; rejects with an `ApiError` as `getJson` does. */
export function fetchServerInfo(fetchImpl?: Fetch): Promise<ServerInfo> {
  return getJson<ServerInfo>('/v1/server', fetchImpl);
}
