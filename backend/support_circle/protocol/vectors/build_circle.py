"""Vectors for circles: epoch keys, key envelopes, records, the membership log and invites."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from support_circle.protocol import circle_keys, invites, membership, primitives, records, signed
from support_circle.protocol.encoding import b64u, ctx, dump_json, parse_json, u32, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.padding import pad
from support_circle.protocol.records import RecordRef
from support_circle.protocol.vectors import build_any_admin, build_invites, build_log_rules
from support_circle.protocol.vectors.making import changed, flip, group_file, substream, vector
from support_circle.protocol.vectors.runner import state_outputs

Files = dict[str, dict[str, Any]]
HLC = "1795651200000-0000-"


def key_derivation() -> dict[str, Any]:
    circle_id, key = primitives.random_bytes(16), circle_keys.new_epoch_key()
    return group_file(
        "key_derivation",
        "Keys derived from an epoch key (§6).",
        [
            vector(
                "derive",
                "record key and commitment",
                circle_id=b64u(circle_id),
                epoch_key=b64u(key),
                record_key=b64u(circle_keys.record_key(key, circle_id)),
                key_commitment=b64u(circle_keys.key_commitment(key, circle_id)),
            )
        ],
    )


def key_envelopes() -> dict[str, Any]:
    member, stranger = DeviceKeys.generate(), DeviceKeys.generate()
    circle_id, key, forged = primitives.random_bytes(16), circle_keys.new_epoch_key(), circle_keys.new_epoch_key()
    envelope = circle_keys.seal_key_envelope(circle_id, 2, member.public, key)
    commitments = {"2": b64u(circle_keys.key_commitment(key, circle_id))}
    base = {"recipient_device_id": b64u(member.device_id), "recipient_kem_private": b64u(member.kem_private)}
    return group_file(
        "key_envelope",
        "Epoch keys sealed to one member with HPKE, checked against the log's commitment (§6).",
        [
            vector(
                "open", "sealed to this device", envelope=envelope, commitments=commitments, epoch_key=b64u(key), **base
            ),
            vector(
                "forged key",
                "a key the server sealed itself",
                "key_mismatch",
                envelope=circle_keys.seal_key_envelope(circle_id, 2, member.public, forged),
                commitments=commitments,
                **base,
            ),
            vector(
                "epoch not in log",
                "no commitment for epoch 2",
                "unknown_epoch",
                envelope=envelope,
                commitments={"1": commitments["2"]},
                **base,
            ),
            vector(
                "other epoch",
                "the envelope relabelled as epoch 3",
                "decrypt_failed",
                envelope=changed(envelope, epoch=3),
                commitments={"3": commitments["2"]},
                **base,
            ),
            vector(
                "other recipient",
                "a device opening what was sealed to another",
                "context_mismatch",
                envelope=envelope,
                commitments=commitments,
                recipient_device_id=b64u(stranger.device_id),
                recipient_kem_private=b64u(stranger.kem_private),
            ),
            vector(
                "flipped",
                "one bit of the sealed key",
                "decrypt_failed",
                envelope=changed(envelope, sealed=flip(envelope["sealed"])),
                commitments=commitments,
                **base,
            ),
            vector(
                "truncated",
                "20 bytes",
                "truncated",
                envelope=changed(envelope, sealed=b64u(bytes(20))),
                commitments=commitments,
                **base,
            ),
            *(
                vector(
                    name,
                    comment,
                    expect,
                    envelope=changed(envelope, sealed=b64u(data)),
                    commitments=commitments,
                    **base,
                )
                for name, comment, expect, data in _sealed_sizes(unb64u(envelope["sealed"]))
            ),
            vector(
                "low-order enc",
                "80 bytes whose enc is the all-zero X25519 key: HPKE refuses the shared secret",
                "decrypt_failed",
                envelope=changed(envelope, sealed=b64u(bytes(32) + unb64u(envelope["sealed"])[32:])),
                commitments=commitments,
                **base,
            ),
            vector(
                "future version",
                "v=2",
                "unsupported_version",
                envelope=changed(envelope, v=2),
                commitments=commitments,
                **base,
            ),
            vector(
                "extra member",
                "a sender member the envelope does not define",
                "malformed",
                envelope=changed(envelope, sender=envelope["recipient"]),
                commitments=commitments,
                **base,
            ),
            vector(
                "epoch as a string",
                'epoch written "2"',
                "malformed",
                envelope=changed(envelope, epoch="2"),
                commitments=commitments,
                **base,
            ),
            vector(
                "epoch beyond u32",
                "epoch 2^32, which u32() cannot write",
                "malformed",
                envelope=changed(envelope, epoch=2**32),
                commitments=commitments,
                **base,
            ),
            vector(
                "short circle id",
                "15 bytes",
                "bad_encoding",
                envelope=changed(envelope, circle_id=b64u(bytes(15))),
                commitments=commitments,
                **base,
            ),
            vector(
                "sealed not base64url",
                "padding in sealed",
                "bad_encoding",
                envelope=changed(envelope, sealed=envelope["sealed"] + "="),
                commitments=commitments,
                **base,
            ),
            # The order (§6): the first check that fails names the error.
            vector(
                "epoch before encodings",
                'epoch "2" and a 15-byte circle id',
                "malformed",
                envelope=changed(envelope, epoch="2", circle_id=b64u(bytes(15))),
                commitments=commitments,
                **base,
            ),
            vector(
                "encodings before the recipient",
                "sealed not base64url, opened by another device",
                "bad_encoding",
                envelope=changed(envelope, sealed=envelope["sealed"] + "="),
                commitments=commitments,
                recipient_device_id=b64u(stranger.device_id),
                recipient_kem_private=b64u(stranger.kem_private),
            ),
            vector(
                "recipient before size",
                "81 sealed bytes, opened by another device",
                "context_mismatch",
                envelope=changed(envelope, sealed=b64u(unb64u(envelope["sealed"]) + b"\x00")),
                commitments=commitments,
                recipient_device_id=b64u(stranger.device_id),
                recipient_kem_private=b64u(stranger.kem_private),
            ),
            vector(
                "size before the log",
                "81 sealed bytes, for an epoch the log does not hold",
                "malformed",
                envelope=changed(envelope, sealed=b64u(unb64u(envelope["sealed"]) + b"\x00")),
                commitments={"1": commitments["2"]},
                **base,
            ),
        ],
    )


def _sealed_sizes(sealed: bytes) -> list[tuple[str, str, str, bytes]]:
    """``sealed`` is exactly 80 bytes (§6): shorter is truncated, longer malformed, before HPKE runs."""
    return [
        ("empty sealed", "0 bytes", "truncated", b""),
        ("sealed of 48 bytes", "an enc and a tag, no key", "truncated", sealed[:48]),
        ("sealed of 79 bytes", "the last byte cut", "truncated", sealed[:79]),
        ("sealed of 81 bytes", "a zero byte appended", "malformed", sealed + b"\x00"),
        ("sealed of 160 bytes", "the envelope's sealed bytes twice", "malformed", sealed + sealed),
    ]


def _raw_record(ref: RecordRef, key: bytes, inner: bytes, padded: bool = True) -> dict[str, Any]:
    """An envelope around arbitrary inner bytes: how a member (who has the key) could make one."""
    nonce = primitives.random_bytes(12)
    aad = ctx("support-circle/v1/record", ref.circle_id, ref.record_id, u32(ref.epoch))
    ct = primitives.aead_seal(circle_keys.record_key(key, ref.circle_id), nonce, pad(inner) if padded else inner, aad)
    return {
        "v": 1,
        "circle_id": b64u(ref.circle_id),
        "record_id": b64u(ref.record_id),
        "epoch": ref.epoch,
        "nonce": b64u(nonce),
        "ct": b64u(ct),
    }


def _signed_inner(author: DeviceKeys, payload: dict[str, Any], sign_as: DeviceKeys | None = None) -> bytes:
    payload_bytes = dump_json(payload)
    signature = primitives.ed25519_sign((sign_as or author).sign_seed, signed.signing_input("record", payload_bytes))
    return author.device_id + signature + payload_bytes


def records_vectors() -> dict[str, Any]:
    alice, bo, outsider = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
    circle_id, other_circle = primitives.random_bytes(16), primitives.random_bytes(16)
    keys = {1: circle_keys.new_epoch_key(), 2: circle_keys.new_epoch_key()}
    ref = RecordRef(circle_id, primitives.random_bytes(16), 2)
    change = primitives.random_bytes(16)
    body = {"kind": "note", "title": "Tonight", "text": "Checked in with Mere — she is safe tonight."}
    note = records.seal_record(alice, ref, keys[2], change_id=change, hlc=HLC + b64u(alice.device_id), body=body)
    tomb_ref = RecordRef(circle_id, primitives.random_bytes(16), 2)
    tombstone = records.seal_record(bo, tomb_ref, keys[2], change_id=change, hlc=HLC + b64u(bo.device_id), body=None)
    payload = _payload(alice, ref, change, body)
    with substream("record/epoch-members"):
        # Cy was removed by the entry that began epoch 2; Dee was added during it.
        cy, dee = DeviceKeys.generate(), DeviceKeys.generate()
    during = {1: [alice, bo, cy], 2: [alice, bo, dee]}
    base: dict[str, Any] = {
        "epoch_keys": {str(e): b64u(k) for e, k in keys.items()},
        "members": [alice.identity(), bo.identity(), cy.identity(), dee.identity()],
        "epoch_members": {str(e): sorted(b64u(d.device_id) for d in ds) for e, ds in during.items()},
    }
    moved_id = changed(note, record_id=b64u(primitives.random_bytes(16)))
    elsewhere = _raw_record(
        RecordRef(circle_id, primitives.random_bytes(16), 2),
        keys[2],
        _signed_inner(bo, _payload(bo, ref, change, body)),
    )
    return group_file(
        "record",
        "Record envelopes (§7): encrypted, padded, signed inside by their author.",
        [
            vector("note", "a member's note", envelope=note, payload=payload, **base),
            vector(
                "tombstone",
                "a deleted record has no body",
                envelope=tombstone,
                payload=_payload(bo, tomb_ref, change, None),
                **base,
            ),
            vector(
                "flipped bit",
                "one bit of the ciphertext",
                "decrypt_failed",
                envelope=changed(note, ct=flip(note["ct"], 5)),
                **base,
            ),
            vector(
                "moved to another id", "the server relabels the record", "decrypt_failed", envelope=moved_id, **base
            ),
            vector(
                "moved to another circle",
                "the server relabels the circle",
                "decrypt_failed",
                envelope=changed(note, circle_id=b64u(other_circle)),
                **base,
            ),
            vector(
                "wrong epoch",
                "relabelled as epoch 1, whose key the reader has",
                "decrypt_failed",
                envelope=changed(note, epoch=1),
                **base,
            ),
            vector(
                "unknown epoch",
                "an epoch the reader has no key for",
                "unknown_epoch",
                envelope=changed(note, epoch=7),
                **base,
            ),
            vector(
                "author not a member",
                "signed by a device outside the circle",
                "unknown_author",
                envelope=_raw_record(ref, keys[2], _signed_inner(outsider, _payload(outsider, ref, change, body))),
                **base,
            ),
            vector(
                "forged author",
                "Bo's words signed with Alice's name but Bo's key",
                "bad_signature",
                envelope=_raw_record(ref, keys[2], _signed_inner(alice, payload, sign_as=bo)),
                **base,
            ),
            vector(
                "no signature",
                "inner bytes too short to hold one",
                "missing_signature",
                envelope=_raw_record(ref, keys[2], alice.device_id + bytes(10)),
                **base,
            ),
            vector(
                "copied words",
                "Bo's signed record re-encrypted under another id",
                "context_mismatch",
                envelope=elsewhere,
                **base,
            ),
            vector(
                "unpadded",
                "a plaintext that is no bucket",
                "bad_padding",
                envelope=_raw_record(ref, keys[2], b"x" * 100, padded=False),
                **base,
            ),
            vector("future version", "v=2", "unsupported_version", envelope=changed(note, v=2), **base),
            vector(
                "truncated", "8 bytes of ciphertext", "truncated", envelope=changed(note, ct=b64u(bytes(8))), **base
            ),
            vector(
                "bad base64",
                "a nonce with padding",
                "bad_encoding",
                envelope=changed(note, nonce=note["nonce"] + "="),
                **base,
            ),
            vector(
                "hlc of another author",
                "the clock names a device that is not the author",
                "malformed",
                envelope=_raw_record(ref, keys[2], _signed_inner(alice, {**payload, "hlc": HLC + b64u(bo.device_id)})),
                **base,
            ),
            vector(
                "integer too large",
                "a body number beyond 2^53 - 1 reads differently across languages",
                "malformed",
                envelope=_raw_record(ref, keys[2], _signed_inner(alice, {**payload, "body": {"count": 2**60}})),
                **base,
            ),
            vector(
                "nested too deep",
                "a body nested 130 levels",
                "malformed",
                envelope=_raw_record(ref, keys[2], _signed_inner(alice, {**payload, "body": _nested(130)})),
                **base,
            ),
            *_epoch_author_vectors(cy, dee, circle_id, keys, base),
            *_payload_vectors(alice, bo, ref, keys[2], payload, base),
            *_v2_payloads(base, alice, bo, ref, keys[2]),
            vector(
                "envelope without v",
                "no v is no version 1",
                "unsupported_version",
                envelope={k: v for k, v in note.items() if k != "v"},
                **base,
            ),
            vector(
                "envelope types before encodings",
                'epoch "2" and a 15-byte circle id',
                "malformed",
                envelope=changed(note, epoch="2", circle_id=b64u(bytes(15))),
                **base,
            ),
            *_envelope_epoch_vectors(note, base),
        ],
    )


def _envelope_epoch_vectors(note: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """§7 step 2: an envelope's epoch is an integer from 0 to 2^32 - 1 (``malformed``), read before
    any key is looked up, so one that names no epoch is never ``unknown_epoch`` (§16 sets it aside)."""
    cases: list[tuple[str, str, object]] = [
        ("envelope epoch a fraction", "epoch 2.5", 2.5),
        ("envelope epoch 2.0", "epoch written 2.0, a key for epoch 2 held", 2.0),
        ("envelope epoch a string", 'epoch "2", a key for epoch 2 held', "2"),
        ("envelope epoch true", "epoch true", True),
        ("envelope epoch negative", "epoch -1", -1),
        ("envelope epoch too large", "epoch 2^32", 2**32),
        ("envelope epoch type before unknown epoch", "epoch 7.5, and no key for any epoch 7", 7.5),
    ]
    return [
        vector(name, comment, "malformed", envelope=changed(note, epoch=epoch), **base)
        for name, comment, epoch in cases
    ]


def _payload_vectors(
    alice: DeviceKeys,
    bo: DeviceKeys,
    ref: RecordRef,
    key: bytes,
    payload: dict[str, Any],
    base: dict[str, Any],
) -> list[dict[str, Any]]:
    """Alice's validly signed payloads that break one or two of §7 steps 9 to 14."""
    without_body = {k: v for k, v in payload.items() if k != "body"}
    cases = [
        ("other type", "a record payload whose type says note", "wrong_type", {**payload, "type": "note"}),
        (
            "author not the signer",
            "Alice signs words that name Bo as their author",
            "context_mismatch",
            {**payload, "author": b64u(bo.device_id), "hlc": HLC + b64u(bo.device_id)},
        ),
        ("unknown member", "a payload member this version does not define", "malformed", {**payload, "mood": "ok"}),
        ("no body", "deleted false and no body", "malformed", without_body),
        ("tombstone with a body", "deleted true and a body", "malformed", {**payload, "deleted": True}),
        ("deleted as text", 'deleted "false"', "malformed", {**payload, "deleted": "false"}),
        ("body not an object", "a body that is a string", "malformed", {**payload, "body": "hello"}),
        ("change id of 8 bytes", "change_id is an id", "bad_encoding", {**payload, "change_id": b64u(bytes(8))}),
        ("epoch as text", 'the signed epoch "2"', "malformed", {**payload, "epoch": "2"}),
        (
            "payload types before encodings",
            'the signed epoch "2" and an 8-byte change_id: every JSON type before any b64u length',
            "malformed",
            {**payload, "epoch": "2", "change_id": b64u(bytes(8))},
        ),
        (
            "encodings before the body",
            "a body that is a string and an 8-byte change_id: the body is the section's own check",
            "bad_encoding",
            {**payload, "body": "hello", "change_id": b64u(bytes(8))},
        ),
    ]
    with substream("record/payload-checks"):
        return [
            vector(name, comment, expect, envelope=_raw_record(ref, key, _signed_inner(alice, signed_payload)), **base)
            for name, comment, expect, signed_payload in cases
        ]


