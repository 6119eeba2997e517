from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from support_circle.api.counters import CirclePublic
from support_circle.db import EngineDep
from support_circle.deps import SettingsDep, SignedInDeviceId
from support_circle.errors import ErrorBody, Rejected
from support_circle.pipelines import PipelinesDep
from support_circle.services import changes, pulls
from support_circle.settings import Settings
from support_circle.wire import Id, RecordEnvelope

router = APIRouter(prefix="/circles/{circle_id}/changes", tags=["changes"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


class ChangeIn(BaseModel):
    change_id: Id = Field(description="Made by the client; a retried push with the same id is applied once.")
    base_seq: int | None = Field(None, ge=1, description="The record's newest revision this change builds on.")
    envelope: RecordEnvelope


class PushBody(BaseModel):
    changes: list[ChangeIn] = Field(min_length=1, max_length=10_000)


class PushResult(BaseModel):
    seqs: list[int] = Field(description="Each change's sequence number, in the order pushed.")


class ChangeOut(BaseModel):
    seq: int
    change_id: Id
    envelope: RecordEnvelope
    pushed_by: Id | None = Field(
        None,
        description="The device that pushed this change, as the server saw it signed in; given only for epochs "
        "whose key the reader holds. A reader names it when the change does not read: the server's word, not "
        "a signature (PROTOCOL.md §16).",
    )


class ChangePage(BaseModel):
    """A page of changes, and `circle`: the circle's counters, read with the page in one snapshot, so
    `change_seq` is at least the last change's seq and the membership head is the one the page's
    epochs come from (PROTOCOL.md §7, "Pulling")."""

    data: list[ChangeOut]
    cursor: int = Field(description="Pass as `since` to continue.")
    done: bool
    circle: CirclePublic


@router.post("", summary="Push encrypted changes, all or none", responses=ERRORS)
async def push_changes(
    circle_id: Id,
    body: PushBody,
    engine: EngineDep,
    pipelines: PipelinesDep,
    settings: SettingsDep,
    device_id: SignedInDeviceId,
) -> PushResult:
    # Async: on PostgreSQL the push runs on the event loop, on SQLite in one worker thread.
    items = []
    for change in body.changes:
        envelope = change.envelope.wire()
        if envelope["circle_id"] != circle_id:
            raise Rejected("context_mismatch", "A change's envelope names another circle.")
        items.append(changes.PushItem(change.change_id, envelope["record_id"], change.base_seq, envelope))
    return PushResult(seqs=await changes.push(engine, pipelines, settings, device_id, circle_id, items))


@router.get("", summary="Pull changes after a cursor, oldest first", response_model=ChangePage, responses=ERRORS)
async def pull_changes(
    circle_id: Id,
    engine: EngineDep,
    settings: SettingsDep,
    device_id: SignedInDeviceId,
    since: int = Query(0, ge=0, le=2**62),
    limit: int = Query(200, ge=1, le=1000),
) -> Response:
    return await run_in_threadpool(_page, engine, settings, device_id, circle_id, since, limit)


def _page(engine: Engine, settings: Settings, device_id: str, circle_id: str, since: int, limit: int) -> Response:
    """The page (a ``ChangePage``), read and written out in one worker thread.

    Written out by hand rather than through ``ChangePage``: each envelope is put in as the JSON
    text the push stored, which the push had validated as a ``RecordEnvelope``, and ids (the
    change's and the pushing device's) are ``Id`` strings, base64url, needing no escapes. Parsing
    and validating every change again, then writing it out, cost most of a page's time.
    """
    page = pulls.pull(engine, settings, device_id, circle_id, since, limit)
    data = ",".join(
        f'{{"seq":{r.seq},"change_id":"{r.change_id}","envelope":{r.envelope_json},'
        f'"pushed_by":{_quoted(r.device_id) if r.held else "null"}}}'
        for r in page.changes
    )
    cursor = page.changes[-1].seq if page.changes else since
    done = "true" if page.done else "false"
    circle = CirclePublic.of(page.counters).model_dump_json()
    return Response(
        f'{{"data":[{data}],"cursor":{cursor},"done":{done},"circle":{circle}}}', media_type="application/json"
    )


def _quoted(an_id: str) -> str:
    return f'"{an_id}"'
