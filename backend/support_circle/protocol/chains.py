"""Author chains (PROTOCOL.md §7, "Author chains"): what a reader holds of each author's revisions.

A reader keeps each author's newest verified link (its head), which authors are loose (a change
it left out may have been theirs) and whether it is complete (it read the circle from its first
change and left nothing out). ``check`` is the ordered list of §7's chain checks; ``accept``
takes a revision that passed them, or one a shared circle applies despite them (§16).
"""

from dataclasses import dataclass, field

from support_circle.protocol.encoding import unb64u, unb64u_id
from support_circle.protocol.errors import ErrorCode, ProtocolError
from support_circle.protocol.records import Link, Opened, link_of, seen_links


class ChainError(ProtocolError):
    """A chain check failed; ``member`` is the author whose revision is missing or out of turn."""

    def __init__(self, code: ErrorCode, member: bytes, detail: str) -> None:
        super().__init__(code, detail)
        self.member = member


@dataclass
class ChainState:
    heads: dict[bytes, Link] = field(default_factory=dict)
    loose: set[bytes] = field(default_factory=set)
    complete: bool = True

    def left_out(self) -> None:
        """A change the reader could not open: it may have been anyone's (§7, "Reading")."""
        self.complete = False
        self.loose.update(self.heads)

    def own_echo(self, author: bytes, link: Link, me: bytes) -> bool:
        """The reader's own revision coming back from the server: nothing to check or apply."""
        held = self.heads.get(author)
        return author == me and held is not None and link.n <= held.n

    def check(self, author: bytes, link: Link, prev: bytes | None, seen: dict[bytes, Link]) -> None:
        """Steps 1 to 4; raises the first failure's code."""
        held = self.heads.get(author)
        if held is not None and link.n <= held.n:
            raise ChainError("rolled_back", author, f"revision {link.n} comes after revision {held.n} of its author")
        expected = 0 if held is None else held.n + 1
        may_skip = author in self.loose or (held is None and not self.complete)
        if link.n > expected and not may_skip:
            raise ChainError("withheld", author, f"revision {link.n} of its author came, but not revision {expected}")
        if held is not None and link.n == held.n + 1 and author not in self.loose and prev != held.hash:
            raise ChainError("broken_chain", author, f"revision {link.n} does not follow the revision before it")
        for other, claim in sorted(seen.items()):
            self._check_claim(other, claim)

    def _check_claim(self, other: bytes, claim: Link) -> None:
        held = self.heads.get(other)
        if other in self.loose or (held is None and not self.complete):
            return
        if held is None or held.n < claim.n:
            raise ChainError("withheld", other, f"its author had received revision {claim.n} of another member")
        if held.n == claim.n and held.hash != claim.hash:
            raise ChainError("broken_chain", other, "its author received another revision of a member under one n")

    def accept(self, author: bytes, link: Link) -> None:
        held = self.heads.get(author)
        if held is None or link.n > held.n:
            self.heads[author] = link
        self.loose.discard(author)


@dataclass(frozen=True)
class Revision:
    """What the chain checks read of a verified v2 revision."""

    author: bytes
    link: Link
    prev: bytes | None
    seen: dict[bytes, Link]


def revision_of(opened: Opened) -> Revision | None:
    """The chain members of a verified revision, or None for a v1 one (it has no chain)."""
    link = link_of(opened)
    if link is None:
        return None
    payload = opened.payload
    prev = None if payload["prev"] is None else unb64u(payload["prev"])
    return Revision(unb64u_id(payload["author"]), link, prev, seen_links(payload))


def read(state: ChainState, revision: Revision, me: bytes) -> bool:
    """Checks a revision against ``state`` and takes it; False when it is ``me``'s own coming back."""
    if state.own_echo(revision.author, revision.link, me):
        return False
    state.check(revision.author, revision.link, revision.prev, revision.seen)
    state.accept(revision.author, revision.link)
    return True
