"""Invites (PROTOCOL.md §9): a secret in the link's fragment, an encrypted record, a join proof."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from support_circle.protocol import primitives, signed
from support_circle.protocol.encoding import (
    ID_BYTES,
    VERSION,
    b64u,
    ctx,
    dump_json,
    expect_object,
    format_time,
    parse_json,
    parse_time,
    unb64u,
    unb64u_id,
)
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import DeviceKeys, PublicIdentity, verify_identity
from support_circle.protocol.membership import CircleState
from support_circle.protocol.padding import pad, unpad

SECRET_BYTES = 32
# v2 binds the invite to its link; a v1 invite is still read by v1 rules until it expires (§9).
INVITE_VERSION = 2
_VERSIONS = (1, 2)
_PAYLOAD = ("v", "type", "signer", "circle_id", "genesis_hash", "expires_at")
_PAYLOAD_BY_VERSION = {1: _PAYLOAD, 2: (*_PAYLOAD, "invite_id", "auth_pub")}
# A v2 request carries the admin's signed invite, so every admin can check it, not the inviter only.
JOIN_VERSION = 2
_REQUEST = ("v", "invite_id", "identity", "proof")
_REQUEST_BY_VERSION = {1: _REQUEST, 2: (*_REQUEST, "invite")}


@dataclass(frozen=True)
class InviteKeys:
    """Everything the link's secret yields. Only ``invite_id`` and ``auth_pub`` go to the server."""

    invite_id: bytes
    invite_key: bytes
    auth_seed: bytes

    @property
    def auth_pub(self) -> bytes:
        return primitives.ed25519_public(self.auth_seed)


@dataclass(frozen=True)
class Invite:
    circle_id: bytes
    genesis_hash: bytes
    expires_at: datetime
    inviter: PublicIdentity
    # The admin's signed invite as the record holds it; a v2 join request passes it on.
    signed_invite: signed.SignedObject | None = None


def new_secret() -> bytes:
    return primitives.random_bytes(SECRET_BYTES)


def derive(secret: bytes) -> InviteKeys:
    if len(secret) != SECRET_BYTES:
        raise ProtocolError("bad_encoding", "an invite secret is 32 bytes")
    return InviteKeys(
        invite_id=primitives.hkdf(secret, b"", b"support-circle/v1/invite-id", ID_BYTES),
        invite_key=primitives.hkdf(secret, b"", b"support-circle/v1/invite-key", 32),
        auth_seed=primitives.hkdf(secret, b"", b"support-circle/v1/invite-auth", 32),
    )


def _aad(invite_id: bytes) -> bytes:
    return ctx("support-circle/v1/invite", invite_id)


def seal_invite(
    inviter: DeviceKeys,
    secret: bytes,
    circle_id: bytes,
    genesis_hash: bytes,
    expires_at: datetime,
    version: int = INVITE_VERSION,
) -> dict[str, Any]:
    """The invite record for ``secret``'s link. ``version=1`` exists for the vectors and fixtures of v1."""
    keys = derive(secret)
    payload: dict[str, Any] = {
        "v": version,
        "type": "invite",
        "signer": b64u(inviter.device_id),
        "circle_id": b64u(circle_id),
        "genesis_hash": b64u(genesis_hash),
        "expires_at": format_time(expires_at),
    }
    if version >= 2:
        payload |= {"invite_id": b64u(keys.invite_id), "auth_pub": b64u(keys.auth_pub)}
    invite = inviter.sign(payload)
    content = dump_json({"v": VERSION, "inviter": inviter.identity(), "invite": invite})
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    ct = primitives.aead_seal(keys.invite_key, nonce, pad(content), _aad(keys.invite_id))
    return {"v": VERSION, "invite_id": b64u(keys.invite_id), "nonce": b64u(nonce), "ct": b64u(ct)}


