"""One device's replica of one circle: the verified log, its epoch keys, and the records."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from support_circle.client.clock import Clock
from support_circle.client.http import ApiError
from support_circle.client.refusals import KEY, LOG, RECORD, refused
from support_circle.protocol import ProtocolError, circle_keys, membership, primitives, records
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import PublicIdentity, verify_identity
from support_circle.protocol.merge import merge
from support_circle.protocol.records import RecordRef

if TYPE_CHECKING:
    from support_circle.client.device import Device

MAX_REBASES = 5


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


@dataclass
class Pending:
    """A local edit waiting to be pushed; its envelope is kept so a retry is byte-identical."""

    record_id: bytes
    body: dict[str, Any] | None
    base: Revision | None
    change_id: bytes = field(default_factory=lambda: primitives.random_bytes(16))
    envelope: dict[str, Any] | None = None
    hlc: str = ""


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
        self._new_epoch_before_adding()
        entry = membership.add(self.device.keys, self.verified, identity, role)
        joiner = _public(identity)
        epoch = self.verified.epoch
        epochs = {*self.keys, epoch} if history else {epoch}
        self._append(entry, [circle_keys.seal_key_envelope(self.circle_id, e, joiner, self._key(e)) for e in epochs])

    def approve(self, request_id: str, join_request: dict[str, Any]) -> None:
        """Admits a joiner whose request the server holds, after checking its proof elsewhere."""
        self._new_epoch_before_adding()
        identity = join_request["identity"]
        entry = membership.add(self.device.keys, self.verified, identity)
        epoch = self.verified.epoch
        envelope = circle_keys.seal_key_envelope(self.circle_id, epoch, _public(identity), self._key(epoch))
        body = {"entry": entry, "key_envelopes": [envelope]}
        self.device.call("POST", f"{self.path}/requests/{request_id}/approve", body)
        self.refresh()

    def _new_epoch_before_adding(self) -> None:
        """In a shared circle a new member reads nothing from before it was let in (§16): a new
        epoch first, whose key is the only one it gets. The person's own devices read everything."""
        if self.shared:
            self.rotate()

    def remove_member(self, device_id: bytes) -> None:
        """Removes a member and starts a new epoch whose key only the members who stay receive."""
        key = circle_keys.new_epoch_key()
        self._rekey(membership.remove(self.device.keys, self.verified, device_id, key), key)

    def rotate(self) -> None:
        key = circle_keys.new_epoch_key()
        self._rekey(membership.rotate(self.device.keys, self.verified, key), key)

    def _rekey(self, entry: dict[str, Any], key: bytes) -> None:
        after = membership.verify_log(self.circle_id, self.genesis_hash, [*self.log, entry])
        envelopes = [
            circle_keys.seal_key_envelope(self.circle_id, after.epoch, m.identity, key) for m in after.members.values()
        ]
        self._append(entry, envelopes)

    def _append(self, entry: dict[str, Any], envelopes: list[dict[str, Any]]) -> None:
        self.device.call("POST", f"{self.path}/log", {"entry": entry, "key_envelopes": envelopes})
        self.refresh()

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

        Whatever the server altered, moved, replayed or rolled back raises ``ProtocolError`` with
        the protocol's code and a message saying what the server did; nothing of it is applied.
        """
        self._check_heads()
        applied, done = 0, False
        while not done:
            page = self.device.call("GET", f"{self.path}/changes", params={"since": self.cursor, "limit": 500})
            if not page["data"] and not page["done"]:
                raise ApiError(200, "bad_response", "The server sent an empty page of changes that says more follow.")
            for change in page["data"]:
                self._apply(change)
                applied += 1
            self.cursor, done = max(self.cursor, page["cursor"]), page["done"]
        return applied

    def _check_heads(self) -> None:
        """Compares the server's counters with what this replica holds: a change log behind the
        cursor is a roll-back; a membership head other than the verified one is verified now."""
        counters = self.device.call("GET", self.path)
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
            self.cursor = seq
            return
        with refused(what, RECORD):
            if epoch in self.unreadable:
                return self._set_aside(change, b64u(self.verified.left_by[epoch]), "unreadable_epoch")
            self._key(epoch)
            try:
                payload = records.open_record(envelope, self.keys, self.verified.authors_of(epoch))
            except ProtocolError as error:
                if not self.shared:
                    raise
                return self._set_aside(change, change.get("pushed_by"), error.code)
        self._take(seq, payload)

    def _set_aside(self, change: dict[str, Any], author: str | None, reason: str) -> None:
        """Passes over a change a member broke (§16): noted, the cursor moves on past it, and a
        record held under its id builds on it from now on (the server counts it as the newest)."""
        seq = change["seq"]
        self.set_aside.append(SetAside(seq, author, reason))
        held = self.records.get(_record_id(change["envelope"]))
        if held is not None:
            self.records[_record_id(change["envelope"])] = Revision(seq, held.payload)
        self.cursor = seq

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
        if current is not None and payload["hlc"] <= current.payload["hlc"]:
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
        if self.verified.epoch in self.unreadable:
            self.refresh()
        if self.verified.epoch in self.unreadable:
            return  # Nothing is sealed under a key this device cannot check: edits wait for a new epoch.
        while self.outbox:
            batch = self._next_batch()
            try:
                seqs = self.device.call("POST", f"{self.path}/changes", {"changes": [self._wire(p) for p in batch]})[
                    "seqs"
                ]
            except ApiError as error:
                rebases += 1
                if rebases > MAX_REBASES or error.code not in ("stale_base", "stale_epoch"):
                    raise
                if error.code == "stale_base":
                    self._rebase(batch)
                else:
                    self.refresh()
                    for pending in batch:
                        pending.envelope = None
                continue
            self._settle(batch, seqs)

    def _next_batch(self) -> list[Pending]:
        """The oldest waiting edit of each record: a later one builds on it once it is settled."""
        batch: dict[bytes, Pending] = {}
        for pending in self.outbox:
            batch.setdefault(pending.record_id, pending)
        return list(batch.values())

    def _wire(self, pending: Pending) -> dict[str, Any]:
        epoch = self.verified.epoch
        if pending.envelope is None or pending.envelope["epoch"] != epoch:
            pending.change_id = primitives.random_bytes(16)
            pending.hlc = self.clock.tick()
            ref = RecordRef(self.circle_id, pending.record_id, epoch)
            pending.envelope = records.seal_record(
                self.device.keys, ref, self._key(epoch), change_id=pending.change_id, hlc=pending.hlc, body=pending.body
            )
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


def _public(identity: dict[str, Any]) -> PublicIdentity:
    return verify_identity(identity)
