/** Record envelopes (§7): padded, encrypted under the epoch's record key, signed inside by their author. */

import { recordKey } from './circleKeys';
import { b64u, bytesEqual, concat, ctx, ID_BYTES, u32, unb64u, unb64uId, VERSION } from './encoding';
import { ProtocolError } from './errors';
import type { DeviceKeys } from './identity';
import { dumpJson, expectInt, expectObject, expectString, isObject, type JsonObject } from './json';
import { pad, unpad } from './padding';
import { aeadOpen, aeadSeal, ed25519Sign, NONCE_BYTES, randomBytes, SIGNATURE_BYTES, TAG_BYTES } from './primitives';
import { parsePayload, signingInput, verifySignedBytes } from './signed';

/** Where a record lives and under which epoch it is written. */
export interface RecordRef {
  readonly circleId: Uint8Array;
  readonly recordId: Uint8Array;
  readonly epoch: number;
}

export type { RecordEnvelope } from '../wire/types';

import type { RecordEnvelope } from '../wire/types';

/** One revision's content: `body` null writes a tombstone. */
export interface RecordRevision {
  readonly changeId: Uint8Array;
  readonly hlc: string;
  readonly body: JsonObject | null;
}

/**
 * The `sign_pub` of a device that may have written under `epoch`: a member at some time during
 * that epoch by the verified log (membership's recordAuthors), or undefined.
 */
export type AuthorLookup = (deviceId: Uint8Array, epoch: number) => Uint8Array | undefined;

const SIGNATURE_END = ID_BYTES + SIGNATURE_BYTES;
/** The start of an hlc (§7); the rest is the author's device id as b64u. */
const HLC = /^[0-9]{13}-[0-9a-f]{4}-/;
const PAYLOAD_FIELDS = ['v', 'type', 'circle_id', 'record_id', 'epoch', 'change_id', 'author', 'hlc', 'deleted'];

function recordAad(ref: RecordRef): Uint8Array {
  return ctx('support-circle/v1/record', ref.circleId, ref.recordId, u32(ref.epoch));
}

/**
 * The hybrid logical clock text of §7: 13 digits of ms since the Unix epoch, 4 hex digits of
 * counter, and the device id, so revisions of one record order the same on every device.
 */
export function makeHlc(ms: number, counter: number, deviceId: Uint8Array): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= 1e13 || !Number.isInteger(counter) || counter < 0 || counter > 0xffff) {
    throw new RangeError('an hlc has 13 digits of ms and a 16-bit counter');
  }
  return `${String(ms).padStart(13, '0')}-${counter.toString(16).padStart(4, '0')}-${b64u(deviceId)}`;
}

/** Seals one revision, signed by `author`; `too_large` when the signed inner exceeds the largest bucket. */
export async function sealRecord(
  author: DeviceKeys,
  ref: RecordRef,
  epochKey: Uint8Array,
  revision: RecordRevision,
): Promise<RecordEnvelope> {
  if (!HLC.test(revision.hlc) || revision.hlc.slice(19) !== b64u(author.public.deviceId)) {
    throw new RangeError("an hlc is <13 digits>-<4 hex>-<the author's device id>: use makeHlc");
  }
  const payload: JsonObject = {
    v: VERSION,
    type: 'record',
    circle_id: b64u(ref.circleId),
    record_id: b64u(ref.recordId),
    epoch: ref.epoch,
    change_id: b64u(revision.changeId),
    author: b64u(author.public.deviceId),
    hlc: revision.hlc,
    deleted: revision.body === null,
  };
  if (revision.body !== null) payload['body'] = revision.body;
  const payloadBytes = dumpJson(payload);
  const inner = concat(
    author.public.deviceId,
    ed25519Sign(author.signSeed, signingInput('record', payloadBytes)),
    payloadBytes,
  );
  const nonce = randomBytes(NONCE_BYTES);
  const ct = await aeadSeal(await recordKey(epochKey, ref.circleId), nonce, pad(inner), recordAad(ref));
  return {
    v: VERSION,
    circle_id: b64u(ref.circleId),
    record_id: b64u(ref.recordId),
    epoch: ref.epoch,
    nonce: b64u(nonce),
    ct: b64u(ct),
  };
}

/**
 * §7 steps 1–3: the envelope's form, before its epoch is looked up anywhere.
 *
 * Contract: `unsupported_version` / `malformed` / `bad_encoding` for an envelope not of §7's
 * form (an `epoch` of 1.5, 1.0 or "1" is `malformed`: it names no epoch, so no rule about epochs
 * may read it); `truncated` for a nonce not 12 bytes or a ct under 16.
 */