def _epoch_author_vectors(
    cy: DeviceKeys, dee: DeviceKeys, circle_id: bytes, keys: dict[int, bytes], base: dict[str, Any]
) -> list[dict[str, Any]]:
    """A record's author is one of the members during its epoch (§7 step 7, §8), not of another."""
    with substream("record/epoch-authors"):
        refs = {e: RecordRef(circle_id, primitives.random_bytes(16), e) for e in (1, 2)}
        change = primitives.random_bytes(16)
        body = {"kind": "note", "title": "Thursday", "text": "I can drive on Thursday."}

        def sealed(author: DeviceKeys, epoch: int) -> dict[str, Any]:
            hlc = HLC + b64u(author.device_id)
            return records.seal_record(author, refs[epoch], keys[epoch], change_id=change, hlc=hlc, body=body)

        return [
            vector(
                "removed member's earlier record",
                "Cy wrote under epoch 1, before the entry that began epoch 2 removed it",
                envelope=sealed(cy, 1),
                payload=_payload(cy, refs[1], change, body),
                **base,
            ),
            vector(
                "removed member writes later",
                "Cy, removed when epoch 2 began, seals under epoch 2 with a key it was never meant to have",
                "unknown_author",
                envelope=sealed(cy, 2),
                **base,
            ),
            vector(
                "added member writes earlier",
                "Dee, added during epoch 2, seals under epoch 1",
                "unknown_author",
                envelope=sealed(dee, 1),
                **base,
            ),
            vector(
                "added member's record",
                "Dee writes under epoch 2, during which it was added",
                envelope=sealed(dee, 2),
                payload=_payload(dee, refs[2], change, body),
                **base,
            ),
        ]


