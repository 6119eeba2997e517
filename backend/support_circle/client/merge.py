"""Three-way, field-level merge of a record body that two devices changed from the same revision.

Contract: no one's words are dropped. A field only one side changed takes that side's value; a
field both changed to different values takes the later revision's value (by hybrid logical
clock) and keeps the other under ``_conflicts`` for a person to look at. An edit beats a
deletion made at the same time (the record comes back), so deleting never silently erases
what someone was still writing.
"""

from typing import Any

Body = dict[str, Any]
CONFLICTS = "_conflicts"


def merge(base: Body | None, local: Body | None, remote: Body | None, *, local_is_later: bool) -> Body | None:
    if local is None or remote is None:
        # A deletion against an edit made at the same time: the edit stays.
        survivor = remote if local is None else local
        return survivor if survivor is not None and survivor != base else None
    base = base or {}
    merged: Body = {}
    conflicts: list[Body] = [*remote.get(CONFLICTS, []), *local.get(CONFLICTS, [])]
    for key in sorted((set(local) | set(remote) | set(base)) - {CONFLICTS}):
        value = _field(key, base, local, remote, local_is_later, conflicts)
        if value is not _ABSENT:
            merged[key] = value
    if conflicts:
        merged[CONFLICTS] = conflicts
    return merged


_ABSENT = object()


def _field(key: str, base: Body, local: Body, remote: Body, local_is_later: bool, conflicts: list[Body]) -> Any:
    b, loc, rem = base.get(key, _ABSENT), local.get(key, _ABSENT), remote.get(key, _ABSENT)
    if loc in (rem, b):
        return rem
    if rem == b:
        return loc
    winner, loser = (loc, rem) if local_is_later else (rem, loc)
    if loser is not _ABSENT:
        conflicts.append({"field": key, "value": loser})
    return winner
