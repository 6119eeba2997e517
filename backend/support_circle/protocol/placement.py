"""Where the server placed a change, and when its author says it wrote it (PROTOCOL.md §7, "Where
the server placed a change"): the two checks a reader makes with a pulled change's position and its
own clock, beyond what the record itself proves."""

from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.membership import CircleState

# An hlc more than a day ahead of the reader's clock is set aside: ordinary skew, passed on from
# clock to clock, stays far below it; a clock set years ahead would win every merge.
MAX_AHEAD_MS = 86_400_000


def check_position(state: CircleState, epoch: int, position: int) -> None:
    """``epoch_ended``: a change under ``epoch`` placed after a v2 entry that ended or closed it."""
    if state.ended_before(epoch, position):
        raise ProtocolError(
            "epoch_ended",
            f"it is sealed under epoch {epoch}, which a membership entry ended at change "
            f"{state.ends[epoch]}, yet the server placed it at change {position}",
        )


def hlc_ms(hlc: str) -> int:
    return int(hlc[:13])


def is_ahead(hlc: str, now_ms: int) -> bool:
    return hlc_ms(hlc) - now_ms > MAX_AHEAD_MS


def check_clock(hlc: str, now_ms: int) -> None:
    """``clock_ahead``: a revision written, by its own clock, more than a day after now."""
    if is_ahead(hlc, now_ms):
        raise ProtocolError("clock_ahead", f"its clock ({hlc[:13]} ms) is more than a day ahead of this device's")
