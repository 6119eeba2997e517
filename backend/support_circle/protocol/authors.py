"""Whose revisions count, by record kind (PROTOCOL.md §16).

A record's signature proves who wrote it (§7); these rules say whether that member may write it,
so a member cannot rename the circle, rewrite another member's shared copy, name or check-in. A
member shares their own plan answers and allies (a survivor who joined a facilitator's circle).
The app-level twin is frontend/src/records/authors.ts; both run the ``authors`` vectors.
"""

from collections.abc import Callable

FIRST_AUTHOR_KINDS = frozenset({"member", "checkin"})
# An admin's revisions count, and so do those of the member who first wrote the copy.
COPY_KINDS = frozenset({"shared-plan", "shared-ally"})


def may_write(
    kind: str,
    *,
    record_id: str,
    author: str,
    circle_id: str,
    is_admin: Callable[[str], bool],
    base_author: str | None,
) -> bool:
    """Whether ``author`` (a b64u device id) may write this revision of a record of ``kind``.

    ``base_author`` is who wrote the revision the reader holds, or None when it holds none.
    """
    if kind == "circle":
        return record_id == circle_id and is_admin(author)
    if kind in COPY_KINDS:
        return is_admin(author) or base_author in (None, author)
    if kind in FIRST_AUTHOR_KINDS:
        return base_author is None or base_author == author
    return True
