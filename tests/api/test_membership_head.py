"""The server keeps the verified state at the head of each membership log and checks an appended
entry against it alone (issue 13): an append costs the same whatever the log's length, and it
accepts and refuses exactly what verifying the whole log does."""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlmodel import Session

from support_circle.models import Circle, CircleMember, MembershipEntry
from support_circle.protocol import ProtocolError, circle_keys, membership, primitives
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.services import log_head
from tests.api.helpers import Member, SharedCircle, signed_in

LONG_LOG = 40


def _engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


@contextmanager
def _reads(engine: Engine) -> Iterator[Counter[str]]:
    """Counts what the server reads of the membership log and of the member rows while it runs:
    rows loaded per table (SQLAlchemy's own load event) and SQL statements that select from the log."""
    reads: Counter[str] = Counter()

    def loaded(target: Any, _context: Any) -> None:
        reads[f"{type(target).__tablename__} rows"] += 1

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "membership_entry" in statement:
            reads["membership_entry selects"] += 1

    for model in (MembershipEntry, CircleMember):
        event.listen(model, "load", loaded)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield reads
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        for model in (MembershipEntry, CircleMember):
            event.remove(model, "load", loaded)


def _reads_of(client: TestClient, append: Callable[[], Any]) -> Counter[str]:
    with _reads(_engine(client)) as reads:
        response = append()
    assert response.status_code == 200, response.text
    return reads


def _forget_head(client: TestClient, circle: SharedCircle) -> None:
    """Makes the circle as a server before the stored head left it: a log and no head."""
    with _engine(client).begin() as connection:
        connection.execute(update(Circle).where(Circle.id == circle.cid).values(head_state=None))  # type: ignore[arg-type]


def _stored_head(client: TestClient, circle: SharedCircle) -> Any:
    with Session(_engine(client)) as session:
        stored = session.get(Circle, circle.cid)
        assert stored is not None
        return stored.head_state


def test_an_append_reads_none_of_the_log_however_long_it_is(client: TestClient) -> None:
    """The same reads for an entry appended to a log of 2 and of 42 entries: no log row, no
    member row. Verifying the whole log read every entry (and every member row) on each append."""
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    short = _reads_of(client, circle.rotate)
    for _ in range(LONG_LOG):
        assert circle.rotate().status_code == 200
    long = _reads_of(client, circle.rotate)
    assert len(circle.log) > LONG_LOG
    assert short == long == Counter()


def test_a_circle_stored_before_the_head_was_kept_still_takes_appends(client: TestClient) -> None:
    """A circle from before the migration has no stored head: its next append verifies the whole
    log once, stores the head, and the append after reads no log again. Admins' ``POST /keys``
    works on such a circle too."""
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    circle.rotate()
    _forget_head(client, circle)
    own = circle_keys.seal_key_envelope(circle.circle_id, 1, admin.keys.public, circle.keys[1])
    assert admin.post(f"/v1/circles/{circle.cid}/keys", {"key_envelopes": [own]}).status_code == 204
    _forget_head(client, circle)
    rebuilt = _reads_of(client, circle.rotate)
    assert rebuilt["membership_entry rows"] == len(circle.log) - 1
    assert _stored_head(client, circle) == log_head.dump(circle.state)
    assert _reads_of(client, lambda: circle.remove(ally))["membership_entry rows"] == 0
    assert _stored_head(client, circle) == log_head.dump(circle.state)
    assert admin.get(f"/v1/circles/{circle.cid}").json()["epoch"] == circle.state.epoch == 3


# The stored head against the whole log -----------------------------------------------------------


def _full_verdict(circle: SharedCircle, entry: dict[str, Any]) -> str:
    """What a client verifying the whole log says of ``entry`` appended to it."""
    try:
        membership.verify_log(circle.circle_id, membership.genesis_hash(circle.log), [*circle.log, entry])
    except ProtocolError as exc:
        return exc.code
    return "ok"


def _server_verdict(response: Any) -> str:
    return "ok" if response.status_code == 200 else str(response.json()["code"])


def _next(signer: DeviceKeys, circle: SharedCircle, op: str, **fields: Any) -> dict[str, Any]:
    state = circle.state
    return membership.entry(signer, circle.circle_id, state.head.seq + 1, state.head.hash, op, **fields)


def _commitment(circle: SharedCircle) -> str:
    return b64u(circle_keys.key_commitment(circle_keys.new_epoch_key(), circle.circle_id))


