"""Invite vectors of protocol v2 (§9): an invite bound to its link, the link's secret, the inviter in the log.

They draw from substreams of their own, so every vector made before them keeps its bytes.
"""

from datetime import UTC, datetime
from typing import Any

from support_circle.protocol import circle_keys, invites, membership, primitives
from support_circle.protocol.encoding import b64u, ctx, dump_json, parse_json, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.padding import pad, unpad
from support_circle.protocol.vectors.making import signed_bytes, substream, vector

NOW, EXPIRES, AT_EXPIRY = "2026-11-25T12:00:00Z", datetime(2026, 12, 1, tzinfo=UTC), "2026-12-01T00:00:00Z"


def _wrapped(secret: bytes, inviter: dict[str, Any], invite: dict[str, Any]) -> dict[str, Any]:
    """An invite record under ``secret``'s link around any signed invite: what a link holder can make."""
    keys = invites.derive(secret)
    content = dump_json({"v": 1, "inviter": inviter, "invite": invite})
    nonce = primitives.random_bytes(12)
    ct = primitives.aead_seal(keys.invite_key, nonce, pad(content), ctx("support-circle/v1/invite", keys.invite_id))
    return {"v": 1, "invite_id": b64u(keys.invite_id), "nonce": b64u(nonce), "ct": b64u(ct)}


def _signed_invite(record: dict[str, Any], secret: bytes) -> dict[str, Any]:
    """The admin's signed invite taken out of its record, as anyone holding the link can."""
    keys = invites.derive(secret)
    aad = ctx("support-circle/v1/invite", keys.invite_id)
    content = unpad(primitives.aead_open(keys.invite_key, unb64u(record["nonce"]), unb64u(record["ct"]), aad))
    invite: dict[str, Any] = parse_json(content)["invite"]
    return invite


def bound_vectors(admin: DeviceKeys, circle_id: bytes, genesis: bytes) -> list[dict[str, Any]]:
    """A v2 invite names its link's invite_id and auth_pub; one re-wrapped under another link fails."""
    with substream("invite v2"):
        secret, holder_secret = invites.new_secret(), invites.new_secret()
        keys, holder = invites.derive(secret), invites.derive(holder_secret)
        record = invites.seal_invite(admin, secret, circle_id, genesis, EXPIRES)
        v1_record = invites.seal_invite(admin, secret, circle_id, genesis, EXPIRES, version=1)
        base = {
            "v": 2,
            "type": "invite",
            "signer": b64u(admin.device_id),
            "circle_id": b64u(circle_id),
            "genesis_hash": b64u(genesis),
            "expires_at": "2026-12-01T00:00:00Z",
            "invite_id": b64u(keys.invite_id),
            "auth_pub": b64u(keys.auth_pub),
        }

        def signed_v2(secret_for: bytes = secret, **fields: Any) -> dict[str, Any]:
            payload = {name: value for name, value in {**base, **fields}.items() if value is not None}
            return _wrapped(secret_for, admin.identity(), admin.sign(payload))

        def opened(name: str, comment: str, expect: str, sealed: dict[str, Any], **more: Any) -> dict[str, Any]:
            return vector(name, comment, expect, **{"secret": b64u(secret), "record": sealed, "now": NOW, **more})

        rewrapped = _wrapped(holder_secret, admin.identity(), _signed_invite(record, secret))
        v1_rewrapped = _wrapped(holder_secret, admin.identity(), _signed_invite(v1_record, secret))
        payload_20 = dump_json(base).replace(b'"v":2,', b'"v":2.0,', 1)
        found = {
            "circle_id": b64u(circle_id),
            "genesis_hash": b64u(genesis),
            "expires_at": "2026-12-01T00:00:00Z",
            "inviter_device_id": b64u(admin.device_id),
        }
        return [
            opened("v2 open", "an invite of v2, naming its own link", "ok", record, **found),
            opened("v2 expired", "a v2 invite at its expiry", "expired", record, now=AT_EXPIRY),
            opened(
                "v2 re-wrapped",
                "the admin's signed invite taken out of its record and wrapped under another link",
                "context_mismatch",
                rewrapped,
                secret=b64u(holder_secret),
            ),
            opened(
                "v2 auth key of another link",
                "signed with this link's invite_id but another link's auth_pub",
                "context_mismatch",
                signed_v2(auth_pub=b64u(holder.auth_pub)),
            ),
            opened(
                "v2 re-wrapped before expiry",
                "re-wrapped under another link and opened at its expiry",
                "context_mismatch",
                rewrapped,
                secret=b64u(holder_secret),
                now=AT_EXPIRY,
            ),
            opened(
                "v2 encodings before the link",
                "a 31-byte auth_pub, in an invite naming another link's invite_id",
                "bad_encoding",
                signed_v2(invite_id=b64u(holder.invite_id), auth_pub=b64u(keys.auth_pub[:31])),
            ),
            opened("v2 missing auth key", "no auth_pub", "malformed", signed_v2(auth_pub=None)),
            opened("v2 missing invite id", "no invite_id", "malformed", signed_v2(invite_id=None)),
            opened("v2 auth key a number", "auth_pub is 1", "malformed", signed_v2(auth_pub=1)),
            opened("v2 short invite id", "15 bytes", "bad_encoding", signed_v2(invite_id=b64u(keys.invite_id[:15]))),
            opened("v2 short auth key", "31 bytes", "bad_encoding", signed_v2(auth_pub=b64u(keys.auth_pub[:31]))),
            opened(
                "v1 naming its link",
                "a v1 invite with v2's members: v1 rules, which define neither",
                "malformed",
                signed_v2(v=1),
            ),
            opened("payload version 3", "an invite payload of v=3", "unsupported_version", signed_v2(v=3)),
            opened(
                "payload version 2.0",
                "v written 2.0, not the integer 2",
                "unsupported_version",
                _wrapped(
                    secret, admin.identity(), signed_bytes(admin.sign_seed, admin.device_id, "invite", payload_20)
                ),
            ),
            opened(
                "v1 re-wrapped",
                "a v1 invite names no link: re-wrapped under another link it still opens (v1's limit, §9)",
                "ok",
                v1_rewrapped,
                secret=b64u(holder_secret),
                **found,
            ),
        ]


