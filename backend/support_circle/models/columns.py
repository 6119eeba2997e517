"""Column helpers shared by the table models."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and always read back with its zone.

    PostgreSQL keeps the zone; SQLite keeps none and hands back naive datetimes, which then left
    the API without a zone and compared wrongly with aware ones. Writing converts to UTC, reading
    attaches UTC, so every datetime the models hold is aware, on either database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column, now by default."""
    kwargs.setdefault("default_factory", utcnow)
    return Field(sa_type=UTCDateTime, **kwargs)


def maybe_when(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def wire_object(**kwargs: Any) -> Any:
    """A protocol object stored exactly as it travelled (JSON, not JSONB, keeps its text)."""
    return Field(sa_type=JSON, **kwargs)


ID = 22  # 16 random bytes, b64u