def open_invite(secret: bytes, record: object, now: datetime) -> Invite:
    """The verified invite; ``expired`` once ``now`` is past its expiry. The checks run in §9's order."""
    keys = derive(secret)
    fields = expect_object(record, ("v", "invite_id", "nonce", "ct"))
    invite_id, nonce, ct = unb64u_id(fields["invite_id"]), unb64u(fields["nonce"]), unb64u(fields["ct"])
    if len(nonce) != primitives.NONCE_BYTES or len(ct) < primitives.TAG_BYTES:
        raise ProtocolError("truncated", "a nonce is 12 bytes and a ct at least 16")
    if invite_id != keys.invite_id:
        raise ProtocolError("context_mismatch", "the record is for another invite")
    padded = primitives.aead_open(keys.invite_key, nonce, ct, _aad(keys.invite_id))
    content = expect_object(parse_json(unpad(padded)), ("v", "inviter", "invite"))
    inviter = verify_identity(content["inviter"])
    lookup = {inviter.device_id: inviter.sign_pub}.get
    payload = signed.verify(content["invite"], "invite", lookup, versions=_VERSIONS)
    payload = expect_object(payload, _PAYLOAD_BY_VERSION[payload["v"]], versions=_VERSIONS)
    expires_at = parse_time(payload["expires_at"])
    circle_id, genesis_hash = unb64u_id(payload["circle_id"]), unb64u(payload["genesis_hash"], 32)
    if payload["v"] >= 2:
        _check_bound(payload, keys)
    if now >= expires_at:
        raise ProtocolError("expired")
    return Invite(circle_id, genesis_hash, expires_at, inviter, content["invite"])


def _check_bound(payload: dict[str, Any], keys: InviteKeys) -> None:
    """A v2 invite names its link: the admin's signed invite re-wrapped under another link fails here."""
    if unb64u_id(payload["invite_id"]) != keys.invite_id:
        raise ProtocolError("context_mismatch", "the invite was signed for another link's invite id")
    if unb64u(payload["auth_pub"], 32) != keys.auth_pub:
        raise ProtocolError("context_mismatch", "the invite was signed for another link's auth key")


def _join_input(invite_id: bytes, joiner: PublicIdentity) -> bytes:
    return ctx("support-circle/v1/join", invite_id, joiner.device_id, joiner.sign_pub, joiner.kem_pub)


def make_join_request(secret: bytes, joiner: DeviceKeys, invite: Invite | None = None) -> dict[str, Any]:
    """A v2 request when ``invite`` (opened from the link) carries a v2 signed invite, else v1."""
    keys = derive(secret)
    proof = primitives.ed25519_sign(keys.auth_seed, _join_input(keys.invite_id, joiner.public))
    request = {"v": VERSION, "invite_id": b64u(keys.invite_id), "identity": joiner.identity(), "proof": b64u(proof)}
    carried = invite.signed_invite if invite is not None else None
    if carried is not None and _payload_version(carried) == INVITE_VERSION:
        request |= {"v": JOIN_VERSION, "invite": carried}
    return request


def _payload_version(invite: signed.SignedObject) -> object:
    payload = parse_json(signed.decode(invite)[1])
    return payload.get("v") if isinstance(payload, dict) else None


def verify_join_request(auth_pub: bytes, invite_id: bytes, request: object) -> PublicIdentity:
    """The joiner's identity, when the proof shows they hold the link (``bad_proof`` otherwise).

    The server calls this with the ``auth_pub`` it was given; the approving admin calls it with
    the one derived from the secret, so a request the server made up is refused there too. The
    checks run in §9's order; a proof that is not 64 bytes is ``bad_proof`` too.
    """
    if isinstance(request, dict) and request.get("v") == JOIN_VERSION:
        fields = expect_object(request, _REQUEST_BY_VERSION[2], versions=(2,))
    else:
        fields = expect_object(request, _REQUEST)
    request_id, proof = unb64u_id(fields["invite_id"]), unb64u(fields["proof"])
    if request_id != invite_id:
        raise ProtocolError("context_mismatch", "a request for another invite")
    joiner = verify_identity(fields["identity"])
    try:
        primitives.ed25519_verify(auth_pub, proof, _join_input(invite_id, joiner))
    except ProtocolError as exc:
        raise ProtocolError("bad_proof") from exc
    return joiner


