"""Three-way, field-level merge of a record body two devices changed from the same revision
(PROTOCOL.md §7, "Merging concurrent revisions").

Contract: no one's words are dropped. A field only one side changed takes that side's value; a
field both changed differently takes the later side's value and keeps the other in
``_conflicts`` for a person to look at, except a text member (``text_merge.TEXT_MEMBERS``), which
merges word by word and keeps only the words both changed differently. An edit beats a deletion
made at the same time.
"""

from typing import Any

from support_circle.protocol.text_merge import TEXT_MEMBERS, Span, merge_text

Body = dict[str, Any]
CONFLICTS = "_conflicts"
_ABSENT = object()


def merge(
    base: Body | None,
    local: Body | None,
    remote: Body | None,
    *,
    local_is_later: bool,
    local_hlc: str | None = None,
    remote_hlc: str | None = None,
) -> Body | None:
    """The merged body, or None when the record ends deleted; a conflict entry carries the hlc of
    the side whose value it keeps, when that side's hlc is given."""
    if local is None or remote is None:
        survivor = remote if local is None else local
        return None if survivor is None or same(survivor, base) else survivor
    base = base or {}
    merged: Body = {}
    found: list[Any] = []
    loser_hlc = remote_hlc if local_is_later else local_hlc
    signed = {"hlc": loser_hlc} if loser_hlc is not None else {}
    for key in sorted((set(local) | set(remote) | set(base)) - {CONFLICTS}):
        b, loc, rem = base.get(key, _ABSENT), local.get(key, _ABSENT), remote.get(key, _ABSENT)
        text = _text(key, b, loc, rem, local_is_later)
        if text is not None:
            merged[key] = text[0]
            found.extend({"field": key, "value": span.value, "at": span.at, **signed} for span in text[1])
            continue
        value = _field(b, loc, rem, local_is_later)
        if value[0] is not _ABSENT:
            merged[key] = value[0]
        if value[1] is not _ABSENT:
            found.append({"field": key, "value": value[1], **signed})
    conflicts: list[Any] = []
    for entry in [*_conflicts_of(remote), *_conflicts_of(local), *found]:
        if not any(same(entry, kept) for kept in conflicts):
            conflicts.append(entry)
    if conflicts:
        merged[CONFLICTS] = conflicts
    return merged


def _field(b: Any, loc: Any, rem: Any, local_is_later: bool) -> tuple[Any, Any]:
    """The value the result takes, and the losing value kept as a conflict (or absent)."""
    if same(loc, rem) or same(loc, b):
        return rem, _ABSENT
    if same(rem, b):
        return loc, _ABSENT
    return (loc, rem) if local_is_later else (rem, loc)


def _text(key: str, b: Any, loc: Any, rem: Any, local_is_later: bool) -> tuple[str, list[Span]] | None:
    """The word-by-word merge of a text member both sides changed differently, or None when the
    member merges as one value (another member, a value that is not a string, too many units)."""
    if key not in TEXT_MEMBERS or not all(isinstance(v, str) for v in (b, loc, rem)):
        return None
    if same(loc, rem) or same(loc, b) or same(rem, b):
        return None
    return merge_text(b, loc, rem, local_is_later=local_is_later)


def _conflicts_of(body: Body) -> list[Any]:
    value = body.get(CONFLICTS)
    return value if isinstance(value, list) else []


def same(a: Any, b: Any) -> bool:
    """JSON equality as the protocol defines it: ``True`` is not ``1``, member order does not count."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b
