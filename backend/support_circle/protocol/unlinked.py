"""Unlinked notices (PROTOCOL.md §17): one of the person's devices tells a device it removed.

A removed device is answered as if its circle did not exist, which a server or a broken network
could also make it see. It wipes itself only on a notice signed by an admin its own verified log
trusts, so a server can withhold a wipe but never cause one.
"""

from dataclasses import dataclass

from support_circle.protocol import signed
from support_circle.protocol.encoding import VERSION, b64u, expect_object, unb64u, unb64u_id
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import CircleState, Head

TYPE = "unlinked"
_MEMBERS = ("v", "type", "signer", "circle_id", "device_id", "seq", "entry_hash")


@dataclass(frozen=True)
class Notice:
    signer: bytes
    circle_id: bytes
    device_id: bytes
    removal: Head


def make(signer: DeviceKeys, circle_id: bytes, device_id: bytes, removal: Head) -> signed.SignedObject:
    """The notice for ``device_id``, naming the ``remove`` entry at ``removal``."""
    payload = {
        "v": VERSION,
        "type": TYPE,
        "signer": b64u(signer.device_id),
        "circle_id": b64u(circle_id),
        "device_id": b64u(device_id),
        "seq": removal.seq,
        "entry_hash": b64u(removal.hash),
    }
    return signer.sign(payload)


def read(notice: object, lookup: signed.KeyLookup) -> Notice:
    """Steps 1 to 5 of §17: the signature (with the key ``lookup`` trusts) and the payload's form."""
    payload = signed.verify(notice, TYPE, lookup)
    fields = expect_object(payload, _MEMBERS)
    return Notice(
        signer=unb64u_id(fields["signer"]),
        circle_id=unb64u_id(fields["circle_id"]),
        device_id=unb64u_id(fields["device_id"]),
        removal=Head(fields["seq"], unb64u(fields["entry_hash"])),
    )


def verify(notice: object, state: CircleState, me: bytes) -> Notice:
    """§17's checks, as the removed device makes them against the last log it verified: only a
    notice that passes them all may make it wipe."""
    read_notice = read(notice, state.sign_pub)
    if read_notice.circle_id != state.circle_id:
        raise ProtocolError("context_mismatch", "a notice for another circle")
    if read_notice.device_id != me:
        raise ProtocolError("context_mismatch", "a notice for another device")
    if state.members[read_notice.signer].role != "admin":
        raise ProtocolError("not_admin")
    if read_notice.signer == me or read_notice.removal.seq <= state.head.seq:
        raise ProtocolError("invalid_operation", "no removal this device has not seen")
    return read_notice