def check_inviter_is_admin(invite: Invite, state: CircleState, genesis_hash: bytes) -> None:
    """Once the joiner has verified the circle's log (§9's last checks, in order): the log is the
    invite's circle and genesis, else ``context_mismatch``; the inviter is an admin there now, by
    the identity the log holds for its device, else ``not_admin``. ``genesis_hash`` is the anchor
    the log was verified from."""
    if state.circle_id != invite.circle_id or genesis_hash != invite.genesis_hash:
        raise ProtocolError("context_mismatch", "a log of another circle")
    identity = state.inviter_identity(invite.inviter.device_id)
    if identity is None:
        raise ProtocolError("not_admin", "the invite was not made by an admin of this circle")
    if identity != invite.inviter:
        raise ProtocolError("not_admin", "the inviter's identity is not the one the circle's log holds")


def verify_request_by_invite(
    state: CircleState, genesis_hash: bytes, request: object, now: datetime
) -> "ProvenRequest":
    """A version 2 request checked by any admin of the circle, without the link's secret (§9).

    The request carries the signed invite its joiner opened. It shows an admin of this circle now
    made that link with this ``auth_pub``, so the server, which knows the ``auth_pub``, still
    cannot make a request up: it cannot sign an invite as an admin. An invite past its expiry at
    ``now`` is ``expired``: the server could otherwise list an old request again for ever.
    """
    fields = expect_object(request, _REQUEST_BY_VERSION[2], versions=(2,))
    request_id, proof = unb64u_id(fields["invite_id"]), unb64u(fields["proof"])
    signer, _payload, _sig = signed.decode(fields["invite"])
    inviter = state.inviter_identity(signer)
    if inviter is None:
        raise ProtocolError("not_admin", "the invite was not made by an admin of this circle")
    payload = signed.verify(fields["invite"], "invite", {signer: inviter.sign_pub}.get, versions=(2,))
    payload = expect_object(payload, _PAYLOAD_BY_VERSION[2], versions=(2,))
    expires_at = parse_time(payload["expires_at"])
    if unb64u_id(payload["circle_id"]) != state.circle_id or unb64u(payload["genesis_hash"], 32) != genesis_hash:
        raise ProtocolError("context_mismatch", "the invite is for another circle")
    if unb64u_id(payload["invite_id"]) != request_id:
        raise ProtocolError("context_mismatch", "the invite is for another link than the request")
    if now >= expires_at:
        raise ProtocolError("expired")
    joiner = verify_identity(fields["identity"])
    try:
        primitives.ed25519_verify(unb64u(payload["auth_pub"], 32), proof, _join_input(request_id, joiner))
    except ProtocolError as exc:
        raise ProtocolError("bad_proof") from exc
    return ProvenRequest(joiner, inviter)


def check_carried_invite(request: dict[str, Any], maker: PublicIdentity, auth_pub: bytes) -> None:
    """The server's look at a v2 request's ``invite``, once the proof held: the invite its maker
    signed for this very link, else ``context_mismatch``. Nobody relies on it (the admins check
    again); it keeps a request any admin would refuse out of their list."""
    if request.get("v") != JOIN_VERSION:
        return
    payload = signed.verify(request["invite"], "invite", {maker.device_id: maker.sign_pub}.get, versions=(2,))
    payload = expect_object(payload, _PAYLOAD_BY_VERSION[2], versions=(2,))
    if payload["invite_id"] != request["invite_id"] or unb64u(payload["auth_pub"], 32) != auth_pub:
        raise ProtocolError("context_mismatch", "the invite carried is not this link's")


@dataclass(frozen=True)
class ProvenRequest:
    """A request any admin may answer: who asks, and which admin made the link they hold."""

    joiner: PublicIdentity
    inviter: PublicIdentity
