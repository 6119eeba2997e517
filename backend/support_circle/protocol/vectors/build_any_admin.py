"""Vectors for requests any admin answers (§9, "Any admin answers"), and for an inviter who left (§9).

They draw from substreams of their own, so every vector made before them keeps its bytes.
"""

from typing import Any

from support_circle.protocol import circle_keys, invites, membership, primitives, signed
from support_circle.protocol.encoding import b64u, parse_json, parse_time
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.making import substream, vector

NOW, EXPIRES = "2026-11-25T12:00:00Z", parse_time("2026-12-01T00:00:00Z")


class _Log:
    """A circle's log as its admins write it, with the state it leads to after each entry."""

    def __init__(self, creator: DeviceKeys) -> None:
        self.circle_id = primitives.random_bytes(16)
        first = membership.genesis(creator, self.circle_id, circle_keys.new_epoch_key())
        self.anchor = membership.entry_hash(first)
        self.entries = [first]

    @property
    def state(self) -> membership.CircleState:
        return membership.verify_log(self.circle_id, self.anchor, self.entries)

    def then(self, make: Any) -> "_Log":
        self.entries.append(make(self.state))
        return self


def inviter_left_vectors() -> list[dict[str, Any]]:
    """`invite` vectors: the joiner's steps 13 and 14 honour only an admin now: not one who left by
    their own `leave`, nor one removed by another admin, nor one made a member before leaving."""
    with substream("invite inviter left"):
        first, second, demoted = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
        log = _Log(first)
        log.then(lambda s: membership.add(first, s, second.identity(), "admin", 0))
        log.then(lambda s: membership.add(first, s, demoted.identity(), "admin", 0))
        secrets = {who: invites.new_secret() for who in ("first", "demoted")}
        records = {
            "first": invites.seal_invite(first, secrets["first"], log.circle_id, log.anchor, EXPIRES),
            "demoted": invites.seal_invite(demoted, secrets["demoted"], log.circle_id, log.anchor, EXPIRES),
        }
        left = list(log.then(lambda s: membership.depart(first, s, 0)).entries)
        log.then(lambda s: membership.set_role(second, s, demoted.device_id, "member"))
        demoted_left = list(log.then(lambda s: membership.depart(demoted, s, 0)).entries)
        removed = _Log(first)
        removed.then(lambda s: membership.add(first, s, second.identity(), "admin", 0))
        removed_record = invites.seal_invite(first, secrets["first"], removed.circle_id, removed.anchor, EXPIRES)
        removed.then(lambda s: membership.remove(second, s, first.device_id, circle_keys.new_epoch_key(), 0))

    def opened(name: str, comment: str, expect: str, who: str, record: Any, entries: Any, circle: _Log) -> Any:
        fields: dict[str, Any] = {"secret": b64u(secrets[who]), "record": record, "now": NOW, "entries": entries}
        if expect == "ok":
            fields |= {
                "circle_id": b64u(circle.circle_id),
                "genesis_hash": b64u(circle.anchor),
                "expires_at": "2026-12-01T00:00:00Z",
                "inviter_device_id": b64u(first.device_id),
            }
        return vector(name, comment, expect, **fields)

    return [
        opened(
            "inviter left as an admin",
            "the admin who invited left by a v2 leave: their links died with their membership",
            "not_admin",
            "first",
            records["first"],
            left,
            log,
        ),
        opened(
            "inviter made a member, then left",
            "an admin made a member by another admin, who then left",
            "not_admin",
            "demoted",
            records["demoted"],
            demoted_left,
            log,
        ),
        opened(
            "inviter removed",
            "an admin removed by another admin",
            "not_admin",
            "first",
            removed_record,
            removed.entries,
            removed,
        ),
    ]


def any_admin_vectors() -> list[dict[str, Any]]:
    """`join_request` vectors with no `secret`: a v2 request checked by an admin who never held the
    link, on the circle's log (`entries`), in the order §9 gives."""
    with substream("join any admin"):
        first, second, member, stranger, joiner = (DeviceKeys.generate() for _ in range(5))
        log = _Log(first)
        log.then(lambda s: membership.add(first, s, second.identity(), "admin", 0))
        log.then(lambda s: membership.add(first, s, member.identity(), "member", 0))
        secret, other_secret = invites.new_secret(), invites.new_secret()
        record = invites.seal_invite(first, secret, log.circle_id, log.anchor, EXPIRES)
        opened = invites.open_invite(secret, record, parse_time(NOW))
        request = invites.make_join_request(secret, joiner, opened)
        payload = parse_json(signed.decode(request["invite"])[1])
        before = list(log.entries)
        after_leaving = list(log.then(lambda s: membership.depart(first, s, 0)).entries)

        def signed_as(by: DeviceKeys, **changes: Any) -> dict[str, Any]:
            return {**request, "invite": by.sign({**payload, "signer": b64u(by.device_id), **changes})}

        other_circle = b64u(primitives.random_bytes(16))
        other_auth = b64u(invites.derive(other_secret).auth_pub)

    def checked(name: str, comment: str, expect: str, asked: Any, entries: list[Any] = before, now: str = NOW) -> Any:
        fields: dict[str, Any] = {
            "circle_id": b64u(log.circle_id),
            "genesis_hash": b64u(log.anchor),
            "entries": entries,
            "request": asked,
            "now": now,
        }
        if expect == "ok":
            fields["device_id"] = b64u(joiner.device_id)
        return vector(name, comment, expect, **fields)

    v1 = {k: v for k, v in request.items() if k != "invite"} | {"v": 1}
    return [
        checked("any admin", "a v2 request, checked by an admin who never held the link", "ok", request),
        checked(
            "inviter left",
            "the inviting admin left by a v2 leave since: no admin honours their links",
            "not_admin",
            request,
            after_leaving,
        ),
        checked(
            "invite expired",
            "the admin's invite expired at now: a request listed again later is not answered",
            "expired",
            request,
            now="2026-12-01T00:00:00Z",
        ),
        checked(
            "v1 request",
            "a v1 request carries no invite: only the secret's holder can check it",
            "unsupported_version",
            v1,
        ),
        checked("v2 without invite", "v 2 with no invite member", "malformed", {**v1, "v": 2}),
        checked(
            "v2 invite and an extra member", "an unknown member beside invite", "malformed", {**request, "note": "x"}
        ),
        checked("invite by a member", "signed by a member who is not an admin", "not_admin", signed_as(member)),
        checked(
            "invite by a stranger",
            "signed by a device the log never held: the server's own",
            "not_admin",
            signed_as(stranger),
        ),
        checked(
            "invite signature swapped",
            "the admin's payload with the signature of another",
            "bad_signature",
            {**request, "invite": {**request["invite"], "sig": signed_as(second)["invite"]["sig"]}},
        ),
        checked("invite v1", "a v1 invite names no auth_pub", "unsupported_version", signed_as(first, v=1)),
        checked(
            "invite for another circle",
            "an admin's invite naming another circle",
            "context_mismatch",
            signed_as(first, circle_id=other_circle),
        ),
        checked(
            "invite for another link",
            "an admin's invite naming another link's invite_id",
            "context_mismatch",
            signed_as(first, invite_id=b64u(invites.derive(other_secret).invite_id)),
        ),
        checked(
            "auth key of another link",
            "the proof does not verify with the invite's auth_pub",
            "bad_proof",
            signed_as(first, auth_pub=other_auth),
        ),
        checked(
            "identity swapped",
            "the server puts its own device in a real request",
            "bad_proof",
            {**request, "identity": stranger.identity()},
        ),
    ]