def _v2_payloads(base: dict[str, Any], alice: DeviceKeys, bo: DeviceKeys, ref: RecordRef, key: bytes) -> list[Any]:
    # Imported here: build_chains builds on this module's helpers.
    from support_circle.protocol.vectors.build_chains import v2_payload_vectors

    return v2_payload_vectors(base, alice, bo, ref, key)


def _nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for _ in range(depth - 1):
        document = {"a": document}
    return document


def _payload(author: DeviceKeys, ref: RecordRef, change: bytes, body: dict[str, Any] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "v": 1,
        "type": "record",
        "circle_id": b64u(ref.circle_id),
        "record_id": b64u(ref.record_id),
        "epoch": ref.epoch,
        "change_id": b64u(change),
        "author": b64u(author.device_id),
        "hlc": HLC + b64u(author.device_id),
        "deleted": body is None,
    }
    if body is not None:
        payload["body"] = body
    return payload


def membership_vectors() -> dict[str, Any]:
    a, b, c, server = (DeviceKeys.generate() for _ in range(4))
    circle_id = primitives.random_bytes(16)
    log, states = _happy_log(a, b, c, circle_id)
    final = states[-1]
    anchor = b64u(membership.genesis_hash(log))
    base = {"circle_id": b64u(circle_id), "genesis_hash": anchor}
    outputs = state_outputs(final)
    head = {"seq": final.head.seq, "hash": b64u(final.head.hash)}
    injected = membership.add(server, states[1], server.identity())
    by_member = membership.add(b, states[1], server.identity())
    skipped = membership.rotate(a, changed_epoch(states[4], 1), circle_keys.new_epoch_key())
    return group_file(
        "membership",
        "The signed membership log (§8). Entries: genesis(A), add(B), add(C, admin), role(B admin), remove(C), rotate, leave(B).",
        [
            vector("full log", "every op, in order", entries=log, **base, **outputs),
            vector(
                "up to date",
                "matches the head the client already knew",
                entries=log,
                known_head=head,
                **base,
                **outputs,
            ),
            vector(
                "entry dropped",
                "the server leaves out entry 5 (the rotation)",
                "broken_chain",
                entries=log[:5] + log[6:],
                **base,
            ),
            vector(
                "entries reordered",
                "entries 1 and 2 swapped",
                "broken_chain",
                entries=[log[0], log[2], log[1], *log[3:]],
                **base,
            ),
            vector(
                "member injected",
                "an add signed by a device that is not a member",
                "unknown_author",
                entries=[*log[:2], injected],
                **base,
            ),
            vector(
                "add by a non-admin",
                "B, a plain member, adds someone",
                "not_admin",
                entries=[*log[:2], by_member],
                **base,
            ),
            vector(
                "flipped signature",
                "one bit of entry 3's signature",
                "bad_signature",
                entries=[*log[:3], changed(log[3], sig=flip(log[3]["sig"])), *log[4:]],
                **base,
            ),
            vector(
                "missing signature",
                "entry 1 unsigned",
                "missing_signature",
                entries=[log[0], changed(log[1], sig="")],
                **base,
            ),
            vector(
                "other genesis",
                "a log that starts elsewhere",
                "genesis_mismatch",
                entries=log,
                circle_id=base["circle_id"],
                genesis_hash=b64u(bytes(32)),
            ),
            vector(
                "rolled back",
                "shorter than the head already seen",
                "rolled_back",
                entries=log[:5],
                known_head=head,
                **base,
            ),
            vector(
                "forked",
                "a different entry where the known head was",
                "rolled_back",
                entries=log[:5],
                known_head={"seq": 4, "hash": b64u(bytes(32))},
                **base,
            ),
            vector(
                "epoch skipped", "rotate to epoch current + 2", "invalid_operation", entries=[*log[:5], skipped], **base
            ),
            vector(
                "other circle",
                "a valid chain, but for another circle id",
                "context_mismatch",
                entries=log,
                circle_id=b64u(primitives.random_bytes(16)),
                genesis_hash=anchor,
            ),
            vector(
                "short signature from a stranger",
                "the length is checked before the signer is looked up",
                "bad_signature",
                entries=[*log[:2], changed(injected, sig=b64u(bytes(63)))],
                **base,
            ),
            vector(
                "version 1.0",
                "an admin's entry whose payload says v 1.0",
                "unsupported_version",
                entries=[*log[:1], a.sign({**_parsed(log[1]), "v": 1.0})],
                **base,
            ),
            *build_log_rules.build([a, b, c, server], log, states, base),
        ],
    )


