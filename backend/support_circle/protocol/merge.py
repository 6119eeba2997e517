"""Three-way, field-level merge of a record body two devices changed from the same revision
(PROTOCOL.md §7, "Merging concurrent revisions").

Contract: no one's words are dropped. A field only one side changed takes that side's value; a
field both changed differently takes the later side's value and keeps the other in
``_conflicts`` for a person to look at. An edit beats a deletion made at the same time.
"""

from typing import Any

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
    for key in sorted((set(local) | set(remote) | set(base)) - {CONFLICTS}):
        value = _field(base.get(key, _ABSENT), local.get(key, _ABSENT), remote.get(key, _ABSENT), local_is_later)
        if value[0] is not _ABSENT:
            merged[key] = value[0]
        if value[1] is not _ABSENT:
            loser_hlc = remote_hlc if local_is_later else local_hlc
            found.append({"field": key, "value": value[1], **({"hlc": loser_hlc} if loser_hlc is not None else {})})
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
