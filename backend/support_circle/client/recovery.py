"""Recovery from the server (PROTOCOL.md §15): a device keeps its escrow there, and a new device
given only the recovery key takes the personal circle over from it.

    put_escrow(device, recovery_key, circle)            # on the device that has the plan
    device, circle = recover(base_url, recovery_key)    # on a new one, after that device is lost
"""

import httpx

from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import Api, HttpClient
from support_circle.protocol import escrow
from support_circle.protocol.encoding import b64u
from support_circle.protocol.escrow import EscrowContent
from support_circle.protocol.identity import DeviceKeys


def escrow_path(recovery_key: bytes) -> str:
    return f"/v1/recovery/{b64u(escrow.escrow_id(recovery_key))}"


def put_escrow(device: Device, recovery_key: bytes, circle: CircleReplica) -> None:
    """Stores, or replaces, this device's escrow for its personal circle ``circle``."""
    content = EscrowContent(device.keys, circle.circle_id, circle.genesis_hash)
    sealed = escrow.seal_escrow(escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key), content)
    device.call("PUT", escrow_path(recovery_key), {"escrow": sealed})


def recover(
    base_url: str,
    recovery_key: bytes,
    *,
    transport: httpx.BaseTransport | None = None,
    http: HttpClient | None = None,
) -> tuple[Device, CircleReplica]:
    """A new device holding the personal circle, with its whole history, and the escrowed one removed.

    Signed in as the escrowed device, it adds the new one as an admin with every epoch key and
    deletes the escrow; then, as itself, it removes the escrowed device, so whoever has the lost
    device gets nothing new. The new device then needs a vault, a recovery key and an escrow of
    its own.
    """
    api = Api(base_url, transport=transport, http=http)
    content = escrow.open_with_recovery_key(recovery_key, api.get(escrow_path(recovery_key))["escrow"])
    new = Device(DeviceKeys.generate(), api)
    new.register()
    escrowed = Device(content.device, Api(base_url, transport=transport, http=http))
    try:
        _hand_over(escrowed, new, content, recovery_key)
    finally:
        if http is None:  # a client the caller gave is the caller's to close
            escrowed.api.close()
    new.sign_in()
    circle = new.join_circle(content.circle_id, content.genesis_hash)
    circle.remove_member(content.device.device_id)
    return new, circle


def _hand_over(escrowed: Device, new: Device, content: EscrowContent, recovery_key: bytes) -> None:
    """As the escrowed device: admit the new one with every epoch key, then let go of the escrow."""
    escrowed.sign_in()
    circle = escrowed.join_circle(content.circle_id, content.genesis_hash)
    circle.add_member(new.keys.identity(), "admin", history=True)
    escrowed.call("DELETE", escrow_path(recovery_key))
    escrowed.call("DELETE", "/v1/auth/token")
