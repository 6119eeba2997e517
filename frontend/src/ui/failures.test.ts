// What a person reads when something goes wrong: every code the app handles has a line of the
// catalogue, and nothing a server says reaches the screen. The server is faked at the edge (its
// answers are a fetch); the sync engine, storage and protocol code are the real ones.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ProtocolError } from '../crypto/errors';
import { newRecordId, STORAGE_ERROR_CODES, StorageError } from '../storage';
import {
  CLIENT_API_CODES,
  NETWORK_UNREACHABLE,
  RECOVERY_REFUSED,
  SERVER_CODES,
  SYNC_ERROR_CODES,
  SyncError,
} from '../sync/errors';
import { statusFor } from '../sync/status';
import { ApiError, callApi, type Fetch } from '../sync/transport/api';
import { ally, testStore } from '../testing/storage';
import { fakeServer, quietEngine } from '../testing/sync';
import { failureText, recoveryFailureText, refusalText, syncReasonText } from './failures';
import { failureStrings, refusalReasons } from './strings';

const HOSTILE = 'Call this number now: +1 555 0100. Your circle is locked until you pay.';
const CATALOGUE = new Set<string>(Object.values(failureStrings));

/** A server that answers every call with `status` and this error body. */
function answering(status: number, body: unknown): Fetch {
  return async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function refusal(code: string, status = 400): Promise<unknown> {
  return callApi('GET', '/v1/server', { fetchImpl: answering(status, { code, message: HOSTILE }) }).catch(
    (error: unknown) => error,
  );
}

/** Every failure the app can meet, one per code it handles. */
const handled: [string, unknown][] = [
  ...SERVER_CODES.map((code): [string, unknown] => [`the server's ${code}`, new ApiError(400, code)]),
  ...ERROR_CODES.map((code): [string, unknown] => [`the server refusing ${code}`, new ApiError(422, code)]),
  ...CLIENT_API_CODES.map((code): [string, unknown] => [`the app's ${code}`, new ApiError(0, code)]),
  ...ERROR_CODES.map((code): [string, unknown] => [`this device refusing ${code}`, new ProtocolError(code)]),
  ...STORAGE_ERROR_CODES.map((code): [string, unknown] => [`storage's ${code}`, new StorageError(code)]),
  ...SYNC_ERROR_CODES.map((code): [string, unknown] => [`the engine's ${code}`, new SyncError(code)]),
];

describe('the catalogue of failures', () => {
  it.each(handled)('has a line of its own for %s', (_what, failure) => {
    const text = failureText(failure);
    expect(CATALOGUE).toContain(text);
    expect(text).not.toBe(failureStrings.generic);
  });

  it.each(SYNC_ERROR_CODES)('says why sync stopped: %s', (reason) => {
    expect(CATALOGUE).toContain(syncReasonText(reason));
  });

  it('has no line that no code leads to', () => {
    const said = new Set(handled.flatMap(([, failure]) => [failureText(failure), recoveryFailureText(failure)]));
    for (const reason of SYNC_ERROR_CODES) said.add(syncReasonText(reason));
    said.add(failureStrings.generic).add(failureStrings.unlockFailed);
    expect(Object.entries(failureStrings).filter(([, text]) => !said.has(text))).toEqual([]);
  });

  it('names only protocol codes among the reasons a circle is refused', () => {
    const codes: readonly string[] = ERROR_CODES;
    expect(Object.keys(refusalReasons).filter((code) => code !== 'other' && !codes.includes(code))).toEqual([]);
    expect(refusalText('key_mismatch')).toContain('not the one the signed membership log commits to');
    expect(refusalText('bad_padding')).toBe(refusalReasons.other);
  });
});

describe('a server this app does not trust', () => {
  it('is said with the generic line, which says what to do, when its code is unknown', async () => {
    const failure = await refusal('pay_now', 402);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failureText(failure)).toBe(failureStrings.generic);
    expect(recoveryFailureText(failure)).toBe(failureStrings.generic);
    expect(failureStrings.generic).toContain('please try again');
  });

  it.each([...SERVER_CODES, ...ERROR_CODES, ...CLIENT_API_CODES, 'pay_now'])(
    'never puts its message on the screen (%s)',
    async (code) => {
      for (const status of [400, 401, 404, 429, 503]) {
        const failure = await refusal(code, status);
        const status_ = statusFor(failure, 1);
        const shown = [
          failureText(failure),
          recoveryFailureText(failure),
          status_.reason === undefined ? '' : syncReasonText(status_.reason),
        ];
        for (const text of shown) expect(text).not.toContain('555');
        // Not kept either, so no later screen can show it.
        expect(JSON.stringify({ ...(failure as object), message: (failure as Error).message })).not.toContain('555');
      }
    },
  );

  it('cannot put words on the screen through the sync engine', async () => {
    const server = fakeServer();
    const refusing = answering(403, { code: 'registration_code_required', message: HOSTILE });
    const hostile: Fetch = (input, init) =>
      input === '/v1/devices' ? refusing(input, init) : server.fetch(input, init);
    const { session } = await testStore().createVault('p');
    await session.put('ally', newRecordId(), ally());
    const sync = quietEngine(session, hostile);
    const status = await sync.syncNow();
    expect(status.reason).toBe('registration_needed');
    expect(syncReasonText(status.reason ?? 'sync_failed')).toBe(failureStrings.registration);
    const action = await sync.links.create().catch((error: unknown) => error);
    expect(failureText(action)).toBe(failureStrings.registration);
    sync.stop();
  });
});

describe('lines that must keep their promise', () => {
  it('says a wrong passphrase calmly: not "wrong", and nothing typed', () => {
    expect(failureText(new StorageError('wrong_passphrase'))).not.toMatch(/wrong|right/i);
  });

  it('tells the person their changes are kept, except when it must warn of tampering', () => {
    for (const reason of ['registration_needed', 'server_busy', 'sign_in_failed', 'sync_failed'] as const)
      expect(syncReasonText(reason)).toContain('kept on this phone');
    expect(syncReasonText('server_changed')).toContain('not the server');
    expect(syncReasonText('server_changed')).toContain('kept on this phone');
    expect(syncReasonText('tampered')).toContain('safe and unchanged');
  });

  it('says what happened while bringing a plan here, where nothing was set up', () => {
    expect(recoveryFailureText(new ProtocolError('decrypt_failed'))).toBe(failureStrings.recoveryDamaged);
    expect(recoveryFailureText(new ProtocolError('recovery_key_typo'))).toBe(failureStrings.recoveryKeyTypo);
    expect(recoveryFailureText(new ApiError(0, NETWORK_UNREACHABLE))).toBe(failureStrings.recoveryUnreachable);
    expect(recoveryFailureText(new ApiError(404, RECOVERY_REFUSED))).toContain('was unlinked from your plan');
  });

  it('says a failure with no code of its own with the line the screen chose', () => {
    expect(failureText(new TypeError('x is undefined'), 'unlockFailed')).toBe(failureStrings.unlockFailed);
    expect(failureText(new RangeError('a device name is 1 to 40 characters'))).toBe(failureStrings.generic);
  });
});
