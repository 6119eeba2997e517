"""Recovery from the server (PROTOCOL.md §15): a device keeps its escrow there, and a new device
given only the recovery key takes the personal circle over from it.

    kept = keep_escrow(device, recovery_key, circle)          # on the device that has the plan
    check_escrow(kept)                                        # on every sync: an old copy is rolled_back
    kept = replace_recovery_key(device, circle, kept, new_rk) # the old key then opens nothing usable
    device, circle = recover(base_url, recovery_key)          # on a new one, after that device is lost

The escrow holds a recovery identity's keys (version 2), never the device's own; ``KeptEscrow`` is
what the device's vault remembers of it.
"""

from dataclasses import dataclass, replace

import httpx

from support_circle.client import person
from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import Api, ApiError, HttpClient
from support_circle.protocol import escrow
from support_circle.protocol.encoding import b64u
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.escrow import EscrowContent, Escrowing
from support_circle.protocol.identity import DeviceKeys

ROLLED_BACK = "the server is serving an old copy of your recovery backup"


def escrow_path(recovery_key: bytes) -> str:
    return f"/v1/recovery/{b64u(escrow.escrow_id(recovery_key))}"


@dataclass(frozen=True)
class KeptEscrow:
    """What a vault remembers of its escrow: the key's recovery identity and the last counter the
    server acknowledged (a reference client keeps ``rk``; the app keeps only the id and key)."""

    recovery_key: bytes
    identity: DeviceKeys
    counter: int = 0


def keep_escrow(
    device: Device, recovery_key: bytes, circle: CircleReplica, kept: KeptEscrow | None = None
) -> KeptEscrow:
    """Makes sure this key's recovery identity is registered and an admin of the personal circle
    ``circle`` with every epoch key, then puts a version 2 escrow with the next counter, signed in
    as that identity. ``kept`` is what an earlier call returned; a new key gets a new identity."""
    if kept is None or kept.recovery_key != recovery_key:
        counter = 0 if kept is None else kept.counter
        kept = KeptEscrow(recovery_key, DeviceKeys.generate(), counter)
    identity = _as(device, kept.identity)
    # Signed in as this device, so a server that asks for registration codes needs none for it.
    device.call("POST", "/v1/devices", {"identity": kept.identity.identity()})  # a retry is no error
    if kept.identity.device_id not in circle.verified.members:
        circle.add_member(kept.identity.identity(), "admin", history=True)
    # A companion of the person in each shared circle too, so a recovered phone can let itself in
    # there when every other device of the person is lost (§15, §16 "A person's circles").
    for shared in person.shared_circles(device):
        person.reach_every_device(circle, shared)
    circle.push()
    counter = kept.counter + 1
    content = EscrowContent(
        kept.identity,
        circle.circle_id,
        circle.genesis_hash,
        circle.verified.head,
        Escrowing(device.keys.device_id, counter),
    )
    sealed = escrow.seal_escrow(escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key), content)
    identity.sign_in()
    try:
        _put(device, identity, recovery_key, sealed)
    finally:
        identity.call("DELETE", "/v1/auth/token")
    return replace(kept, counter=counter)


def _put(device: Device, identity: Device, recovery_key: bytes, sealed: dict[str, object]) -> None:
    try:
        identity.call("PUT", escrow_path(recovery_key), {"escrow": sealed})
    except ApiError as error:
        if error.code != "escrow_taken":
            raise
        # A version 1 escrow this device put itself under this id, before it upgraded: its own keys,
        # which must not stay there.
        device.call("DELETE", escrow_path(recovery_key))
        identity.call("PUT", escrow_path(recovery_key), {"escrow": sealed})


def check_escrow(api: Api, kept: KeptEscrow) -> EscrowContent | None:
    """The escrow the server serves under this key, checked against what this device put last:
    a counter below it is ``rolled_back``. ``None`` when the server has none (put it again)."""
    try:
        sealed = api.get(escrow_path(kept.recovery_key))["escrow"]
    except ApiError as error:
        if error.status == 404:
            return None
        raise
    content = escrow.open_with_recovery_key(kept.recovery_key, sealed)
    served = 0 if content.escrowing is None else content.escrowing.counter
    if served < kept.counter:
        raise ProtocolError("rolled_back", f"{ROLLED_BACK}: counter {served}, this device put {kept.counter}")
    return content


