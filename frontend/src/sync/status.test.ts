import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../crypto/errors';
import { StorageError } from '../storage';
import { NETWORK_UNREACHABLE, SERVER_CHANGED, SyncError } from './errors';
import { statusFor } from './status';
import { ApiError } from './transport/api';

describe('why a sync failed, as a code', () => {
  it.each([
    [new ApiError(403, 'registration_code_required'), 'registration_needed'],
    [new ApiError(403, 'invalid_registration_code'), 'registration_needed'],
    [new ApiError(429, 'rate_limited'), 'server_busy'],
    [new ApiError(503, 'service_unavailable'), 'server_busy'],
    [new ApiError(502, 'a_code_this_app_does_not_know'), 'server_busy'],
    [new ApiError(401, 'unauthorized'), 'sign_in_failed'],
    [new ApiError(0, SERVER_CHANGED), 'server_changed'],
    [new ApiError(400, 'a_code_this_app_does_not_know'), 'sync_failed'],
    [new ProtocolError('rolled_back', 'the server rolled back'), 'tampered'],
    [new ProtocolError('key_mismatch'), 'tampered'],
    [new ProtocolError('withheld', 'a revision of a device was not passed on'), 'withheld'],
    [new SyncError('waiting_for_approval'), 'waiting_for_approval'],
    [new StorageError('damaged'), 'sync_failed'],
    [new Error('anything else'), 'sync_failed'],
  ])('%s', (error, reason) => {
    expect(statusFor(error, 3)).toMatchObject({ state: 'error', reason, waiting: 3 });
  });

  it('offline is a state, not a reason: the status line says it once, with what waits', () => {
    expect(statusFor(new ApiError(0, NETWORK_UNREACHABLE), 2)).toMatchObject({ state: 'offline', waiting: 2 });
    expect(statusFor(new ApiError(0, NETWORK_UNREACHABLE), 2)).not.toHaveProperty('reason');
  });

  it('keeps the technical reason for a report', () => {
    expect(statusFor(new ProtocolError('key_mismatch', 'epoch 3'), 0).detail).toBe('key_mismatch: epoch 3');
    expect(statusFor(new StorageError('damaged'), 0).detail).toBe('damaged');
  });
});
