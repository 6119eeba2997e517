from fastapi import APIRouter
from pydantic import BaseModel

from support_circle.db import EngineDep
from support_circle.errors import ErrorBody
from support_circle.services.server_info import check_ready

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: str


@router.get("/healthz", summary="The process is up")
def healthz() -> HealthStatus:
    return HealthStatus(status="ok")


@router.get(
    "/readyz",
    summary="The database is reachable and migrated",
    responses={503: {"model": ErrorBody, "description": "The database cannot be used."}},
)
def readyz(engine: EngineDep) -> HealthStatus:
    check_ready(engine)
    return HealthStatus(status="ready")
