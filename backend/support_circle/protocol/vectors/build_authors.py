"""The ``authors`` vectors (PROTOCOL.md §16, "whose revisions count"): each answer is written out
by hand from the table, not computed."""

from typing import Any

from support_circle.protocol.vectors.making import Vector, group_file, vector

CIRCLE = "Y2lyY2xlAAAAAAAAAAAAAA"
ADMIN = "YWRtaW4AAAAAAAAAAAAAAA"
MEMBER = "bWVtYmVyAAAAAAAAAAAAAA"
OTHER = "b3RoZXIAAAAAAAAAAAAAAA"
RECORD = "cmVjb3JkAAAAAAAAAAAAAA"


def _case(
    name: str, comment: str, kind: str, author: str, may: bool, *, record: str = RECORD, base: str | None = None
) -> Vector:
    return vector(
        name,
        comment,
        kind=kind,
        record_id=record,
        author=author,
        circle_id=CIRCLE,
        admins=[ADMIN],
        base_author=base,
        may_write=may,
    )


CASES = [
    _case("the circle's name, by an admin", "under the circle's own id", "circle", ADMIN, True, record=CIRCLE),
    _case("the circle's name, by a member", "only admins name the circle", "circle", MEMBER, False, record=CIRCLE),
    _case("the circle's name under another id", "one circle record, at the circle id", "circle", ADMIN, False),
    _case("a shared answer, by an admin", "the survivor shares", "shared-plan", ADMIN, True),
    _case("a shared answer, by a member", "a survivor who is a member shares their own", "shared-plan", MEMBER, True),
    _case("a shared ally, by a member", "as for shared answers", "shared-ally", MEMBER, True),
    _case("a member edits its own shared answer", "its first author", "shared-plan", MEMBER, True, base=MEMBER),
    _case("another's shared answer", "no one else's words pass as theirs", "shared-plan", OTHER, False, base=MEMBER),
    _case(
        "a member edits an admin's shared ally", "only admins and its author", "shared-ally", MEMBER, False, base=ADMIN
    ),
    _case("a shared ally edited by an admin", "whoever wrote it before", "shared-ally", ADMIN, True, base=MEMBER),
    _case("a new name", "anyone names themselves", "member", MEMBER, True),
    _case("one's own name again", "the first author edits", "member", MEMBER, True, base=MEMBER),
    _case("another's name", "not even an admin renames someone", "member", ADMIN, False, base=MEMBER),
    _case("a new check-in", "any member checks in", "checkin", MEMBER, True),
    _case("another's check-in", "only its author edits it", "checkin", OTHER, False, base=MEMBER),
    _case("another's note", "notes are everyone's", "note", OTHER, True, base=MEMBER),
]


def build() -> dict[str, Any]:
    return {"authors": group_file("authors", "Whose revisions of a record count, by kind (PROTOCOL.md §16).", CASES)}
