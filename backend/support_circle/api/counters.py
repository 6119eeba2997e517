"""What every route that returns a circle answers with: its counters, never more (the server
knows no name or purpose). Shared by the circle and invite routers, so neither imports the other."""

from typing import Protocol

from pydantic import BaseModel

from support_circle.wire import Id, Key32


class Counters(Protocol):
    """A circle's counters: a Circle row, or the one statement the hot read path selects."""

    @property
    def id(self) -> str: ...
    @property
    def genesis_hash(self) -> str: ...
    @property
    def log_seq(self) -> int: ...
    @property
    def head_hash(self) -> str: ...
    @property
    def epoch(self) -> int: ...
    @property
    def change_seq(self) -> int: ...


class CirclePublic(BaseModel):
    circle_id: Id
    genesis_hash: Key32
    log_seq: int
    head_hash: Key32
    epoch: int
    change_seq: int

    @classmethod
    def of(cls, circle: Counters) -> "CirclePublic":
        return cls(
            circle_id=circle.id,
            genesis_hash=circle.genesis_hash,
            log_seq=circle.log_seq,
            head_hash=circle.head_hash,
            epoch=circle.epoch,
            change_seq=circle.change_seq,
        )
