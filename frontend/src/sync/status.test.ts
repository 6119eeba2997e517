import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../crypto/errors';
import { StorageError } from '../storage';
import { ApiError, NETWORK_UNREACHABLE } from './api';
import { SERVER_CHANGED } from './connection';
import { MESSAGES, statusFor } from './status';

describe('sync failures in plain words', () => {
  it.each([
    [new ApiError(403, 'registration_code_required', 'x'), 'error', MESSAGES.registration],
    [new ApiError(403, 'invalid_registration_code', 'x'), 'error', MESSAGES.registration],
    [new ApiError(429, 'rate_limited', 'x'), 'error', MESSAGES.busy],
    [new ApiError(503, 'service_unavailable', 'x'), 'error', MESSAGES.busy],
    [new ApiError(401, 'unauthorized', 'x'), 'error', MESSAGES.signIn],
    [new ProtocolError('rolled_back', 'the server rolled back'), 'error', MESSAGES.tampered],
    [new ProtocolError('key_mismatch'), 'error', MESSAGES.tampered],
    [new StorageError('damaged'), 'error', MESSAGES.failed],
    [new Error('anything else'), 'error', MESSAGES.failed],
  ])('%s', (error, state, message) => {
    expect(statusFor(error, 3)).toMatchObject({ state, message, waiting: 3 });
  });

  it('offline is a state, not a message: the status line says it once, with what waits', () => {
    expect(statusFor(new ApiError(0, NETWORK_UNREACHABLE, 'x'), 2)).toMatchObject({ state: 'offline', waiting: 2 });
    expect(statusFor(new ApiError(0, NETWORK_UNREACHABLE, 'x'), 2)).not.toHaveProperty('message');
  });

  it('says a replaced server was refused and the changes are kept', () => {
    const status = statusFor(
      new ApiError(0, SERVER_CHANGED, 'This is not the server this device synced with before.'),
      1,
    );
    expect(status.message).toContain('not the server');
    expect(status.message).toContain('kept on this phone');
  });

  it('always tells the person their changes are kept, except when it must warn of tampering', () => {
    for (const message of [MESSAGES.registration, MESSAGES.busy, MESSAGES.signIn, MESSAGES.failed])
      expect(message).toContain('kept on this phone');
    expect(MESSAGES.tampered).toContain('safe and unchanged');
  });
});
