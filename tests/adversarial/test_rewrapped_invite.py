"""A link holder re-wraps the admin's signed invite under a link of its own (PROTOCOL.md §9 step 11).

Whoever holds a link can open its record and take out the invite the admin signed. Wrapped under
another secret, a v1 invite looked to a joiner exactly like the admin's own link, though someone
else made that link and holds it. A v2 invite names its link's invite_id and auth_pub, so the
joiner refuses it and says why.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from support_circle.client import Device
from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica
from support_circle.protocol import ProtocolError, invites, primitives
from support_circle.protocol.encoding import b64u, ctx, format_time, unb64u
from support_circle.protocol.padding import pad, unpad
from tests.adversarial import tampering


def _rewrapped(record: dict[str, Any], secret: bytes, holder_secret: bytes) -> dict[str, Any]:
    """The same content, byte for byte, sealed under the holder's own link."""
    keys, holder = invites.derive(secret), invites.derive(holder_secret)
    aad = ctx("support-circle/v1/invite", keys.invite_id)
    content = unpad(primitives.aead_open(keys.invite_key, unb64u(record["nonce"]), unb64u(record["ct"]), aad))
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    ct = primitives.aead_seal(holder.invite_key, nonce, pad(content), ctx("support-circle/v1/invite", holder.invite_id))
    return {"v": 1, "invite_id": b64u(holder.invite_id), "nonce": b64u(nonce), "ct": b64u(ct)}


def _admins_record(device: Device, secret: bytes) -> dict[str, Any]:
    found = device.call("GET", f"/v1/invites/{b64u(invites.derive(secret).invite_id)}")
    record: dict[str, Any] = found["record"]
    return record


def _refused_with_reason(joiner: Device, secret: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as refused:
        client_invites.request_to_join(joiner, secret)
    assert refused.value.code == "context_mismatch", str(refused.value)
    assert "another link" in str(refused.value), "say what happened"
    return refused.value


def test_an_invite_rewrapped_by_a_link_holder_and_served_is_refused(
    app: FastAPI, new_device: Callable[[], Device]
) -> None:
    alice, holder, bea = new_device(), new_device(), new_device()
    circle = alice.create_circle(shared=True)
    secret = client_invites.create_invite(circle)
    holder_secret = invites.new_secret()
    rewrapped = _rewrapped(_admins_record(holder, secret), secret, holder_secret)
    auth_pub = invites.derive(holder_secret).auth_pub
    tampering.add_invite(app.state.engine, b64u(circle.circle_id), rewrapped, auth_pub, alice.device_id)

    _refused_with_reason(bea, holder_secret)
    assert client_invites.request_to_join(bea, secret)[0].inviter.device_id == alice.keys.device_id


def test_an_invite_rewrapped_by_a_co_admin_through_the_api_is_refused(new_device: Callable[[], Device]) -> None:
    """No help from the server: another admin of the circle registers its own link the usual way."""
    alice, mallory, bea = new_device(), new_device(), new_device()
    circle = alice.create_circle(shared=True)
    circle.add_member(mallory.keys.identity(), "admin")
    hers: CircleReplica = mallory.join_circle(circle.circle_id, circle.genesis_hash, shared=True)
    secret = client_invites.create_invite(circle)
    holder_secret = invites.new_secret()
    body = {
        "record": _rewrapped(_admins_record(mallory, secret), secret, holder_secret),
        "auth_pub": b64u(invites.derive(holder_secret).auth_pub),
        "expires_at": format_time(datetime.now(UTC).replace(microsecond=0) + timedelta(days=6)),
        "max_uses": 1,
    }
    mallory.call("POST", f"{hers.path}/invites", body)

    _refused_with_reason(bea, holder_secret)