def _refusals(circle: SharedCircle, a: Member, m: Member, r: Member, x: Member) -> dict[str, Any]:
    """Entries the log refuses, with what refuses them; ``a`` is the admin, ``m`` a member, ``r``
    a removed member, ``x`` a registered device that is not a member."""
    state, key = circle.state, circle_keys.new_epoch_key()
    forged = membership.add(a.keys, state, x.keys.identity())
    forged["sig"] = b64u(bytes(64))
    relabelled = {**membership.add(m.keys, state, x.keys.identity()), "signer": a.device_id}
    bad_identity = {**x.keys.identity(), "sig": b64u(bytes(64))}
    seq, head = state.head.seq, state.head.hash
    return {
        "forged signature": (forged, "bad_signature"),
        "another's signature": (relabelled, "bad_signature"),
        "skipped seq": (membership.entry(a.keys, circle.circle_id, seq + 2, head, "rotate", epoch=state.epoch + 1,
                                         key_commitment=_commitment(circle)), "broken_chain"),
        "wrong prev": (membership.entry(a.keys, circle.circle_id, seq + 1, primitives.random_bytes(32), "rotate",
                                        epoch=state.epoch + 1, key_commitment=_commitment(circle)), "broken_chain"),
        "replayed entry": (circle.log[-1], "broken_chain"),
        "non-admin signer": (membership.add(m.keys, state, x.keys.identity()), "not_admin"),
        "removed member signs": (membership.rotate(r.keys, state, key), "unknown_author"),
        "non-member signs": (membership.rotate(x.keys, state, key), "unknown_author"),
        "epoch skipped": (_next(a.keys, circle, "rotate", epoch=state.epoch + 2, key_commitment=_commitment(circle)),
                          "invalid_operation"),
        "epoch repeated": (_next(a.keys, circle, "rotate", epoch=state.epoch, key_commitment=_commitment(circle)),
                           "invalid_operation"),
        "add a member again": (membership.add(a.keys, state, m.keys.identity()), "invalid_operation"),
        "remove a non-member": (membership.remove(a.keys, state, r.keys.device_id, key), "invalid_operation"),
        "remove oneself": (membership.remove(a.keys, state, a.keys.device_id, key), "invalid_operation"),
        "last admin leaves": (membership.leave(a.keys, state, key), "invalid_operation"),
        "second genesis": (_next(a.keys, circle, "genesis", member={"identity": a.keys.identity(), "role": "admin"},
                                 epoch=0, key_commitment=_commitment(circle)), "invalid_operation"),
        "another circle": (membership.entry(a.keys, primitives.random_bytes(16), seq + 1, head, "role",
                                            device_id=m.device_id, role="admin"), "context_mismatch"),
        "unknown role": (membership.set_role(a.keys, state, m.keys.device_id, "owner"), "malformed"),
        "unknown op": (_next(a.keys, circle, "merge"), "malformed"),
        "forged identity": (membership.add(a.keys, state, bad_identity), "bad_signature"),
    }  # fmt: skip


def _acceptances(a: Member, m: Member, x: Member) -> list[tuple[str, Callable[[SharedCircle], Any], Member]]:
    """Entries the log accepts, one after another, with the device that posts each."""
    return [
        ("add", lambda c: membership.add(a.keys, c.state, x.keys.identity()), a),
        ("promote", lambda c: membership.set_role(a.keys, c.state, m.keys.device_id, "admin"), a),
        ("rotate by the new admin", lambda c: membership.rotate(m.keys, c.state, circle_keys.new_epoch_key()), m),
        ("demote", lambda c: membership.set_role(a.keys, c.state, m.keys.device_id, "member"), a),
        ("remove", lambda c: membership.remove(a.keys, c.state, x.keys.device_id, circle_keys.new_epoch_key()), a),
        ("leave", lambda c: membership.leave(m.keys, c.state, circle_keys.new_epoch_key()), m),
        ("add again after leaving", lambda c: membership.add(a.keys, c.state, m.keys.identity()), a),
    ]


@pytest.mark.parametrize("head", ["stored", "rebuilt from the log"])
def test_the_head_accepts_and_refuses_exactly_what_the_whole_log_does(client: TestClient, head: str) -> None:
    a, m, r, x = (signed_in(client) for _ in range(4))
    circle = SharedCircle(a)
    circle.create()
    circle.add(m)
    circle.add(r)
    circle.rotate()
    circle.remove(r)
    refusals = _refusals(circle, a, m, r, x)
    if head != "stored":
        _forget_head(client, circle)
    full = {name: _full_verdict(circle, entry) for name, (entry, _) in refusals.items()}
    server = {name: _server_verdict(circle.append(entry)) for name, (entry, _) in refusals.items()}
    assert full == server == {name: code for name, (_, code) in refusals.items()}
    for name, make, poster in _acceptances(a, m, x):
        entry = make(circle)
        if head != "stored":
            _forget_head(client, circle)
        assert (name, _full_verdict(circle, entry), _server_verdict(circle.append(entry, poster))) == (name, "ok", "ok")
        assert _stored_head(client, circle) == log_head.dump(circle.state), name
    assert a.get(f"/v1/circles/{circle.cid}/log").json()["data"] == circle.log
    assert [c["circle_id"] for c in m.get("/v1/circles").json()["data"]] == [circle.cid]
    assert x.get("/v1/circles").json()["data"] == r.get("/v1/circles").json()["data"] == []
