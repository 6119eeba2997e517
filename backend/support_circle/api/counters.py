"""What every route that returns a circle answers with: its counters, never more (the server
knows no name or purpose). Shared by the circle and invite routers, so neither imports the other."""

from pydantic import BaseModel

from support_circle.models import Circle
from support_circle.wire import Id, Key32


class CirclePublic(BaseModel):
    circle_id: Id
    genesis_hash: Key32
    log_seq: int
    head_hash: Key32
    epoch: int
    change_seq: int

    @classmethod
    def of(cls, circle: Circle) -> "CirclePublic":
        return cls(
            circle_id=circle.id,
            genesis_hash=circle.genesis_hash,
            log_seq=circle.log_seq,
            head_hash=circle.head_hash,
            epoch=circle.epoch,
            change_seq=circle.change_seq,
        )
