"""Pulls from a circle's change log: pages by cursor over an indexed sequence, each with the
circle's counters as the same statement saw them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Engine, Row, Text, bindparam, cast, func, or_, select, true

from support_circle.db import reading, retried_if_disconnected
from support_circle.errors import NotFound
from support_circle.models import Change, Circle, CircleMember, KeyEnvelopeRow
from support_circle.services.circles import COUNTERS, NOT_A_MEMBER
from support_circle.settings import Settings

_change = Change.__table__  # type: ignore[attr-defined]
_circle = Circle.__table__  # type: ignore[attr-defined]
_member = CircleMember.__table__  # type: ignore[attr-defined]
_key = KeyEnvelopeRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Page:
    """A page of pulled changes, oldest first, with the circle's counters as the same statement saw
    them (so ``counters.change_seq`` is at least the last change's seq, and the membership head is
    the one its epochs come from). Each change's ``held``: whether the reader holds that epoch's key
    on the server (of those changes, it is told who pushed them)."""

    changes: list[Row[Any]]
    done: bool
    counters: Row[Any]


# The changes after ``since``, at most ``limit``, and only as many as fit in ``max_bytes`` (always
# one), with ``total``: how many there were of the ``limit + 1`` looked at, so the page is done if
# it holds them all. The sizes add up in the database: envelopes that do not fit are never fetched.
#
# The envelope comes as the JSON text it is stored as (``envelope_json``): the route puts it in the
# response as it is, without parsing it into objects and writing them out again.
_window = (
    select(
        _change.c.seq,
        _change.c.change_id,
        cast(_change.c.envelope, Text).label("envelope_json"),
        _change.c.epoch,
        _change.c.device_id,
        _change.c.size,
    )
    # BIGINT: the API takes any cursor up to 2^62, which PostgreSQL would refuse as an INTEGER.
    .where(_change.c.circle_id == bindparam("circle_id"), _change.c.seq > bindparam("since", type_=BigInteger))
    .order_by(_change.c.seq)
    .limit(bindparam("window"))
    .subquery("later")
)
_ranked = select(
    _window,
    func.row_number().over(order_by=_window.c.seq).label("n"),
    func.sum(_window.c.size).over(order_by=_window.c.seq).label("running"),
    func.count().over().label("total"),
).subquery("ranked")
_page = (
    select(*(_ranked.c[name] for name in ("seq", "change_id", "envelope_json", "epoch", "device_id", "total")))
    .where(_ranked.c.n <= bindparam("limit"), or_(_ranked.c.running <= bindparam("max_bytes"), _ranked.c.n == 1))
    .subquery("page")
)
_held = (
    select(_key.c.epoch)
    .where(_key.c.circle_id == _circle.c.id, _key.c.recipient == _member.c.device_id, _key.c.epoch == _page.c.epoch)
    .exists()
)

# A pull in one statement, so in one snapshot: the circle's counters as its own route reads them
# (no row if the reader is no active member), joined to the page (one row of NULLs when it is
# empty), each change with whether the reader holds its epoch's key.
_PULL = (
    COUNTERS.add_columns(
        _page.c.seq,
        _page.c.change_id,
        _page.c.envelope_json,
        _page.c.device_id,
        _page.c.total,
        _held.label("held"),
    )
    .outerjoin(_page, true())
    .order_by(_page.c.seq)
)


def pull(engine: Engine, settings: Settings, device_id: str, circle_id: str, since: int, limit: int) -> Page:
    """Changes after ``since``, oldest first, whether that was all of them, and the circle's
    counters as they were when the page was read.

    A page holds at most ``limit`` changes and ``max_page_bytes`` of ciphertext (always at least
    one change). One statement, on PostgreSQL in autocommit: a client learns in one request what
    it checks before applying a page (PROTOCOL.md §7, "Pulling"), all from one snapshot.
    """
    parameters = {
        "circle_id": circle_id,
        "device_id": device_id,
        "since": since,
        "window": limit + 1,
        "limit": limit,
        "max_bytes": settings.max_page_bytes,
    }

    def read() -> list[Row[Any]]:
        with reading(engine) as connection:
            return list(connection.execute(_PULL, parameters))

    rows = retried_if_disconnected(read)
    if not rows:
        raise NotFound(NOT_A_MEMBER)
    found = [row for row in rows if row.seq is not None]
    return Page(found, not found or len(found) == found[0].total, rows[0])