def _parsed(entry: signed.SignedObject) -> dict[str, Any]:
    document: dict[str, Any] = parse_json(unb64u(entry["payload"]))
    return document


def changed_epoch(state: membership.CircleState, delta: int) -> membership.CircleState:
    """A state whose epoch is off by ``delta``: how a buggy or hostile admin would write the next entry."""
    return replace(state, epoch=state.epoch + delta)


def _happy_log(
    a: DeviceKeys, b: DeviceKeys, c: DeviceKeys, circle_id: bytes
) -> tuple[list[signed.SignedObject], list[membership.CircleState]]:
    anchor_entry = membership.genesis(a, circle_id, circle_keys.new_epoch_key())
    log = [anchor_entry]
    states = [membership.verify_log(circle_id, membership.entry_hash(anchor_entry), log)]
    steps: list[Callable[[membership.CircleState], signed.SignedObject]] = [
        lambda s: membership.add(a, s, b.identity()),
        lambda s: membership.add(a, s, c.identity(), "admin"),
        lambda s: membership.set_role(c, s, b.device_id, "admin"),
        lambda s: membership.remove(a, s, c.device_id, circle_keys.new_epoch_key()),
        lambda s: membership.rotate(a, s, circle_keys.new_epoch_key()),
        lambda s: membership.leave(b, s, circle_keys.new_epoch_key()),
    ]
    for step in steps:
        log.append(step(states[-1]))
        states.append(membership.verify_log(circle_id, membership.entry_hash(anchor_entry), log))
    return log, states


