from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from support_circle.db import SessionDep
from support_circle.deps import SettingsDep
from support_circle.services.server_info import get_server_info

router = APIRouter(tags=["server"])

# Version 2 (PROTOCOL §18) is read beside version 1: this server checks and stores both.
PROTOCOL_VERSIONS = [1, 2]


class ServerPublic(BaseModel):
    server_id: str = Field(
        description="Random, made once per database; a change means a different or restored database."
    )
    protocol_versions: list[int] = Field(description="Protocol versions this server speaks.")
    safety_line: str = Field(
        description="The organisation's line for someone in danger now (emergency number, support line), plain text."
    )
    quick_exit_url: str = Field(
        description="Where Leave now goes while online unless the person chose their own; empty: the neutral page."
    )
    disguise: Literal["plain", "notes", "recipes", "budget"] = Field(
        description="How the app appears on a new device until the person chooses: `plain` is its own name."
    )


@router.get("/server", summary="What this server is and which protocol versions it speaks")
def read_server(session: SessionDep, settings: SettingsDep) -> ServerPublic:
    info = get_server_info(session)
    return ServerPublic(
        server_id=info.server_id,
        protocol_versions=PROTOCOL_VERSIONS,
        safety_line=settings.safety_line,
        quick_exit_url=settings.quick_exit_url,
        disguise=settings.disguise,
    )
