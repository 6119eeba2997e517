"""What a device stores counts in its quota (``DEVICE_QUOTA_BYTES``): record ciphertext (charged by
``changes.push``), invite records, membership log entries and key envelopes. Each is charged once,
to the device whose request stored it, when it is stored; replacing something is not charged again."""

from sqlmodel import Session

from support_circle.errors import TooLarge
from support_circle.models import Device
from support_circle.settings import Settings


def charge(session: Session, settings: Settings, device: Device, size: int) -> None:
    """Counts ``size`` more bytes for the device, or refuses them all past its quota.

    The device's row is locked and read afresh: requests to its other circles charge the same row
    at the same time, and one must not overwrite another's count. The caller commits.
    """
    session.refresh(device, with_for_update=True)
    if device.bytes_stored + size > settings.device_quota_bytes:
        raise TooLarge(
            "quota_exceeded", "This device has used its storage on this server. Ask the organisation for more."
        )
    device.bytes_stored += size
    session.add(device)
