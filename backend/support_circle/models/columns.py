"""Column helpers shared by the table models."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def when(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column, now by default."""
    kwargs.setdefault("default_factory", utcnow)
    return Field(sa_type=DateTime(timezone=True), **kwargs)


def maybe_when(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), **kwargs)


def wire_object(**kwargs: Any) -> Any:
    """A protocol object stored exactly as it travelled (JSON, not JSONB, keeps its text)."""
    return Field(sa_type=JSON, **kwargs)


ID = 22  # 16 random bytes, b64u
