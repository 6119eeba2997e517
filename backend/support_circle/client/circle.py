"""One device's replica of one circle: the verified log, its epoch keys, and the records."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from support_circle.client.clock import Clock, now_ms
from support_circle.client.http import ApiError
from support_circle.client.refusals import KEY, LOG, RECORD, refused
from support_circle.protocol import (
    ProtocolError,
    chains,
    circle_keys,
    membership,
    placement,
    primitives,
    records,
    unlinked,
)
from support_circle.protocol.encoding import b64u, parse_json, unb64u
from support_circle.protocol.identity import PublicIdentity, verify_identity
from support_circle.protocol.merge import merge
from support_circle.protocol.records import Chained, Link, RecordRef

if TYPE_CHECKING:
    from collections.abc import Callable

    from support_circle.client.device import Device

MAX_REBASES = 5
# Codes a reader sets aside in every circle, the personal one too (PROTOCOL.md §7, §16).
SET_ASIDE_EVERYWHERE = ("epoch_ended", "clock_ahead")


@dataclass
class Revision:
    seq: int
    payload: dict[str, Any]

    @property
    def body(self) -> dict[str, Any] | None:
        return None if self.payload["deleted"] else self.payload["body"]


@dataclass(frozen=True)
class SetAside:
    """A change of a shared circle that did not read, passed over (PROTOCOL.md §16).

    ``author`` is whom it is put down to: for a record under an epoch a leaver keyed, the leaver;
    otherwise the device the server says pushed it (its word: nothing unreadable proves an author),
    or None when the server does not say. ``reason`` is the protocol's code, or
    ``unreadable_epoch``.
    """

    seq: int
    author: str | None
    reason: str


@dataclass(frozen=True)
class Noticed:
    """A break in an author's chain that a shared circle does not stop for (PROTOCOL.md §16):
    ``member`` is whose words the server may not have passed on, ``reason`` the code (``withheld``,
    ``rolled_back``, ``broken_chain``)."""

    seq: int
    member: str
    reason: str


_CHAIN_WORDS = {
    "rolled_back": "it is an older revision by {member} than one this device already has: "
    "the server replayed an old revision",
    "withheld": "a revision {member} wrote before it never came: the server withheld it",
    "broken_chain": "it does not follow the revision by {member} this device holds: the server mixed two histories",
}


@dataclass
class Pending:
    """A local edit waiting to be pushed; its envelope is kept so a retry is byte-identical."""

    record_id: bytes
    body: dict[str, Any] | None
    base: Revision | None
    change_id: bytes = field(default_factory=lambda: primitives.random_bytes(16))
    envelope: dict[str, Any] | None = None
    hlc: str = ""
    link: Link | None = None


class CircleReplica:
    def __init__(
        self,
        device: "Device",
        circle_id: bytes,
        genesis_hash: bytes,
        known_head: membership.Head | None = None,
        *,
        shared: bool = False,
    ) -> None:
        self.device, self.circle_id, self.genesis_hash = device, circle_id, genesis_hash
        # A shared circle passes over what one member can break (§16); the personal circle, where
        # only the person's own devices write, refuses everything that does not verify.
        self.shared = shared
        self.unreadable: frozenset[int] = frozenset()
        self.set_aside: list[SetAside] = []
        self.noticed: list[Noticed] = []
        # Each author's chain as this replica read it (§7): it starts at change 0, so complete.
        self.chain = chains.ChainState()
        self.log: list[dict[str, Any]] = []
        self.state: membership.CircleState | None = None
        # A head verified before this replica existed (a recovery escrow's, §15): the first log
        # fetched must reach it, as every later one must reach the head verified before it.
        self.known_head = known_head
        self.keys: dict[int, bytes] = {}
        self.records: dict[bytes, Revision] = {}
        self.cursor = 0
        self.outbox: list[Pending] = []
        self.clock = Clock(device.device_id)

    @property
    def path(self) -> str:
        return f"/v1/circles/{b64u(self.circle_id)}"

    @property
    def label(self) -> str:
        return f"circle {b64u(self.circle_id)}"

    @property
    def verified(self) -> membership.CircleState:
        if self.state is None:
            self.refresh()
        assert self.state is not None
        return self.state

    # Membership and keys ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetches and verifies the whole log (never accepting one shorter than seen) and the keys."""
        entries = self.device.call("GET", f"{self.path}/log")["data"]
        known = self.state.head if self.state else self.known_head
        with refused(f"The membership log of {self.label}", LOG):
            self.state = membership.verify_log(self.circle_id, self.genesis_hash, entries, known)
        self.log = entries
        self._open_keys(self.device.call("GET", f"{self.path}/keys")["data"])

    def _open_keys(self, envelopes: list[Any]) -> None:
        """Keeps each epoch key the server holds for this device, once the signed log vouches for it;
        in a shared circle an epoch a leaver keyed badly becomes unreadable instead (§16)."""
        mine = self.device.keys
        with refused(f"A key envelope of {self.label}", KEY):
            held = circle_keys.held_keys(envelopes, self.verified, mine.device_id, mine.kem_private, shared=self.shared)
        self.keys.update(held.keys)
        self.unreadable = held.unreadable

    def _key(self, epoch: int) -> bytes:
        if epoch not in self.keys:
            raise ProtocolError(
                "unknown_epoch",
                f"The server has not given this device the key of epoch {epoch} of {self.label}, "
                "although the signed membership log says it is a member",
            )
        return self.keys[epoch]

    def add_member(self, identity: dict[str, Any], role: str = "member", *, history: bool = False) -> None:
        """Adds a device with the current epoch's key; with ``history``, with the key of every epoch
        this device holds too, so the person's own new device reads everything (§15)."""
        self._admit(f"{self.path}/log", identity, role, history=history)

    def approve(self, request_id: str, join_request: dict[str, Any]) -> None:
        """Admits a joiner whose request the server holds, after checking its proof elsewhere."""
        self._admit(f"{self.path}/requests/{request_id}/approve", join_request["identity"], "member", history=False)

    def _admit(self, path: str, identity: dict[str, Any], role: str, *, history: bool) -> None:
        """A new member reads nothing placed before it was let in (§8, "Rotate before add"): unless
        the current epoch began at the change this device pulled last, a new epoch first, signed
        again with the add whenever someone wrote meanwhile. The person's own new device also gets
        every older key; it never gets one of an epoch a leaver closed or made (§8)."""
        joiner = _public(identity)

        def signed(changes: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            if not self.verified.may_add_at(changes):
                self.rotate()
                changes = self.cursor
            state = self.verified
            epochs = {*self.keys, state.epoch} if history else {state.epoch}
            envelopes = [circle_keys.seal_key_envelope(self.circle_id, e, joiner, self._key(e)) for e in epochs]
            return membership.add(self.device.keys, state, identity, role, changes), envelopes

        self._signed_at_head(signed, path=path)

    def add_companion(self, identity: dict[str, Any]) -> None:
        """Lets in another device of this device's own person, in its role, with the current key:
        no rotate first, as the person holds every older key in their keyring (§8, "A person's
        devices"); a closed epoch or one a leaver keyed is rotated first, as nobody may use it."""
        joiner = _public(identity)

        def signed(changes: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            if self.verified.must_rotate:
                self.rotate()
                changes = self.cursor
            state = self.verified
            envelope = circle_keys.seal_key_envelope(self.circle_id, state.epoch, joiner, self._key(state.epoch))
            return membership.companion(self.device.keys, state, identity, changes), [envelope]

        self._signed_at_head(signed)

    def take_keys(self, keys: dict[int, bytes]) -> None:
        """Keeps epoch keys from the person's keyring, each already checked against this circle's
        verified log (§16, "A person's circles"): the history before this device was let in."""
        self.keys.update(keys)

    def remove_member(self, device_id: bytes, *, tell: bool = True) -> None:
        """Removes a member and starts a new epoch whose key only the members who stay receive. In
        the personal circle the removed device is one of the person's own (lost or taken): unless
        ``tell`` is false, it is left the signed notice on which it erases itself (§17)."""
        key = circle_keys.new_epoch_key()
        self._rekey(lambda changes: membership.remove(self.device.keys, self.verified, device_id, key, changes), key)
        if tell and not self.shared:
            self.tell_removed(device_id)

    def tell_removed(self, device_id: bytes) -> None:
        """Leaves ``device_id`` the notice of the newest ``remove`` of it in the verified log."""
        removals = [seq for seq, entry in enumerate(self.log) if _removes(entry, device_id)]
        if not removals:
            raise ValueError("the verified log removes no such device")
        at = membership.Head(removals[-1], membership.entry_hash(self.log[removals[-1]]))
        notice = unlinked.make(self.device.keys, self.circle_id, device_id, at)
        self.device.call("PUT", f"{self.path}/unlinked/{b64u(device_id)}", {"notice": notice})

    def forget(self) -> None:
        """Drops everything this replica holds: keys, records, log and what waits to be sent."""
        self.keys.clear()
        self.records.clear()
        self.outbox.clear()
        self.log, self.state, self.set_aside = [], None, []
        self.chain, self.noticed = chains.ChainState(), []

    def rotate(self) -> None:
        """Starts a new epoch; any member may when a leaver closed the current one (§8)."""
        key = circle_keys.new_epoch_key()
        self._rekey(lambda changes: membership.rotate(self.device.keys, self.verified, key, changes), key)

    def set_role(self, device_id: bytes, role: str) -> None:
        """Makes another member an admin, or a member again, by a signed ``role`` entry (§8). An
        admin who wants to leave names another admin first: the last one cannot leave."""
        self._signed_at_head(
            lambda _changes: (membership.set_role(self.device.keys, self.verified, device_id, role), [])
        )

    def leave(self) -> None:
        """Leaves the circle: the epoch closes, and the members who stay make the next key (§8)."""
        self._signed_at_head(
            lambda changes: (membership.depart(self.device.keys, self.verified, changes), []), stays=False
        )
        self.state = None  # no longer a member: the server shows it nothing more of the circle

    def _rekey(self, make: "Callable[[int], dict[str, Any]]", key: bytes) -> None:
        def signed(changes: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            entry = make(changes)
            after = membership.verify_log(self.circle_id, self.genesis_hash, [*self.log, entry])
            members = after.members.values()
            return entry, [circle_keys.seal_key_envelope(self.circle_id, after.epoch, m.identity, key) for m in members]

        self._signed_at_head(signed)

    def _signed_at_head(
        self,
        make: "Callable[[int], tuple[dict[str, Any], list[dict[str, Any]]]]",
        *,
        stays: bool = True,
        path: str | None = None,
    ) -> None:
        """Appends a v2 entry naming the newest change pulled; when others wrote meanwhile the
        server refuses it (``changes_moved``), and it is signed again after a pull (§8)."""
        for attempt in range(MAX_REBASES + 1):
            entry, envelopes = make(self.cursor)
            try:
                self.device.call("POST", path or f"{self.path}/log", {"entry": entry, "key_envelopes": envelopes})
                return self.refresh() if stays else None
            except ApiError as error:
                if error.code != "changes_moved" or attempt == MAX_REBASES:
                    raise
                self.pull()

    # Records -----------------------------------------------------------------------------------

    def body(self, record_id: bytes) -> dict[str, Any] | None:
        pending = [p for p in self.outbox if p.record_id == record_id]
        if pending:
            return pending[-1].body
        revision = self.records.get(record_id)
        return revision.body if revision else None

    def write(self, body: dict[str, Any] | None, record_id: bytes | None = None) -> bytes:
        """Queues an edit (``None`` deletes); ``push`` sends it. Returns the record id.

        Edits of a record not yet sealed for sending fold into one; an edit made after its record's
        last edit went out waits for that one to be settled, then builds on it.
        """
        record_id = record_id or primitives.random_bytes(16)
        queued = [p for p in self.outbox if p.record_id == record_id]
        if queued and queued[-1].envelope is None:
            queued[-1].body = body
        else:
            self.outbox.append(Pending(record_id, body, None if queued else self.records.get(record_id)))
        return record_id

    def pull(self) -> int:
        """Applies every change after the cursor; returns how many.

        Each page comes with the circle's counters, read with it: they are checked before any of
        its changes is applied (PROTOCOL.md §7, "Pulling"). Whatever the server altered, moved,
        replayed or rolled back raises ``ProtocolError`` with the protocol's code and a message
        saying what the server did; nothing of it is applied.
        """
        applied, done = 0, False
        while not done:
            page = self.device.call("GET", f"{self.path}/changes", params={"since": self.cursor, "limit": 500})
            if not page["data"] and not page["done"]:
                raise ApiError(200, "bad_response", "The server sent an empty page of changes that says more follow.")
            # From a server older than the counters in the page, they are asked for alone.
            counters = _counters(page["circle"] if "circle" in page else self.device.call("GET", self.path))
            if page["data"] and page["data"][-1]["seq"] > counters["change_seq"]:
                raise ApiError(
                    200, "bad_response", "The server sent changes beyond the circle's counters read with them."
                )
            self._check_heads(counters)
            # The cursor moves with each change applied, never by the page's word: a cursor the
            # server moved further would skip changes.
            for change in page["data"]:
                self._apply(change)
                applied += 1
            done = page["done"]
        return applied

    def _check_heads(self, counters: dict[str, Any]) -> None:
        """Compares the server's counters with what this replica holds: a change log behind the
        cursor is a roll-back; a membership head other than the verified one is verified now."""
        if counters["change_seq"] < self.cursor:
            raise ProtocolError(
                "rolled_back",
                f"The change log of {self.label} was refused: the server says it ends at change "
                f"{counters['change_seq']}, but this device has already pulled change {self.cursor}: "
                "the server rolled the circle back",
            )
        head = self.verified.head
        if (counters["log_seq"], counters["head_hash"]) != (head.seq, b64u(head.hash)):
            self.refresh()

    def _apply(self, change: dict[str, Any]) -> None:
        seq, envelope = change["seq"], change["envelope"]
        what = f"Change {seq} of {self.label}"
        if seq <= self.cursor:
            raise ProtocolError(
                "rolled_back",
                f"{what} was refused: it comes after change {self.cursor}, which this device already has: "
                "the server replayed or renumbered its change log",
            )
        with refused(what, RECORD):
            self._check_placed_here(envelope)
            try:
                epoch = records.parse_envelope(envelope)[0].epoch
            except ProtocolError as error:
                if not self.shared:
                    raise
                return self._set_aside(change, change.get("pushed_by"), error.code)
        if epoch not in self.keys:
            self.refresh()
        if self._before_joining(epoch):
            self.chain.left_out()
            self.cursor = seq
            return
        with refused(what, RECORD):
            if epoch in self.unreadable:
                return self._set_aside(change, b64u(self.verified.left_by[epoch]), "unreadable_epoch")
            try:
                if isinstance(epoch, int) and not isinstance(epoch, bool):
                    placement.check_position(self.verified, epoch, seq)
                self._key(epoch)
                opened = records.open_revision(envelope, self.keys, self.verified.authors_of(epoch))
                placement.check_clock(opened.payload["hlc"], now_ms())
            except ProtocolError as error:
                if error.code == "unknown_epoch" or not (self.shared or error.code in SET_ASIDE_EVERYWHERE):
                    raise
                return self._set_aside(change, change.get("pushed_by"), error.code)
        if self._read_chain(seq, opened):
            self._take(seq, opened.payload)

    def _set_aside(self, change: dict[str, Any], author: str | None, reason: str) -> None:
        """Passes over a change a member broke (§16): noted, the cursor moves on past it, and a
        record held under its id builds on it from now on (the server counts it as the newest)."""
        seq = change["seq"]
        self.set_aside.append(SetAside(seq, author, reason))
        self.chain.left_out()
        self._pass_over(seq, _record_id(change["envelope"]))

    def _pass_over(self, seq: int, record_id: bytes) -> None:
        """Moves the cursor past a change applied in nothing; a record held under its id builds on
        it from now on, as the server counts it the newest."""
        held = self.records.get(record_id)
        if held is not None:
            self.records[record_id] = Revision(seq, held.payload)
        self.cursor = seq

    def _read_chain(self, seq: int, opened: records.Opened) -> bool:
        """Runs §7's chain checks on a verified revision; False when it is not to be applied."""
        revision = chains.revision_of(opened)
        if revision is None:
            return True
        me, record_id = self.device.keys.device_id, unb64u(opened.payload["record_id"])
        try:
            if not self.chain.own_echo(revision.author, revision.link, me):
                self.chain.check(revision.author, revision.link, revision.prev, revision.seen)
            elif self._settled(seq, record_id, opened.payload):
                self.cursor = seq
                return False
            else:
                raise chains.ChainError("rolled_back", me, "an own revision served again as new")
        except chains.ChainError as error:
            return self._chain_break(seq, error, revision, record_id)
        self.chain.accept(revision.author, revision.link)
        return True

    def _settled(self, seq: int, record_id: bytes, payload: dict[str, Any]) -> bool:
        """This device's own revision coming back, at or before the revision it holds."""
        current = self.records.get(record_id)
        return current is not None and (seq <= current.seq or current.payload["change_id"] == payload["change_id"])

    def _chain_break(self, seq: int, error: chains.ChainError, revision: chains.Revision, record_id: bytes) -> bool:
        """The personal circle refuses every break. A shared circle notes it for the person and goes
        on (§16): a member can break its own chain too. It never applies an older revision again."""
        words = _CHAIN_WORDS[error.code].format(member=b64u(error.member))
        if not self.shared:
            raise ProtocolError(error.code, f"Change {seq} of {self.label} was refused: {words}") from error
        self.noticed.append(Noticed(seq, b64u(error.member), error.code))
        if error.code == "rolled_back":
            self._pass_over(seq, record_id)
            return False
        self.chain.accept(revision.author, revision.link)
        return True

    def _before_joining(self, epoch: int) -> bool:
        """A record sealed under an earlier epoch in which this device was never a member: written
        before it joined a shared circle, never meant for it, and left out (PROTOCOL §16). A later
        epoch than the log's, or one it was in without a key, still fails as ``unknown_epoch``."""
        if epoch in self.keys or epoch > self.verified.epoch:
            return False
        return self.device.keys.device_id not in self.verified.epoch_members.get(epoch, frozenset())

    def _check_placed_here(self, envelope: object) -> None:
        if not isinstance(envelope, dict) or envelope.get("circle_id") != b64u(self.circle_id):
            raise ProtocolError("context_mismatch", "the envelope names another circle")

    def _take(self, seq: int, payload: dict[str, Any]) -> None:
        """Keeps a verified revision unless it is one this replica has (its own push coming back)."""
        record_id = unb64u(payload["record_id"])
        current = self.records.get(record_id)
        if current is not None and (seq <= current.seq or current.payload["change_id"] == payload["change_id"]):
            self.cursor = seq
            return
        # A v2 revision's place was checked by its author's chain; only v1 ones compare clocks (§7).
        if current is not None and payload["v"] == 1 and payload["hlc"] <= current.payload["hlc"]:
            if self.shared:
                # A member's app sets its own clock: an older revision rolls nothing back, and is left out.
                self.cursor = seq
                return
            raise ProtocolError(
                "rolled_back",
                f"Change {seq} of {self.label} was refused: it is an older revision of record "
                f"{payload['record_id']} (written at {payload['hlc']}) than the one this device has "
                f"(written at {current.payload['hlc']}): the server replayed an old revision",
            )
        self.clock.observe(payload["hlc"])
        self.records[record_id] = Revision(seq, payload)
        self.cursor = seq

    def push(self) -> None:
        """Sends the outbox; merges and retries when others changed the same records first."""
        rebases = 0
        while self.outbox:
            if self.verified.must_rotate:
                self.refresh()  # another member may have started the next epoch already
            if self.verified.must_rotate:
                # Nothing is sealed under a key a leaver made or under a closed epoch (§8): any
                # member starts the next epoch, whose key the leaver never gets.
                self.rotate()
            batch = self._seal(self._next_batch())
            try:
                seqs = self.device.call("POST", f"{self.path}/changes", {"changes": [self._wire(p) for p in batch]})[
                    "seqs"
                ]
            except ApiError as error:
                rebases += 1
                if rebases > MAX_REBASES or error.code not in ("stale_base", "stale_epoch"):
                    raise
                # Nothing of a refused push was stored: its revisions are sealed again from the
                # chain's head (§7, "Writing"), after the pull that may move it.
                for pending in batch:
                    pending.envelope = None
                if error.code == "stale_base":
                    self._rebase(batch)
                else:
                    self.refresh()
                continue
            self._settle(batch, seqs)

    def next_push(self) -> dict[str, Any]:
        """The body the next ``push`` sends, sealed now: sent again, it must be answered as it was
        the first time (tests send it themselves, several times at once)."""
        return {"changes": [self._wire(p) for p in self._seal(self._next_batch())]}

    def _next_batch(self) -> list[Pending]:
        """The oldest waiting edit of each record: a later one builds on it once it is settled."""
        batch: dict[bytes, Pending] = {}
        for pending in self.outbox:
            batch.setdefault(pending.record_id, pending)
        return list(batch.values())

    def _seal(self, batch: list[Pending]) -> list[Pending]:
        """The batch in chain order: envelopes kept from a push that got no answer first, as they
        were (they may be stored), then new revisions continuing the chain after them."""
        epoch = self.verified.epoch
        if any(p.envelope is not None and p.envelope["epoch"] != epoch for p in batch):
            for pending in batch:
                pending.envelope = None
        kept = sorted((p for p in batch if p.envelope is not None), key=lambda p: p.link.n if p.link else -1)
        tail = kept[-1].link if kept else self.chain.heads.get(self.device.keys.device_id)
        fresh = [p for p in batch if p.envelope is None]
        for pending in fresh:
            pending.change_id = primitives.random_bytes(16)
            pending.hlc = self.clock.tick()
            ref = RecordRef(self.circle_id, pending.record_id, epoch)
            pending.envelope, pending.link = records.seal_revision(
                self.device.keys,
                ref,
                self._key(epoch),
                change_id=pending.change_id,
                hlc=pending.hlc,
                body=pending.body,
                chained=Chained(tail, self._seen()),
            )
            tail = pending.link
        return kept + fresh

    def _seen(self) -> dict[bytes, Link]:
        me = self.device.keys.device_id
        return {device: link for device, link in self.chain.heads.items() if device != me}

    def _wire(self, pending: Pending) -> dict[str, Any]:
        assert pending.envelope is not None
        base_seq = pending.base.seq if pending.base else None
        return {"change_id": b64u(pending.change_id), "base_seq": base_seq, "envelope": pending.envelope}

    def _rebase(self, batch: list[Pending]) -> None:
        self.pull()
        for pending in batch:
            remote = self.records.get(pending.record_id)
            if remote is None or (pending.base is not None and remote.seq == pending.base.seq):
                continue
            base_body = pending.base.body if pending.base else None
            pending.body = merge(
                base_body, pending.body, remote.body, local_is_later=True, remote_hlc=remote.payload["hlc"]
            )
            pending.base, pending.envelope = remote, None

    def _settle(self, batch: list[Pending], seqs: list[int]) -> None:
        for pending, seq in zip(batch, seqs, strict=True):
            assert pending.envelope is not None
            payload = records.open_record(
                pending.envelope, self.keys, self.verified.authors_of(pending.envelope["epoch"])
            )
            revision = Revision(seq, payload)
            self.records[pending.record_id] = revision
            if pending.link is not None:
                self.chain.accept(self.device.keys.device_id, pending.link)
            self.outbox.remove(pending)
            for later in self.outbox:
                if later.record_id == pending.record_id:
                    later.base = revision
                    break


def _record_id(envelope: dict[str, Any]) -> bytes:
    """The record id an envelope names, or b"" when it names none a record could have."""
    try:
        return unb64u(envelope.get("record_id"), 16)
    except ProtocolError:
        return b""


def _removes(entry: dict[str, Any], device_id: bytes) -> bool:
    payload = parse_json(unb64u(entry["payload"]))
    return bool(payload.get("op") == "remove" and payload.get("device_id") == b64u(device_id))


def _public(identity: dict[str, Any]) -> PublicIdentity:
    return verify_identity(identity)


def _counters(value: Any) -> dict[str, Any]:
    """A circle's counters as the server answered them, checked for form (PROTOCOL.md §7,
    "Pulling"): a malformed answer is refused before anything is compared or applied."""

    def position(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2**53 - 1

    if (
        isinstance(value, dict)
        and position(value.get("change_seq"))
        and position(value.get("log_seq"))
        and isinstance(value.get("head_hash"), str)
    ):
        return value
    raise ApiError(200, "bad_response", "The server answered without the circle's counters in their form.")