def invite_vectors() -> Files:
    admin, joiner, other = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
    secret, wrong_secret = invites.new_secret(), invites.new_secret()
    keys = invites.derive(secret)
    circle_id, genesis = primitives.random_bytes(16), primitives.random_bytes(32)
    expires = datetime(2026, 12, 1, tzinfo=UTC)
    record = invites.seal_invite(admin, secret, circle_id, genesis, expires, version=1)
    request = invites.make_join_request(secret, joiner)
    found = {
        "circle_id": b64u(circle_id),
        "genesis_hash": b64u(genesis),
        "expires_at": "2026-12-01T00:00:00Z",
        "inviter_device_id": b64u(admin.device_id),
    }
    return {
        "invite_derivation": group_file(
            "invite_derivation",
            "What an invite secret yields (§9).",
            [
                vector(
                    "derive",
                    "id, key and auth key",
                    secret=b64u(secret),
                    invite_id=b64u(keys.invite_id),
                    invite_key=b64u(keys.invite_key),
                    auth_pub=b64u(keys.auth_pub),
                )
            ],
        ),
        "invite": group_file(
            "invite",
            "Opening an invite record with the link's secret (§9).",
            [
                vector(
                    "open", "before it expires", secret=b64u(secret), record=record, now="2026-11-25T12:00:00Z", **found
                ),
                vector(
                    "expired",
                    "at its expiry",
                    "expired",
                    secret=b64u(secret),
                    record=record,
                    now="2026-12-01T00:00:00Z",
                ),
                vector(
                    "another link",
                    "a secret for another invite",
                    "context_mismatch",
                    secret=b64u(wrong_secret),
                    record=record,
                    now="2026-11-25T12:00:00Z",
                ),
                vector(
                    "flipped",
                    "one bit of the record",
                    "decrypt_failed",
                    secret=b64u(secret),
                    record=changed(record, ct=flip(record["ct"])),
                    now="2026-11-25T12:00:00Z",
                ),
                vector(
                    "time with an offset",
                    "expires_at written +00:00 instead of Z",
                    "malformed",
                    secret=b64u(secret),
                    record=_invite_record(
                        admin,
                        secret,
                        {
                            "circle_id": b64u(circle_id),
                            "genesis_hash": b64u(genesis),
                            "expires_at": "2026-12-01T00:00:00+00:00",
                        },
                    ),
                    now="2026-11-25T12:00:00Z",
                ),
                *_invite_checks(admin, other, secret, wrong_secret, record, circle_id, genesis),
                *build_invites.bound_vectors(admin, circle_id, genesis),
                *build_invites.secret_vectors(record),
                *build_invites.inviter_vectors(admin),
                *build_any_admin.inviter_left_vectors(),
            ],
        ),
        "join_request": group_file(
            "join_request",
            "Join requests checked by the approving admin (§9).",
            [
                vector(
                    "valid",
                    "made with the link",
                    secret=b64u(secret),
                    request=request,
                    device_id=b64u(joiner.device_id),
                ),
                vector(
                    "other link",
                    "a proof made with another invite's secret",
                    "bad_proof",
                    secret=b64u(secret),
                    request=changed(invites.make_join_request(wrong_secret, joiner), invite_id=b64u(keys.invite_id)),
                ),
                vector(
                    "identity swapped",
                    "the server puts its own device in a real request",
                    "bad_proof",
                    secret=b64u(secret),
                    request=changed(request, identity=other.identity()),
                ),
                vector(
                    "other invite",
                    "a request for another invite",
                    "context_mismatch",
                    secret=b64u(wrong_secret),
                    request=request,
                ),
                vector(
                    "proof not base64url",
                    "padding in the proof",
                    "bad_encoding",
                    secret=b64u(secret),
                    request=changed(request, proof=request["proof"] + "="),
                ),
                *_join_request_checks(request, secret, wrong_secret),
                *build_any_admin.any_admin_vectors(),
            ],
        ),
    }