export function parseEnvelope(envelope: unknown): { ref: RecordRef; nonce: Uint8Array; ct: Uint8Array } {
  const fields = expectObject(envelope, ['v', 'circle_id', 'record_id', 'epoch', 'nonce', 'ct']);
  const ref = {
    circleId: unb64uId(fields['circle_id']),
    recordId: unb64uId(fields['record_id']),
    epoch: expectInt(fields, 'epoch'),
  };
  const nonce = unb64u(fields['nonce']);
  const ct = unb64u(fields['ct']);
  if (nonce.length !== NONCE_BYTES || ct.length < TAG_BYTES) throw new ProtocolError('truncated');
  return { ref, nonce, ct };
}

/**
 * The verified payload of a record envelope, checked in the order of §7.
 *
 * `epochKeys` holds the epoch keys the verified log vouches for (opened with openKeyEnvelope);
 * `authors` gives the `sign_pub` of each device that was a member during an epoch (recordAuthors).
 *
 * Contract: `unsupported_version` / `malformed` / `bad_encoding` for an envelope not of §7's
 * form; `truncated` for a nonce not 12 bytes or a ct under 16; `unknown_epoch` without a key for
 * its epoch; `decrypt_failed` for any change or relabelling (id, circle, epoch); `bad_padding`;
 * `missing_signature` for an inner of 80 bytes or fewer; `unknown_author` for a signer who was
 * not a member during the envelope's epoch; `bad_signature`; then the payload's own failures (`malformed`,
 * `unsupported_version`, `wrong_type`, `context_mismatch` when its author is not the signer;
 * `malformed` for other members than §7's, a body present with `deleted: true` or missing without
 * it, or an `hlc` not of §7's form for this author; `context_mismatch` when its circle, record or
 * epoch are not the envelope's).
 */
export async function openRecord(
  envelope: unknown,
  epochKeys: ReadonlyMap<number, Uint8Array>,
  authors: AuthorLookup,
): Promise<JsonObject> {
  const { ref, nonce, ct } = parseEnvelope(envelope);
  const epochKey = epochKeys.get(ref.epoch);
  if (epochKey === undefined) throw new ProtocolError('unknown_epoch');
  const inner = unpad(await aeadOpen(await recordKey(epochKey, ref.circleId), nonce, ct, recordAad(ref)));
  if (inner.length <= SIGNATURE_END) throw new ProtocolError('missing_signature');
  const signer = inner.subarray(0, ID_BYTES);
  const payloadBytes = inner.subarray(SIGNATURE_END);
  const signPub = authors(signer, ref.epoch);
  if (signPub === undefined) throw new ProtocolError('unknown_author');
  verifySignedBytes('record', signPub, payloadBytes, inner.subarray(ID_BYTES, SIGNATURE_END));
  return checkPayload(parsePayload('record', payloadBytes, signer, 'author'), ref);
}

/**
 * §7: `<13 decimal digits>-<4 lower-case hex digits>-<author>`, where `<author>` is the payload's
 * own `author` text; anything else is `malformed`.
 */
function checkHlc(hlc: string, author: string): void {
  if (!HLC.test(hlc) || hlc.slice(19) !== author)
    throw new ProtocolError('malformed', 'hlc is <13 digits>-<4 hex>-<author>');
}

function checkPayload(payload: JsonObject, ref: RecordRef): JsonObject {
  const deleted = payload['deleted'];
  expectObject(payload, PAYLOAD_FIELDS, deleted === true ? [] : ['body']);
  if (deleted !== true && (deleted !== false || !isObject(payload['body']))) {
    throw new ProtocolError('malformed', 'a record has a body unless it is deleted');
  }
  unb64uId(payload['change_id']);
  checkHlc(expectString(payload, 'hlc'), expectString(payload, 'author'));
  const signed = {
    circleId: unb64uId(payload['circle_id']),
    recordId: unb64uId(payload['record_id']),
    epoch: expectInt(payload, 'epoch'),
  };
  if (
    !bytesEqual(signed.circleId, ref.circleId) ||
    !bytesEqual(signed.recordId, ref.recordId) ||
    signed.epoch !== ref.epoch
  ) {
    throw new ProtocolError('context_mismatch', 'the signed ids or epoch differ from the envelope');
  }
  return payload;
}
