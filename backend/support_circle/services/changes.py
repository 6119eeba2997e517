"""Pushes to a circle's change log: all-or-nothing, idempotent by change id, and numbered without
gaps. Pulls are ``pulls.py``."""

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import (
    JSON,
    ColumnElement,
    CompoundSelect,
    Connection,
    DateTime,
    Engine,
    Integer,
    Select,
    Text,
    any_,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal_column,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from starlette.concurrency import run_in_threadpool

from support_circle.db import (
    DriverStatement,
    compact_json,
    driver_statement,
    retried_if_disconnected,
    writing,
)
from support_circle.errors import Conflict, NotFound, Rejected, TooLarge
from support_circle.events import NOTIFY, Event, publish_committed
from support_circle.models import Change, Circle, CircleMember, Device
from support_circle.models.columns import utcnow
from support_circle.pipelines import Pipelines
from support_circle.pipelines import retried_if_disconnected as retried_if_disconnected_async
from support_circle.protocol.encoding import unb64u
from support_circle.services import quota
from support_circle.services.circles import NOT_A_MEMBER
from support_circle.services.sealed import check_padded
from support_circle.settings import Settings

# A push is the hot path: SQLAlchemy Core on one connection, its statements built once.
_change = Change.__table__  # type: ignore[attr-defined]
_circle = Circle.__table__  # type: ignore[attr-defined]
_member = CircleMember.__table__  # type: ignore[attr-defined]
_device = Device.__table__  # type: ignore[attr-defined]


def _in_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    return column.in_(bindparam(name, expanding=True))


def _in_array(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """PostgreSQL's IN-list: ``= ANY`` of one array, whatever its length, so the statement is
    compiled once for psycopg's cursor (an expanding IN-list is compiled again at each execution)."""
    return column == any_(bindparam(name, type_=ARRAY(Text)))


def _known_and_heads_query(among: Callable[[ColumnElement[Any], str], ColumnElement[bool]]) -> CompoundSelect[Any]:
    """The batch's change ids already in the log (``known`` 1: their seq and envelope), and the
    newest seq of each record the batch names (``known`` 0), read together once the circle is
    locked; ``among`` says how a column is matched against the list bound under a name."""
    return union_all(
        select(
            literal_column("1").label("known"), _change.c.change_id.label("key"), _change.c.seq, _change.c.envelope
        ).where(_change.c.circle_id == bindparam("circle_id"), among(_change.c.change_id, "change_ids")),
        select(literal_column("0"), _change.c.record_id, func.max(_change.c.seq), null())
        .where(_change.c.circle_id == bindparam("circle_id"), among(_change.c.record_id, "record_ids"))
        .group_by(_change.c.record_id),
    )


# The circle, if the device is an active member, and the device's stored bytes, both rows locked:
# pushes to the circle take their turns, and so do whatever charges the device's quota (its pushes
# to other circles, its log appends). Circle first, then device, as every other writer locks them.
_locked = (
    select(_circle.c.epoch, _circle.c.epoch_closed, _circle.c.change_seq, _device.c.bytes_stored)
    .select_from(
        _circle.join(_member, _member.c.circle_id == _circle.c.id).join(_device, _device.c.id == _member.c.device_id)
    )
    .where(
        _circle.c.id == bindparam("circle_id"),
        _member.c.device_id == bindparam("device_id"),
        _member.c.active.is_(True),
    )
    .with_for_update(of=[_circle, _device])
    .cte("locked")
)


def _lock_and_read_query(known_and_heads: CompoundSelect[Any]) -> Select[Any]:
    """The locks, and in the same round trip the known changes and heads with the circle's newest
    seq, as the statement's snapshot saw them. The locked row is read as it is once locked
    (PostgreSQL reads a row it waited for afresh), the rest as it was when the statement began: if
    a push committed in between, the locked count is past the snapshot's newest seq, and the caller
    reads them again. Every push raises the count with its rows, under this lock, so equal means
    current."""
    found = known_and_heads.subquery("found")
    return select(
        _locked,
        select(func.coalesce(func.max(_change.c.seq), 0))
        .where(_change.c.circle_id == bindparam("circle_id"))
        .scalar_subquery()
        .label("newest"),
        found.c.known,
        found.c.key,
        found.c.seq,
        found.c.envelope,
    ).select_from(_locked.outerjoin(found, true()))


# SQLite: run by SQLAlchemy.
_KNOWN_AND_HEADS = _known_and_heads_query(_in_list)
_LOCK_AND_READ = _lock_and_read_query(_KNOWN_AND_HEADS)

# PostgreSQL: a batch's new rows as one array per column, whatever its length, so the statement is
# the same text for every push. SQLAlchemy compiles it once (a multi-row VALUES was compiled again
# at every push: 9 bound values a row). A batch's envelopes travel as one value, bounded by the
# request body's limit (`MAX_BODY_BYTES`, 4 MiB), far below PostgreSQL's 1 GB for a value.
_new = (
    func.unnest(
        bindparam("seqs", type_=ARRAY(Integer)),
        bindparam("change_ids", type_=ARRAY(Text)),
        bindparam("record_ids", type_=ARRAY(Text)),
        bindparam("envelopes", type_=ARRAY(Text)),
        bindparam("sizes", type_=ARRAY(Integer)),
    )
    .table_valued(
        column("seq", Integer),
        column("change_id", Text),
        column("record_id", Text),
        column("envelope", Text),
        column("size", Integer),
    )
    .render_derived(name="new")
)
_INSERT_ARRAYS = insert(_change).from_select(
    ["circle_id", "seq", "change_id", "record_id", "epoch", "envelope", "size", "device_id", "created_at"],
    select(
        bindparam("batch_circle_id", type_=Text),
        _new.c.seq,
        _new.c.change_id,
        _new.c.record_id,
        bindparam("batch_epoch", type_=Integer),
        cast(_new.c.envelope, JSON),
        _new.c.size,
        bindparam("batch_device_id", type_=Text),
        bindparam("batch_created_at", type_=DateTime(timezone=True)),
    ),
)


# The circle's count of changes, and on PostgreSQL the write of a whole push in one statement: the
# INSERT and the quota's charge as CTEs of that UPDATE, which returns the notification (no one reads
# what it returns: ``pg_notify`` runs as the row is returned, PostgreSQL sends it once this commits).
_COUNT = update(_circle).where(_circle.c.id == bindparam("count_circle")).values(change_seq=bindparam("count_seq"))
_WRITE = _COUNT.returning(NOTIFY).add_cte(_INSERT_ARRAYS.cte("added"), quota.CHARGE.cte("charged"))

# PostgreSQL: run on psycopg's cursor in a pipeline (``pipelines.py``), compiled once.
_known_and_heads_in_arrays = _known_and_heads_query(_in_array)
_PIPELINED_KNOWN_AND_HEADS = driver_statement(_known_and_heads_in_arrays)
_PIPELINED_LOCK_AND_READ = driver_statement(_lock_and_read_query(_known_and_heads_in_arrays))
_PIPELINED_WRITE = driver_statement(_WRITE)


@dataclass(frozen=True)
class PushItem:
    change_id: str
    record_id: str
    base_seq: int | None
    envelope: dict[str, Any]


async def push(
    engine: Engine,
    pipelines: Pipelines | None,
    settings: Settings,
    device_id: str,
    circle_id: str,
    items: list[PushItem],
) -> list[int]:
    """The sequence number of each change, in order. A retried change keeps its first number.

    The whole batch is applied or none of it: a stale base (someone else changed the record
    first) or an old epoch is a 409 whose details name every change concerned.

    PostgreSQL (``pipelines`` given): one transaction of two round trips, on the event loop, its
    statements in a pipeline: BEGIN with the locks, the known changes and the record heads (read
    again, a round trip more, only if another push committed while this one waited); then one
    statement that inserts the batch, charges the quota, counts the circle's changes and announces
    them (data-modifying CTEs), with COMMIT. SQLite: the same steps in a worker thread, where a
    statement costs no round trip. A resent push answers as the first did, so one whose connection
    turns out dead is tried once more.
    """
    if len(items) > settings.max_batch:
        raise TooLarge("batch_too_large", f"Push at most {settings.max_batch} changes at once.")
    _check_distinct(items)
    if pipelines is None:
        return await run_in_threadpool(_push_in_thread, engine, settings, device_id, circle_id, items)

    async def attempt() -> list[int]:
        async with pipelines.transaction(turn=circle_id) as cursor:
            seqs, _announced = await _Pipelined(cursor).run(_apply(settings, device_id, circle_id, items))
            return seqs  # announced by PostgreSQL as the transaction commits

    return await retried_if_disconnected_async(attempt)


def _push_in_thread(
    engine: Engine, settings: Settings, device_id: str, circle_id: str, items: list[PushItem]
) -> list[int]:
    def attempt() -> tuple[list[int], Event | None]:
        with writing(engine) as connection:
            return _OnConnection(connection).run(_apply(settings, device_id, circle_id, items))

    seqs, announced = retried_if_disconnected(attempt)
    if announced is not None:
        publish_committed(engine, [announced])
    return seqs


@dataclass(frozen=True)
class _LockAndRead:
    """Lock the circle and the device; read the known changes and heads (``_lock_and_read_query``)."""

    parameters: dict[str, Any]


@dataclass(frozen=True)
class _KnownAndHeads:
    """Read the known changes and heads again (``_known_and_heads_query``)."""

    parameters: dict[str, Any]


@dataclass(frozen=True)
class _Write:
    """Insert ``rows``, charge their bytes to the device, count them in the circle, announce them."""

    rows: list[dict[str, Any]]
    device_id: str
    announced: Event


# A push's steps are written once for both databases: ``_apply`` yields each statement it needs and
# is sent the rows read (none for the write); each database's ``run`` carries them out, SQLite's in
# a worker thread, PostgreSQL's on the event loop.
Step = _LockAndRead | _KnownAndHeads | _Write
Steps = Generator[Step, Sequence[Any], tuple[list[int], Event | None]]


def _apply(settings: Settings, device_id: str, circle_id: str, items: list[PushItem]) -> Steps:
    """The push in its one transaction; rows are read by name (``known``, ``key``…)."""
    parameters = _parameters(circle_id, items)
    found = yield _LockAndRead({**parameters, "device_id": device_id})
    if not found:
        raise NotFound(NOT_A_MEMBER)
    epoch, closed, change_seq, stored, newest = found[0][:5]
    if newest == change_seq:
        known, heads = _known_and_heads(row for row in found if row.known is not None)
    else:  # another push committed while this one waited for the circle
        known, heads = _known_and_heads((yield _KnownAndHeads(parameters)))
    for item in items:
        if item.change_id in known and known[item.change_id][1] != item.envelope:
            raise Conflict("change_id_reused", "A change id was used before for different data.")
    new = [i for i in items if i.change_id not in known]
    seqs = {change_id: seq for change_id, (seq, _) in known.items()}
    # A closed epoch takes nothing (PROTOCOL.md §8): every change is then under a stale one.
    sizes = _check_new(settings, -1 if closed else epoch, stored, heads, change_seq, new)
    if not new:
        return [seqs[i.change_id] for i in items], None
    now = utcnow()
    rows = []
    for offset, (item, size) in enumerate(zip(new, sizes, strict=True)):
        seqs[item.change_id] = change_seq + 1 + offset
        rows.append(
            {
                "circle_id": circle_id,
                "seq": change_seq + 1 + offset,
                "change_id": item.change_id,
                "record_id": item.record_id,
                "epoch": item.envelope["epoch"],
                "envelope": item.envelope,
                "size": size,
                "device_id": device_id,
                "created_at": now,
            }
        )
    announced = Event("changes", circle_id, change_seq + len(new))
    yield _Write(rows, device_id, announced)
    return [seqs[i.change_id] for i in items], announced


def _parameters(circle_id: str, items: list[PushItem]) -> dict[str, Any]:
    return {
        "circle_id": circle_id,
        "change_ids": [i.change_id for i in items],
        "record_ids": list({i.record_id for i in items}),
    }


def _known_and_heads(rows: Iterable[Any]) -> tuple[dict[str, tuple[int, dict[str, Any]]], dict[str, int]]:
    """From rows of ``_KNOWN_AND_HEADS``: the batch's changes already pushed (seq and envelope by
    change id), and the newest seq of each record it names."""
    known: dict[str, tuple[int, dict[str, Any]]] = {}
    heads: dict[str, int] = {}
    for row in rows:
        if row.known:
            known[row.key] = (row.seq, row.envelope)
        else:
            heads[row.key] = row.seq
    return known, heads


def _charge_and_count(rows: list[dict[str, Any]], device_id: str, announced: Event) -> dict[str, Any]:
    return {
        "charge_device": device_id,
        "charge_bytes": sum(row["size"] for row in rows),
        "count_circle": announced.circle_id,
        "count_seq": announced.seq,
    }


class _OnConnection:
    """SQLite: the steps run by SQLAlchemy on ``connection``, in this process, where a statement
    costs no round trip."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def run(self, steps: Steps) -> tuple[list[int], Event | None]:
        try:
            step = next(steps)
            while True:
                step = steps.send(self._carry_out(step))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _carry_out(self, step: Step) -> Sequence[Any]:
        match step:
            case _LockAndRead(parameters):
                return self._connection.execute(_LOCK_AND_READ, parameters).all()
            case _KnownAndHeads(parameters):
                return self._connection.execute(_KNOWN_AND_HEADS, parameters).all()
            case _Write(rows, device_id, announced):
                # Three calls; the event is published once the transaction commits (``push``).
                parameters = _charge_and_count(rows, device_id, announced)
                self._connection.execute(insert(_change), rows)
                self._connection.execute(quota.CHARGE, parameters)
                self._connection.execute(_COUNT, parameters)
                return ()


class _Pipelined:
    """PostgreSQL: the steps on psycopg's cursor in a pipeline (``pipelines.py``), on the event
    loop. A read waits for its rows (a round trip, with what was sent before it); the write does
    not: it travels with COMMIT."""

    def __init__(self, cursor: "psycopg.AsyncCursor[Any]") -> None:
        self._cursor = cursor

    async def run(self, steps: Steps) -> tuple[list[int], Event | None]:
        try:
            step = next(steps)
            while True:
                step = steps.send(await self._carry_out(step))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def _carry_out(self, step: Step) -> Sequence[Any]:
        match step:
            case _LockAndRead(parameters):
                return await self._read(_PIPELINED_LOCK_AND_READ, parameters)
            case _KnownAndHeads(parameters):
                return await self._read(_PIPELINED_KNOWN_AND_HEADS, parameters)
            case _Write(rows, device_id, announced):
                await self._cursor.execute(
                    _PIPELINED_WRITE.sql, _PIPELINED_WRITE.parameters(_arrays(rows, device_id, announced))
                )
                return ()

    async def _read(self, statement: DriverStatement, parameters: dict[str, Any]) -> Sequence[Any]:
        await self._cursor.execute(statement.sql, statement.parameters(parameters))
        return await self._cursor.fetchall()


def _arrays(rows: list[dict[str, Any]], device_id: str, announced: Event) -> dict[str, Any]:
    """The parameters of PostgreSQL's one write: the INSERT and the charge as CTEs of the circle's
    UPDATE, which returns the notification, whatever the batch's size. One circle, device, time
    and epoch for the whole batch: ``_check_new`` refused any change under another epoch."""
    first = rows[0]
    return {
        **_charge_and_count(rows, device_id, announced),
        "batch_circle_id": first["circle_id"],
        "batch_epoch": first["epoch"],
        "batch_device_id": first["device_id"],
        "batch_created_at": first["created_at"],
        "seqs": [row["seq"] for row in rows],
        "change_ids": [row["change_id"] for row in rows],
        "record_ids": [row["record_id"] for row in rows],
        "envelopes": [compact_json(row["envelope"]) for row in rows],
        "sizes": [row["size"] for row in rows],
        "event_payload": announced.payload(),
    }


def _check_distinct(items: list[PushItem]) -> None:
    """One push names each change once: a change id twice would be two rows under one id."""
    if len({item.change_id for item in items}) != len(items):
        raise Rejected("duplicate_change_id", "A push names the same change twice. Update the app and try again.")


def _check_new(
    settings: Settings, epoch: int, stored: int, heads: dict[str, int], change_seq: int, new: list[PushItem]
) -> list[int]:
    """The ciphertext size of each new change, once the batch passed every check, in this order:
    epoch (-1 when the current one is closed), then each record's size and padding, then the
    device's quota, then each base."""
    stale_epoch = [
        {"change_id": i.change_id, "record_id": i.record_id, "epoch": i.envelope["epoch"]}
        for i in new
        if i.envelope["epoch"] != epoch
    ]
    if stale_epoch:
        message = "The circle's key has changed. Fetch the new key, re-encrypt these changes and push again."
        raise Conflict("stale_epoch", message, details=stale_epoch)
    sizes = []
    for item in new:
        sealed = unb64u(item.envelope["ct"])
        if len(sealed) > settings.max_record_bytes:
            raise TooLarge("record_too_large", f"A record may hold at most {settings.max_record_bytes} bytes.")
        check_padded(sealed, "record")
        sizes.append(len(sealed))
    quota.check(settings, stored, sum(sizes))
    # Each change must build on the record's newest revision, counting earlier ones in this batch.
    latest = dict(heads)
    stale = []
    for offset, item in enumerate(new):
        if latest.get(item.record_id) != item.base_seq:
            stale.append(
                {
                    "change_id": item.change_id,
                    "record_id": item.record_id,
                    "base_seq": item.base_seq,
                    "current_seq": latest.get(item.record_id),
                }
            )
        latest[item.record_id] = change_seq + 1 + offset
    if stale:
        raise Conflict("stale_base", "Someone changed these records first. Pull, merge and push again.", details=stale)
    return sizes
