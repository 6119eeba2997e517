import { describe, expect, it } from 'vitest';
import { generateDeviceKeys } from '../../crypto/identity';
import { newInviteSecret, sealInvite } from '../../crypto/invites';
import { randomBytes } from '../../crypto/primitives';
import { rewrapInvite } from '../../testing/crypto';
import { failureText } from '../../ui/failures';
import { failureStrings } from '../../ui/strings';
import { SyncError } from '../errors';
import { askToJoin } from './inviting';
import type { Caller } from './replica';

const BEFORE = new Date(Date.UTC(2026, 10, 25, 12));

describe('asking to join', () => {
  it('stops at an invite re-wrapped under another link, with its named problem, before sending anything', async () => {
    const admin = await generateDeviceKeys();
    const secret = newInviteSecret();
    const record = await sealInvite(admin, secret, randomBytes(16), randomBytes(32), new Date(Date.UTC(2026, 11, 1)));
    const holderSecret = newInviteSecret();
    const served = await rewrapInvite(record, secret, holderSecret);
    const sent: string[] = [];
    // The server answers GET /v1/invites/<id> with the re-wrapped record; nothing else may be asked.
    const api = {
      call: async (method: string, path: string) => {
        sent.push(`${method} ${path}`);
        return { record: served };
      },
    } as unknown as Caller;

    const failure = await askToJoin(api, { deviceKeys: await generateDeviceKeys() }, holderSecret, BEFORE).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as SyncError).code).toBe('invite_other_link');
    expect(failureText(failure)).toBe(failureStrings.inviteOtherLink);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^GET \/v1\/invites\//);
  });
});