NOW = "2026-11-25T12:00:00Z"


def _invite_checks(
    admin: DeviceKeys,
    other: DeviceKeys,
    secret: bytes,
    wrong_secret: bytes,
    record: dict[str, Any],
    circle_id: bytes,
    genesis: bytes,
) -> list[dict[str, Any]]:
    """One vector per check of §9's invite list, then pairs of failures that show the order."""
    keys = invites.derive(secret)
    fields = {"circle_id": b64u(circle_id), "genesis_hash": b64u(genesis), "expires_at": "2026-12-01T00:00:00Z"}
    payload = {"v": 1, "type": "invite", "signer": b64u(admin.device_id), **fields}

    def opened(name: str, comment: str, expect: str, sealed: dict[str, Any], **more: Any) -> dict[str, Any]:
        return vector(name, comment, expect, **{"secret": b64u(secret), "record": sealed, "now": NOW, **more})

    def sealed_content(content: bytes, padded: bool = True) -> dict[str, Any]:
        nonce = primitives.random_bytes(12)
        aad = ctx("support-circle/v1/invite", keys.invite_id)
        ct = primitives.aead_seal(keys.invite_key, nonce, pad(content) if padded else content, aad)
        return {"v": 1, "invite_id": b64u(keys.invite_id), "nonce": b64u(nonce), "ct": b64u(ct)}

    def sealed(inviter: Any = None, invite: Any = None, **extra: Any) -> dict[str, Any]:
        inviter = admin.identity() if inviter is None else inviter
        invite = admin.sign(payload) if invite is None else invite
        return sealed_content(dump_json({"v": 1, "inviter": inviter, "invite": invite, **extra}))

    def signed_as_invite(document: dict[str, Any]) -> dict[str, Any]:
        """Signed in the invite domain whatever its type, as only the signer could."""
        data = dump_json(document)
        sig = primitives.ed25519_sign(admin.sign_seed, signed.signing_input("invite", data))
        return {"v": 1, "signer": b64u(admin.device_id), "payload": b64u(data), "sig": b64u(sig)}

    short_nonce, short_ct = b64u(bytes(8)), b64u(bytes(15))
    without_nonce = {name: value for name, value in record.items() if name != "nonce"}
    with substream("invite checks"):
        return [
            # The record: version, members, encodings, lengths, then which invite it is.
            opened("future version", "the record's v=2", "unsupported_version", changed(record, v=2)),
            opened("extra member", "the auth key copied into the record", "malformed", changed(record, auth_pub="x")),
            opened("missing nonce", "no nonce member", "malformed", without_nonce),
            opened("short invite id", "15 bytes", "bad_encoding", changed(record, invite_id=b64u(bytes(15)))),
            opened(
                "nonce not base64url",
                "padding in the nonce",
                "bad_encoding",
                changed(record, nonce=record["nonce"] + "="),
            ),
            opened("short nonce", "8 bytes", "truncated", changed(record, nonce=short_nonce)),
            opened("long nonce", "13 bytes", "truncated", changed(record, nonce=b64u(bytes(13)))),
            opened("short ct", "15 bytes, less than a tag", "truncated", changed(record, ct=short_ct)),
            opened("empty ct", "0 bytes", "truncated", changed(record, ct="")),
            opened(
                "encodings before lengths",
                "a padded nonce and a 15-byte ct",
                "bad_encoding",
                changed(record, nonce=record["nonce"] + "=", ct=short_ct),
            ),
            opened(
                "lengths before the invite id",
                "an 8-byte nonce, opened with another invite's secret",
                "truncated",
                changed(record, nonce=short_nonce),
                secret=b64u(wrong_secret),
            ),
            # What it decrypts to: padding, the content, the inviter, the signed invite.
            opened(
                "unpadded",
                "content that is no bucket long",
                "bad_padding",
                sealed_content(dump_json({"v": 1, "inviter": admin.identity(), "invite": admin.sign(payload)}), False),
            ),
            opened("content not JSON", "the padded content is not JSON", "malformed", sealed_content(b"an invite")),
            opened(
                "content future version",
                "the content's v=2",
                "unsupported_version",
                sealed_content(dump_json({"v": 2, "inviter": admin.identity(), "invite": admin.sign(payload)})),
            ),
            opened("content extra member", "a circle name beside the invite", "malformed", sealed(circle_name="x")),
            opened(
                "inviter forged",
                "the inviter identity's signature flipped",
                "bad_signature",
                sealed(inviter=changed(admin.identity(), sig=flip(admin.identity()["sig"]))),
            ),
            opened(
                "invite signed by another device",
                "the invite is another device's own, beside the admin's identity",
                "unknown_author",
                sealed(invite=other.sign({**payload, "signer": b64u(other.device_id)})),
            ),
            opened(
                "invite of another type",
                "type membership, signed in the invite domain",
                "wrong_type",
                sealed(invite=signed_as_invite({**payload, "type": "membership"})),
            ),
            opened(
                "invite naming another signer",
                "the payload's signer is another device than the one that signed",
                "context_mismatch",
                sealed(invite=admin.sign({**payload, "signer": b64u(other.device_id)})),
            ),
            opened(
                "invite extra member",
                "a use count the invite does not define",
                "malformed",
                sealed(invite=admin.sign({**payload, "uses": 1})),
            ),
            opened(
                "short genesis hash",
                "31 bytes",
                "bad_encoding",
                sealed(invite=admin.sign({**payload, "genesis_hash": b64u(genesis[:31])})),
            ),
            opened(
                "short circle id",
                "15 bytes",
                "bad_encoding",
                sealed(invite=admin.sign({**payload, "circle_id": b64u(circle_id[:15])})),
            ),
            opened(
                "time before encodings",
                "expires_at written +00:00, and a 15-byte circle id",
                "malformed",
                sealed(
                    invite=admin.sign(
                        {**payload, "expires_at": "2026-12-01T00:00:00+00:00", "circle_id": b64u(circle_id[:15])}
                    )
                ),
            ),
            opened(
                "encodings before expiry",
                "a 15-byte circle id, opened at its expiry",
                "bad_encoding",
                sealed(invite=admin.sign({**payload, "circle_id": b64u(circle_id[:15])})),
                now="2026-12-01T00:00:00Z",
            ),
        ]