def secret_vectors(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The link's secret S is canonical b64u of 32 bytes (§9 step 1)."""
    with substream("invite secret"):
        secret = primitives.random_bytes(33)

    def opened(name: str, comment: str, text: str) -> dict[str, Any]:
        return vector(name, comment, "bad_encoding", secret=text, record=record, now=NOW)

    return [
        opened("secret 31 bytes", "S decodes to 31 bytes", b64u(secret[:31])),
        opened("secret 33 bytes", "S decodes to 33 bytes", b64u(secret)),
        opened("secret padded", "S written with a padding character", b64u(secret[:32]) + "="),
        opened("secret not canonical", "S's unused trailing bits set", b64u(secret[:32])[:-1] + "B"),
    ]


def inviter_vectors(admin: DeviceKeys) -> list[dict[str, Any]]:
    """The inviter, once the joiner reads the log: an admin there, by the identity the log holds."""
    with substream("invite inviter"):
        member, stranger = DeviceKeys.generate(), DeviceKeys.generate()
        circle_id = primitives.random_bytes(16)
        genesis = membership.genesis(admin, circle_id, circle_keys.new_epoch_key())
        anchor = membership.entry_hash(genesis)
        state = membership.verify_log(circle_id, anchor, [genesis])
        entries = [genesis, membership.add(admin, state, member.identity())]
        other_kem = DeviceKeys(admin.sign_seed, primitives.random_bytes(32))

        def invited(name: str, comment: str, expect: str, by: DeviceKeys, **more: Any) -> dict[str, Any]:
            secret = invites.new_secret()
            record = invites.seal_invite(by, secret, circle_id, anchor, EXPIRES)
            fields: dict[str, Any] = {"secret": b64u(secret), "record": record, "now": NOW, "entries": entries}
            if expect == "ok":
                fields |= {
                    "circle_id": b64u(circle_id),
                    "genesis_hash": b64u(anchor),
                    "expires_at": "2026-12-01T00:00:00Z",
                    "inviter_device_id": b64u(by.device_id),
                }
            return vector(name, comment, expect, **fields, **more)

        return [
            invited("inviter an admin", "the log's only admin invites", "ok", admin),
            invited("inviter a member", "a member of the log who is not an admin", "not_admin", member),
            invited("inviter not in the log", "a device the log never made a member", "not_admin", stranger),
            invited(
                "inviter identity not the log's",
                "the admin's device id and sign_pub with another kem_pub than the log holds",
                "not_admin",
                other_kem,
            ),
        ]
