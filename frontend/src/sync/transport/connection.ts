/**
 * A device's signed-in connection to its sync server (PROTOCOL.md §14): registers the device by
 * its public keys when the server does not know it, signs the server's one-time challenge, and
 * renews the short-lived token by itself. The token lives in memory only.
 */
import { signChallenge } from '../../crypto/auth';
import { b64u, unb64u } from '../../crypto/encoding';
import { type DeviceKeys, makeIdentity } from '../../crypto/identity';
import type { ChallengePublic, DevicePublic, ServerPublic, TokenPublic } from '../../wire/api';
import { SERVER_CHANGED } from '../errors';
import { ApiError, callApi, type Fetch, type Method } from './api';

export interface ConnectionOptions {
  /** The server id this device synced with before; another one is refused (`server_changed`). */
  readonly knownServerId?: string;
  /** Needed only when the server asks for one (`registration_code_required`). */
  readonly registrationCode?: string;
  readonly fetchImpl?: Fetch;
}

export class Connection {
  private token: string | undefined;
  private serverIdText: string | undefined;

  constructor(
    private readonly keys: DeviceKeys,
    private readonly options: ConnectionOptions = {},
  ) {
    this.serverIdText = options.knownServerId;
  }

  /** A connection for another identity this device holds (a recovery identity, §15), to the same server. */
  as(keys: DeviceKeys): Connection {
    const known = this.serverIdText !== undefined ? { knownServerId: this.serverIdText } : {};
    return new Connection(keys, { ...this.options, ...known });
  }

  /** The server's id once known: the app stores it so a replaced or restored server is noticed. */
  get serverId(): string | undefined {
    return this.serverIdText;
  }

  get deviceId(): string {
    return b64u(this.keys.public.deviceId);
  }

  /**
   * One authenticated call. Signs in first when there is no token, and once more when the server
   * says the token expired; any other refusal rejects with the server's `ApiError`.
   */
  async call<T>(
    method: Method,
    path: string,
    body?: unknown,
    query?: Readonly<Record<string, string | number>>,
  ): Promise<T> {
    if (this.token === undefined) await this.signIn();
    try {
      return await this.send<T>(method, path, body, query);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'unauthorized') throw error;
      await this.signIn();
      return this.send<T>(method, path, body, query);
    }
  }

  /** The current token, signing in first when needed (for the event stream, which is not a JSON call). */
  async bearer(): Promise<string> {
    if (this.token === undefined) await this.signIn();
    return this.token as string;
  }

  /** Forgets the token here and at the server. Never rejects: locking must not wait on a network. */
  async signOut(): Promise<void> {
    const token = this.token;
    this.token = undefined;
    if (token === undefined) return;
    await callApi('DELETE', '/v1/auth/token', { token, ...this.fetchOption() }).catch(() => undefined);
  }

  /**
   * Proves the device holds its signing key and takes a fresh token. A device the server does not
   * know yet is registered first, by its public identity alone.
   */
  async signIn(): Promise<void> {
    const server = await callApi<ServerPublic>('GET', '/v1/server', this.fetchOption());
    this.checkServer(server.server_id);
    const challenge = await this.challenge();
    const signature = signChallenge(this.keys, unb64u(server.server_id, 16), unb64u(challenge.challenge));
    const body = { device_id: this.deviceId, challenge: challenge.challenge, signature: b64u(signature) };
    const answer = await callApi<TokenPublic>('POST', '/v1/auth/token', { body, ...this.fetchOption() });
    this.token = answer.token;
  }

  private async challenge(): Promise<ChallengePublic> {
    const ask = () =>
      callApi<ChallengePublic>('POST', '/v1/auth/challenge', {
        body: { device_id: this.deviceId },
        ...this.fetchOption(),
      });
    try {
      return await ask();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      await this.register();
      return ask();
    }
  }

  private async register(): Promise<void> {
    const body: Record<string, unknown> = { identity: makeIdentity(this.keys) };
    if (this.options.registrationCode !== undefined) body['registration_code'] = this.options.registrationCode;
    await callApi<DevicePublic>('POST', '/v1/devices', { body, ...this.fetchOption() });
  }

  private checkServer(serverId: string): void {
    if (this.serverIdText !== undefined && this.serverIdText !== serverId) {
      throw new ApiError(0, SERVER_CHANGED, 'the server id is not the one this vault synced with');
    }
    this.serverIdText = serverId;
  }

  private send<T>(
    method: Method,
    path: string,
    body: unknown,
    query: Readonly<Record<string, string | number>> | undefined,
  ): Promise<T> {
    return callApi<T>(method, path, {
      body,
      token: this.token as string,
      ...(query ? { query } : {}),
      ...this.fetchOption(),
    });
  }

  private fetchOption(): { fetchImpl?: Fetch } {
    return this.options.fetchImpl ? { fetchImpl: this.options.fetchImpl } : {};
  }
}
