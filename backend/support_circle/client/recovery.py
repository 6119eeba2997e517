"""Recovery from the server (PROTOCOL.md §15): a device keeps its escrow there, and a new device
given only the recovery key takes the personal circle over from it.

    put_escrow(device, recovery_key, circle)            # on the device that has the plan
    device, circle = recover(base_url, recovery_key)    # on a new one, after that device is lost
"""

import httpx

from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import Api, ApiError, HttpClient
from support_circle.protocol import escrow
from support_circle.protocol.encoding import b64u
from support_circle.protocol.escrow import EscrowContent
from support_circle.protocol.identity import DeviceKeys


def escrow_path(recovery_key: bytes) -> str:
    return f"/v1/recovery/{b64u(escrow.escrow_id(recovery_key))}"


def put_escrow(device: Device, recovery_key: bytes, circle: CircleReplica) -> None:
    """Stores, or replaces, this device's escrow for its personal circle ``circle``, with the
    membership log head the replica has verified; put it again whenever that head moves on."""
    content = EscrowContent(device.keys, circle.circle_id, circle.genesis_hash, circle.verified.head)
    sealed = escrow.seal_escrow(escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key), content)
    device.call("PUT", escrow_path(recovery_key), {"escrow": sealed})


def recover(
    base_url: str,
    recovery_key: bytes,
    *,
    transport: httpx.BaseTransport | None = None,
    http: HttpClient | None = None,
    keys: DeviceKeys | None = None,
) -> tuple[Device, CircleReplica]:
    """A new device holding the personal circle, with its whole history, and the escrowed one removed.

    In the order of §15, each step safe to retry: signed in as the escrowed device, it verifies
    the log knowing the escrow's head (a log rolled back behind it is ``rolled_back``) and adds the
    new device, unless it is a member already, as an admin with every epoch key; then, as the new
    device, it removes the escrowed one before anything is written, so whoever has the lost device
    gets nothing new; last, as the escrowed device, it deletes the escrow. ``keys`` are the new
    device's from an attempt that did not finish, to take up where it stopped; a new identity is
    made otherwise. The new device then needs a vault, a recovery key and an escrow of its own.
    """
    api = Api(base_url, transport=transport, http=http)
    content = escrow.open_with_recovery_key(recovery_key, api.get(escrow_path(recovery_key))["escrow"])
    new = Device(keys or DeviceKeys.generate(), api)
    new.register()  # a retried registration is no error
    escrowed = Device(content.device, Api(base_url, transport=transport, http=http))
    try:
        escrowed.sign_in()
        _admit(escrowed, new, content)
        new.sign_in()
        circle = new.join_circle(content.circle_id, content.genesis_hash, content.head)
        if content.device.device_id in circle.verified.members:
            # No notice (§17): a recovery key proves nobody is the person, so whoever holds one must
            # not make the person's own device erase itself; the escrowed device just syncs no more.
            circle.remove_member(content.device.device_id, tell=False)
        _let_go(escrowed, recovery_key)
    finally:
        if http is None:  # a client the caller gave is the caller's to close
            escrowed.api.close()
    return new, circle


def _admit(escrowed: Device, new: Device, content: EscrowContent) -> None:
    """As the escrowed device: verify the log from the escrow's genesis, knowing its head, and add
    the new device with every epoch key unless an earlier attempt did."""
    try:
        circle = escrowed.join_circle(content.circle_id, content.genesis_hash, content.head)
    except ApiError as error:
        if error.code != "not_found":
            raise
        # No longer a member: an earlier attempt got as far as removing it. The new device
        # verifies the log itself next, and finds out if that is not so.
        return
    if new.keys.device_id not in circle.verified.members:
        circle.add_member(new.keys.identity(), "admin", history=True)


def _let_go(escrowed: Device, recovery_key: bytes) -> None:
    """As the escrowed device, still registered though out of the circle: delete the escrow (gone
    already after an earlier attempt is no error), then the sign-in."""
    try:
        escrowed.call("DELETE", escrow_path(recovery_key))
    except ApiError as error:
        if error.status != 404:
            raise
    escrowed.call("DELETE", "/v1/auth/token")
