"""Three-way merge of a text two devices changed from the same revision (PROTOCOL.md §7,
"Merging text"); the shared ``text_merge`` vectors fix its behaviour.

Contract: words only one side changed take that side's words; where both sides changed the same
words differently the later side's words stand and the earlier side's are returned as a span for
a person to look at. The diff is Google's diff-match-patch, configured as the TypeScript side
configures @sanity/diff-match-patch, over one character per unit, so both find the same changes.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The package ships no type information; text_merge only calls diff_main, typed below.
from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

# Members whose string values merge word by word instead of as one value (§7).
TEXT_MEMBERS = frozenset({"text"})
# More distinct units than this in a base and one side: the member merges as one value. It keeps
# every unit's character below the surrogates, one UTF-16 code unit, as in JavaScript.
MAX_DISTINCT_UNITS = 50_000

_SPACE = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
_IDEOGRAPH = (
    (0x2E80, 0x2FDF),
    (0x3001, 0x303F),
    (0x3041, 0x3098),
    (0x309B, 0x30FF),
    (0x3100, 0x312F),
    (0x3190, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF),
    (0xF900, 0xFAFF),
    (0xFF01, 0xFF9D),
    (0x20000, 0x3FFFF),
)
_JOINER = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x200C, 0x200D),
    (0x20D0, 0x20FF),
    (0x3099, 0x309A),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xFF9E, 0xFF9F),
    (0xE0100, 0xE01EF),
)


def _class(ranges: Sequence[tuple[int, int]]) -> str:
    return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


_W, _I, _J = _class(_SPACE), _class(_IDEOGRAPH), _class(_JOINER)
# A unit as §7 cuts them: whitespace, then one ideograph with its joined marks or a run of other
# characters; whitespace with no word after it (the end of the text) is a unit alone.
_UNIT = re.compile(f"[{_W}]*(?:[{_I}][{_J}]*|[^{_W}{_I}]+)|[{_W}]+")
_ONLY_SPACE = re.compile(f"[{_W}]*")


def is_space(text: str) -> bool:
    """Whether the text holds nothing but whitespace (§7's list, not Python's ``str.isspace``)."""
    return _ONLY_SPACE.fullmatch(text) is not None


def units(text: str) -> list[str]:
    """The text cut into units: each word with the whitespace before it; whitespace that ends the
    text alone is a unit too. A word is one ideograph with the marks joined to it, or a run of
    anything else. The units joined are the text again."""
    return _UNIT.findall(text)


@dataclass(frozen=True)
class Hunk:
    """One side replaced the base's units ``start`` to ``end`` (exclusive) by ``units``."""

    side: int
    start: int
    end: int
    units: tuple[str, ...]


@dataclass(frozen=True)
class Span:
    """Where both sides changed the same words differently: the losing side's words and the
    merged text's words in their place."""

    value: str
    at: str


def _differ() -> Any:
    dmp = diff_match_patch()
    # No deadline, so the diff never depends on the machine's speed; the half-match step stays on,
    # as @sanity/diff-match-patch always runs it.
    dmp.Diff_Timeout = math.inf
    return dmp


_DMP = _differ()


def hunks(base: Sequence[str], edited: Sequence[str], side: int) -> list[Hunk] | None:
    """What ``edited`` changed in ``base``, in order; None when they hold too many distinct units."""
    codes: dict[str, str] = {}
    for unit in (*base, *edited):
        if unit not in codes:
            codes[unit] = chr(len(codes) + 1)
    if len(codes) > MAX_DISTINCT_UNITS:
        return None
    old, new = "".join(codes[u] for u in base), "".join(codes[u] for u in edited)
    diffs: list[tuple[int, str]] = _DMP.diff_main(old, new, False)
    found: list[Hunk] = []
    pos = at = 0
    start: int | None = None
    added: list[str] = []
    for op, chars in [*diffs, (0, "")]:
        if op != 0 and start is None:
            start, added = pos, []
        if op == -1:
            pos += len(chars)
        elif op == 1:
            added.extend(edited[at : at + len(chars)])
        if op == 1 or op == 0:
            at += len(chars)
        if op == 0:
            if start is not None:
                found.append(Hunk(side, start, pos, tuple(added)))
                start = None
            pos += len(chars)
    return found


def _meet(a: Hunk, b: Hunk) -> bool:
    """Whether hunks of the two sides touch the same words (two insertions at one place meet too)."""
    if a.start < b.end and b.start < a.end:
        return True
    if a.start == a.end or b.start == b.end:
        return b.start <= a.start <= b.end if a.start == a.end else a.start <= b.start <= a.end
    return False


def _groups(local: list[Hunk], remote: list[Hunk]) -> list[list[Hunk]]:
    """The hunks joined by meeting, directly or through others, in the order of the base."""
    everything = [*local, *remote]
    parent = list(range(len(everything)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    first = 0
    for i, hunk in enumerate(local):
        while first < len(remote) and remote[first].end < hunk.start:
            first += 1
        j = first
        while j < len(remote) and remote[j].start <= hunk.end:
            if _meet(hunk, remote[j]):
                parent[root(len(local) + j)] = root(i)
            j += 1
    groups: dict[int, list[Hunk]] = {}
    for i, hunk in enumerate(everything):
        groups.setdefault(root(i), []).append(hunk)
    return sorted(groups.values(), key=lambda g: (min(h.start for h in g), max(h.end for h in g)))


def _apply(base: Sequence[str], start: int, end: int, hunks: list[Hunk]) -> list[str]:
    out: list[str] = []
    pos = start
    for hunk in sorted(hunks, key=lambda h: h.start):
        out.extend(base[pos : hunk.start])
        out.extend(hunk.units)
        pos = hunk.end
    out.extend(base[pos:end])
    return out


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(list(longer[i : i + n]) == list(shorter) for i in range(len(longer) - n + 1))


LOCAL, REMOTE = 0, 1


def merge_text(base: str, local: str, remote: str, *, local_is_later: bool) -> tuple[str, list[Span]] | None:
    """The merged text and, in text order, the spans where both sides changed the same words
    differently; None when the texts hold too many distinct units to merge word by word."""
    origin = units(base)
    mine, theirs = hunks(origin, units(local), LOCAL), hunks(origin, units(remote), REMOTE)
    if mine is None or theirs is None:
        return None
    later, earlier = (LOCAL, REMOTE) if local_is_later else (REMOTE, LOCAL)
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    for group in _groups(mine, theirs):
        start, end = min(h.start for h in group), max(h.end for h in group)
        out.extend(origin[pos:start])
        pos = end
        sides = [_apply(origin, start, end, [h for h in group if h.side == side]) for side in (LOCAL, REMOTE)]
        if len(group) == 1 or sides[LOCAL] == sides[REMOTE]:
            out.extend(sides[group[0].side] if len(group) == 1 else sides[LOCAL])
        elif start == end:
            out.extend(_insertions(sides[earlier], sides[later]))
        else:
            out.extend(sides[later])
            lost = "".join(sides[earlier])
            if not is_space(lost):
                spans.append(Span(lost, "".join(sides[later])))
    out.extend(origin[pos:])
    return "".join(out), spans


def _insertions(earlier: list[str], later: list[str]) -> list[str]:
    """Both sides inserted words at one place: one copy when one holds the other, else both,
    the earlier side's first."""
    if _contains(later, earlier):
        return later
    if _contains(earlier, later):
        return earlier
    return [*earlier, *later]