def _join_request_checks(request: dict[str, Any], secret: bytes, wrong_secret: bytes) -> list[dict[str, Any]]:
    """One vector per check of §9's join-request list, then pairs of failures that show the order."""
    forged = changed(request["identity"], sig=flip(request["identity"]["sig"]))
    proof = unb64u(request["proof"])
    without_proof = {name: value for name, value in request.items() if name != "proof"}

    def checked(name: str, comment: str, expect: str, sent: dict[str, Any], key: bytes = secret) -> dict[str, Any]:
        return vector(name, comment, expect, secret=b64u(key), request=sent)

    return [
        checked("future version", "v=3", "unsupported_version", changed(request, v=3)),
        checked("extra member", "the auth key beside the proof", "malformed", changed(request, auth_pub="x")),
        checked("missing proof", "no proof member", "malformed", without_proof),
        checked(
            "invite id not canonical",
            "its unused trailing bits set",
            "bad_encoding",
            changed(request, invite_id=request["invite_id"][:-1] + "B"),
        ),
        checked("short invite id", "15 bytes", "bad_encoding", changed(request, invite_id=b64u(bytes(15)))),
        checked(
            "identity forged", "the identity's signature flipped", "bad_signature", changed(request, identity=forged)
        ),
        checked("identity not an object", "a string", "malformed", changed(request, identity="x")),
        checked("short proof", "63 bytes", "bad_proof", changed(request, proof=b64u(proof[:63]))),
        checked("long proof", "65 bytes", "bad_proof", changed(request, proof=b64u(proof + b"\x00"))),
        checked("empty proof", "0 bytes", "bad_proof", changed(request, proof="")),
        checked(
            "encodings before the invite id",
            "padding in the proof, checked with another invite's secret",
            "bad_encoding",
            changed(request, proof=request["proof"] + "="),
            wrong_secret,
        ),
        checked(
            "invite id before the identity",
            "a forged identity, checked with another invite's secret",
            "context_mismatch",
            changed(request, identity=forged),
            wrong_secret,
        ),
        checked(
            "identity before the proof",
            "a forged identity and a 63-byte proof",
            "bad_signature",
            changed(request, identity=forged, proof=b64u(proof[:63])),
        ),
    ]


def _invite_record(inviter: DeviceKeys, secret: bytes, fields: dict[str, Any]) -> dict[str, Any]:
    """An invite record around an invite payload of the test's choosing."""
    keys = invites.derive(secret)
    invite = inviter.sign({"v": 1, "type": "invite", "signer": b64u(inviter.device_id), **fields})
    content = dump_json({"v": 1, "inviter": inviter.identity(), "invite": invite})
    nonce = primitives.random_bytes(12)
    ct = primitives.aead_seal(keys.invite_key, nonce, pad(content), ctx("support-circle/v1/invite", keys.invite_id))
    return {"v": 1, "invite_id": b64u(keys.invite_id), "nonce": b64u(nonce), "ct": b64u(ct)}


def build() -> Files:
    files = {"key_derivation": key_derivation(), "key_envelope": key_envelopes(), "record": records_vectors()}
    files.update({"membership": membership_vectors(), **invite_vectors()})
    return files
