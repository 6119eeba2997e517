"""What a device stores counts in its quota (``DEVICE_QUOTA_BYTES``): record ciphertext (charged by
``changes.push``), invite records, membership log entries and key envelopes. Each is charged once,
to the device whose request stored it, when it is stored; replacing something is not charged again."""

from sqlalchemy import Integer, bindparam, update
from sqlmodel import Session

from support_circle.errors import TooLarge
from support_circle.models import Device
from support_circle.settings import Settings

_device = Device.__table__  # type: ignore[attr-defined]


def charge(session: Session, settings: Settings, device: Device, size: int) -> None:
    """Counts ``size`` more bytes for the device, or refuses them all past its quota.

    The device's row is locked and read afresh: requests to its other circles charge the same row
    at the same time, and one must not overwrite another's count. The caller commits.
    """
    session.refresh(device, with_for_update=True)
    check(settings, device.bytes_stored, size)
    device.bytes_stored += size
    session.add(device)


def check(settings: Settings, stored: int, size: int) -> None:
    """Refuses ``size`` more bytes for a device that stores ``stored`` (read from its locked row)."""
    if stored + size > settings.device_quota_bytes:
        raise TooLarge(
            "quota_exceeded", "This device has used its storage on this server. Ask the organisation for more."
        )


# The UPDATE that counts ``charge_bytes`` more for the device ``charge_device``, whose row the caller
# has locked and ``check``-ed (services that write through a connection rather than a session).
CHARGE = (
    update(_device)
    .where(_device.c.id == bindparam("charge_device"))
    .values(bytes_stored=_device.c.bytes_stored + bindparam("charge_bytes", type_=Integer))
)
