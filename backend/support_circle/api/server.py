from fastapi import APIRouter
from pydantic import BaseModel, Field

from support_circle.db import SessionDep
from support_circle.services.server_info import get_server_info

router = APIRouter(tags=["server"])

PROTOCOL_VERSIONS = [1]


class ServerPublic(BaseModel):
    server_id: str = Field(
        description="Random, made once per database; a change means a different or restored database."
    )
    protocol_versions: list[int] = Field(description="Protocol versions this server speaks.")


@router.get("/server", summary="What this server is and which protocol versions it speaks")
def read_server(session: SessionDep) -> ServerPublic:
    info = get_server_info(session)
    return ServerPublic(server_id=info.server_id, protocol_versions=PROTOCOL_VERSIONS)
