"""The API's models of the protocol's wire objects, matching shared_schema/schemas exactly.

Strict: ``true`` is not 1, unknown members are refused; a test compares these with the schemas.
The protocol code checks them again, cryptographically, before anything is stored.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from support_circle.protocol.encoding import is_version

B64u = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]*$", max_length=200_000)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{21}[AQgw]$", description="16 random bytes, b64u.")]
Key32 = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$", description="32 bytes, b64u.")]
Signature = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{85}[AQgw]$", description="64 bytes, b64u.")]
Nonce = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16}$", description="12 bytes, b64u.")]
Epoch = Annotated[int, Field(ge=0, le=4294967295)]


def _version(value: object) -> object:
    # Literal[1] alone lets true and 1.0 through, as both equal 1 in Python; §1 refuses them.
    if not is_version(value):
        raise ValueError("v is the integer 1")
    return value


Version = Annotated[Literal[1], BeforeValidator(_version)]


def _join_version(value: object) -> object:
    if not is_version(value, (1, 2)):
        raise ValueError("v is the integer 1 or 2")
    return value


# A join request is v1, or v2 with the admin's signed invite for any admin to check (§9).
JoinVersion = Annotated[Literal[1, 2], BeforeValidator(_join_version)]
# An escrow's content pads to 256 or 512 bytes; 1024 leaves room, and the tag adds 16.
MAX_ESCROW_CT_BYTES = 1024 + 16
EscrowCt = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]*$",
        max_length=(MAX_ESCROW_CT_BYTES * 4 + 2) // 3,  # unpadded base64url characters
        description=f"b64u, at most {MAX_ESCROW_CT_BYTES} bytes.",
    ),
]


class Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class SignedObject(Wire):
    """Exact signed bytes plus their signature (PROTOCOL.md §2)."""

    v: Version
    signer: Id
    payload: B64u
    sig: Signature


class KeyEnvelope(Wire):
    """An epoch key sealed to one member device with HPKE (PROTOCOL.md §6)."""

    v: Version
    circle_id: Id
    epoch: Epoch
    recipient: Id
    sealed: B64u


class RecordEnvelope(Wire):
    """One encrypted record revision (PROTOCOL.md §7)."""

    v: Version
    circle_id: Id
    record_id: Id
    epoch: Epoch
    nonce: Nonce
    ct: B64u


class InviteRecord(Wire):
    """The encrypted invite the server stores (PROTOCOL.md §9)."""

    v: Version
    invite_id: Id
    nonce: Nonce
    ct: B64u


class JoinRequest(Wire):
    """A request to join, with proof of the invite secret (PROTOCOL.md §9)."""

    v: JoinVersion
    invite_id: Id
    identity: SignedObject
    proof: Signature
    invite: SignedObject | None = Field(None, description="v2: the admin's signed invite from the link's record.")

    def wire(self) -> dict[str, Any]:
        # A v1 request has no ``invite`` member at all; ``null`` would make it malformed (§1).
        return self.model_dump(mode="json", exclude_none=True)


class Escrow(Wire):
    """A device's recovery escrow, sealed under a key only the recovery key gives (PROTOCOL.md §15)."""

    v: Version
    nonce: Nonce
    ct: EscrowCt
