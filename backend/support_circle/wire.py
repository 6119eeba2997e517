"""The API's models of the protocol's wire objects, matching shared_schema/schemas exactly.

Strict: ``true`` is not 1, unknown members are refused; a test compares these with the schemas.
The protocol code checks them again, cryptographically, before anything is stored.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

B64u = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]*$", max_length=200_000)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{21}[AQgw]$", description="16 random bytes, b64u.")]
Key32 = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$", description="32 bytes, b64u.")]
Signature = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{85}[AQgw]$", description="64 bytes, b64u.")]
Nonce = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16}$", description="12 bytes, b64u.")]
Epoch = Annotated[int, Field(ge=0, le=4294967295)]


class Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class SignedObject(Wire):
    """Exact signed bytes plus their signature (PROTOCOL.md §2)."""

    v: Literal[1]
    signer: Id
    payload: B64u
    sig: Signature


class KeyEnvelope(Wire):
    """An epoch key sealed to one member device with HPKE (PROTOCOL.md §6)."""

    v: Literal[1]
    circle_id: Id
    epoch: Epoch
    recipient: Id
    sealed: B64u


class RecordEnvelope(Wire):
    """One encrypted record revision (PROTOCOL.md §7)."""

    v: Literal[1]
    circle_id: Id
    record_id: Id
    epoch: Epoch
    nonce: Nonce
    ct: B64u


class InviteRecord(Wire):
    """The encrypted invite the server stores (PROTOCOL.md §9)."""

    v: Literal[1]
    invite_id: Id
    nonce: Nonce
    ct: B64u


class JoinRequest(Wire):
    """A request to join, with proof of the invite secret (PROTOCOL.md §9)."""

    v: Literal[1]
    invite_id: Id
    identity: SignedObject
    proof: Signature
