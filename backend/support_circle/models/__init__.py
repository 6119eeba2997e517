"""Table models, one module per resource. The server stores ids, ciphertext, padded sizes and
timestamps — never content, names or contact details (docs/architecture.md §2)."""

from support_circle.models.changes import Change
from support_circle.models.circles import Circle, CircleMember, KeyEnvelopeRow, MembershipEntry
from support_circle.models.devices import AuthChallenge, AuthToken, Device, RegistrationCode, TokenRevocation
from support_circle.models.events import LiveEvent
from support_circle.models.invites import Invite, JoinRequest
from support_circle.models.recovery import RecoveryEscrow
from support_circle.models.server import ServerInfo
from support_circle.models.unlinked import UnlinkedNotice

__all__ = [
    "AuthChallenge",
    "AuthToken",
    "Change",
    "Circle",
    "CircleMember",
    "Device",
    "Invite",
    "JoinRequest",
    "KeyEnvelopeRow",
    "LiveEvent",
    "MembershipEntry",
    "RecoveryEscrow",
    "RegistrationCode",
    "ServerInfo",
    "TokenRevocation",
    "UnlinkedNotice",
]