def replace_recovery_key(device: Device, circle: CircleReplica, kept: KeptEscrow, recovery_key: bytes) -> KeptEscrow:
    """The escrow under a new recovery key, with a new recovery identity; then the old identity is
    removed from the circle (a new epoch it gets no key of) and its escrow deleted, so the old key,
    and any copy of the old escrow the server kept, opens nothing usable."""
    new = keep_escrow(device, recovery_key, circle, kept)
    if kept.identity.device_id in circle.verified.members:
        # A spent recovery identity is no device that could erase itself: no notice (§17).
        circle.remove_member(kept.identity.device_id, tell=False)
    for shared in person.shared_circles(device):
        if kept.identity.device_id in shared.verified.members:
            shared.remove_member(kept.identity.device_id, tell=False)
            person.keep_keyring(circle, shared)
    circle.push()
    old = _as(device, kept.identity)
    old.sign_in()
    try:
        old.call("DELETE", escrow_path(kept.recovery_key))
    except ApiError as error:
        if error.status != 404:
            raise
    finally:
        old.call("DELETE", "/v1/auth/token")
    return new


def _as(device: Device, keys: DeviceKeys) -> Device:
    """Another identity this device acts as, over the same connection with its own sign-in."""
    return Device(keys, Api("", http=device.api.http))


def recover(
    base_url: str,
    recovery_key: bytes,
    *,
    transport: httpx.BaseTransport | None = None,
    http: HttpClient | None = None,
    keys: DeviceKeys | None = None,
) -> tuple[Device, CircleReplica]:
    """A new device holding the personal circle, with its whole history, and the escrowed one removed.

    In the order of §15, each step safe to retry: signed in as the escrow's identity (the recovery
    identity of a version 2 escrow, the escrowed device itself in version 1), it verifies
    the log knowing the escrow's head (a log rolled back behind it is ``rolled_back``) and adds the
    new device, unless it is a member already, as an admin with every epoch key; then, as the new
    device, it removes the escrowed one, then the recovery identity, before anything is written, so
    whoever has the lost device or the spent key gets nothing new; last, as the escrow's identity,
    it deletes the escrow. ``keys`` are the new
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
        # The escrowing device first, then (version 2) the recovery identity: the old device and
        # the spent key each get no key of what comes next. No notice (§17): a recovery key proves
        # nobody is the person, so whoever holds one must not make the person's own device erase
        # itself; the escrowed device just syncs no more.
        gone = list(dict.fromkeys((content.escrowed_device_id, content.device.device_id)))
        for device_id in gone:
            if device_id in circle.verified.members:
                circle.remove_member(device_id, tell=False)
        _take_shared_circles(new, circle, gone)
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
    _let_in_everywhere(escrowed, circle, new)


def _let_in_everywhere(escrowed: Device, personal: CircleReplica, new: Device) -> None:
    """As the recovery identity, a companion of the person in each of their shared circles: let
    the new device in as its own companion there (§15, §16 "A person's circles")."""
    personal.pull()
    for shared in person.open_linked(escrowed, personal):
        if new.keys.device_id not in shared.verified.members:
            shared.add_companion(new.keys.identity())


def _take_shared_circles(new: Device, personal: CircleReplica, gone: list[bytes]) -> None:
    """As the new device: open every circle of the keyring, history and all, and remove from each
    the escrowing device and the recovery identity (each a new epoch), as from the personal one."""
    personal.pull()
    for shared in person.open_linked(new, personal):
        for device_id in gone:
            if device_id in shared.verified.members:
                shared.remove_member(device_id, tell=False)
        person.keep_keyring(personal, shared)
    personal.push()


def _let_go(escrowed: Device, recovery_key: bytes) -> None:
    """As the escrowed device, still registered though out of the circle: delete the escrow (gone
    already after an earlier attempt is no error), then the sign-in."""
    try:
        escrowed.call("DELETE", escrow_path(recovery_key))
    except ApiError as error:
        if error.status != 404:
            raise
    escrowed.call("DELETE", "/v1/auth/token")
