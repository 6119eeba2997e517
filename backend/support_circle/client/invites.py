"""Invites from the client's side: the admin makes a link, the joiner asks, the admin approves."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from support_circle.client.refusals import INVITE, refused
from support_circle.protocol import ProtocolError, invites, membership
from support_circle.protocol.encoding import b64u, format_time, unb64u

if TYPE_CHECKING:
    from support_circle.client.circle import CircleReplica
    from support_circle.client.device import Device


def create_invite(circle: "CircleReplica", *, days: int = 7, max_uses: int = 1) -> bytes:
    """A new invite for ``circle``; returns the secret, which travels only in the link's fragment."""
    secret = invites.new_secret()
    keys = invites.derive(secret)
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    genesis_hash = membership.genesis_hash(circle.log)
    record = invites.seal_invite(circle.device.keys, secret, circle.circle_id, genesis_hash, expires_at)
    body = {
        "record": record,
        "auth_pub": b64u(keys.auth_pub),
        "expires_at": format_time(expires_at),
        "max_uses": max_uses,
    }
    circle.device.call("POST", f"{circle.path}/invites", body)
    return secret


def link(base_url: str, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/#join={b64u(secret)}"


def request_to_join(device: "Device", secret: bytes) -> tuple[invites.Invite, str]:
    """Opens the invite with the link's secret and asks to join; returns it and the request id."""
    keys = invites.derive(secret)
    found = device.call("GET", f"/v1/invites/{b64u(keys.invite_id)}")
    with refused("The invite", INVITE):
        invite = invites.open_invite(secret, found["record"], datetime.now(UTC))
    request = invites.make_join_request(secret, device.keys, invite)
    answer = device.call("POST", f"/v1/invites/{b64u(keys.invite_id)}/requests", {"request": request})
    return invite, str(answer["request_id"])


def pending_requests(circle: "CircleReplica", secret: bytes) -> list[dict[str, Any]]:
    """Pending requests for the invite made with ``secret``, each checked against it here too:
    a request the server made up has no valid proof and is left out."""
    keys = invites.derive(secret)
    served = circle.device.call("GET", f"{circle.path}/requests")["data"]
    return [p for p in served if unb64u(p["invite_id"]) == keys.invite_id and _proven(keys, p["request"])]


def requests_for_any_admin(circle: "CircleReplica") -> list[dict[str, Any]]:
    """Every pending request any admin of ``circle`` can check without the link's secret: those
    carrying an unexpired invite a current admin of the circle signed, for this circle, on the log
    as the server holds it now. A device the log once held and no longer does (a removed member's
    old request the server lists again) is left out: letting it back in takes a new link."""
    circle.refresh()
    served = circle.device.call("GET", f"{circle.path}/requests")["data"]
    return [p for p in served if _proven_by_invite(circle, p["request"]) is not None]


def approve_by_invite(circle: "CircleReplica", request_id: str, request: dict[str, Any]) -> None:
    """Admits a request on another admin's link, checked again on the log as it is at signing:
    its inviter may have been removed, or its invite expired, since it was listed (``not_admin``,
    ``expired``)."""
    circle.refresh()
    if _proven_by_invite(circle, request, strict=True) is None:
        raise ProtocolError("not_admin", "a device the circle held before")
    circle.approve(request_id, request)


def _proven_by_invite(
    circle: "CircleReplica", request: object, *, strict: bool = False
) -> invites.ProvenRequest | None:
    state = circle.verified
    try:
        proven = invites.verify_request_by_invite(
            state, membership.genesis_hash(circle.log), request, datetime.now(UTC)
        )
    except ProtocolError:
        if strict:
            raise
        return None
    held_before = proven.joiner.device_id in state.identities
    return None if held_before else proven


def _proven(keys: invites.InviteKeys, request: object) -> bool:
    """Whether the joiner shows they hold the link; anything else is the server's own making."""
    try:
        invites.verify_join_request(keys.auth_pub, keys.invite_id, request)
    except ProtocolError:
        return False
    return True
