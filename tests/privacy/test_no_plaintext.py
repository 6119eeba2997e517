"""docs/architecture.md §2.1, proved: after a full sync against a real server process, nothing the people in the
scenario wrote is anywhere in what the server keeps — its database files or dump, and its log.

The scenario uses every path that carries content: records pushed and pulled, a merge, invites
approved, a member removed, the key rotated, a recovery escrow stored. Each plaintext is
distinctive, so finding it in any form (UTF-8, or escaped as JSON would escape it) means the
server saw it.
"""

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from support_circle.client import Device
from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica
from support_circle.client.recovery import keep_escrow
from support_circle.protocol import escrow, primitives
from support_circle.protocol.encoding import b64u
from tests.support.server import ServerProcess

PLAINTEXTS = (
    "Wharekauri Kitchen Table Circle",  # the circle's name, kept inside a record
    "Marguerite Okonkwo-Tanaka",
    "+64 21 555 0199",
    "Safe word is pineapple; spare key under the blue pot",
    "Zoë from Ōtautahi will drive on Thursday",
    "I need a quiet evening after court",
    "Hemi Aperahama-Whitlock",
    "written after Cleo left the circle",
    "written after the key was rotated",
    "Prefers a text message to a call",
)


@dataclass
class Secrets:
    """Everything the scenario must keep from the server's storage and log."""

    plaintexts: tuple[str, ...] = PLAINTEXTS
    circle_id: str = ""
    tokens: list[str] = field(default_factory=list)
    invite_secrets: list[bytes] = field(default_factory=list)
    recovery_key: bytes = b""
    escrowed_keys: list[bytes] = field(default_factory=list)  # private keys, sealed in the escrow

    def keep_token(self, device: Device) -> None:
        assert device.api.token is not None
        self.tokens.append(device.api.token)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    # Debug logging is the most the server ever says; none of it may carry content either.
    process = ServerProcess(
        data_dir=tmp_path / "data",
        static_dir=tmp_path / "no-app",
        database_url=database_url,
        env={"LOG_LEVEL": "debug"},
    )
    process.start()
    yield process
    process.stop()


def _device(server: ServerProcess, secrets: Secrets) -> Device:
    device = Device.new(server.url)
    device.register()
    device.sign_in()
    secrets.keep_token(device)
    return device


def _join(circle: CircleReplica, joiner: Device, secrets: Secrets) -> CircleReplica:
    secret = client_invites.create_invite(circle)
    secrets.invite_secrets.append(secret)
    invite, request_id = client_invites.request_to_join(joiner, secret)
    [pending] = client_invites.pending_requests(circle, secret)
    circle.approve(request_id, pending["request"])
    return joiner.join_circle(invite.circle_id, invite.genesis_hash)


def _scenario(server: ServerProcess) -> Secrets:
    secrets = Secrets()
    alice, bea, cleo = (_device(server, secrets) for _ in range(3))
    mine = alice.create_circle()
    secrets.circle_id = b64u(mine.circle_id)
    secrets.recovery_key = primitives.random_bytes(32)
    kept = keep_escrow(alice, secrets.recovery_key, mine)
    secrets.escrowed_keys += [alice.keys.sign_seed, alice.keys.kem_private]
    secrets.escrowed_keys += [kept.identity.sign_seed, kept.identity.kem_private]
    mine.write({"kind": "circle", "name": PLAINTEXTS[0]})
    mine.push()
    hers, theirs = _join(mine, bea, secrets), _join(mine, cleo, secrets)

    ally = mine.write({"kind": "ally", "name": PLAINTEXTS[1], "phone": PLAINTEXTS[2]})
    note = mine.write({"kind": "note", "text": PLAINTEXTS[3]})
    mine.push()
    hers.pull()
    hers.write({"kind": "note", "text": PLAINTEXTS[4]}, note)
    hers.write({"kind": "checkin", "text": PLAINTEXTS[5]})
    hers.write({"kind": "ally", "name": PLAINTEXTS[1], "phone": PLAINTEXTS[2], "notes": PLAINTEXTS[9]}, ally)
    mine.write({"kind": "ally", "name": PLAINTEXTS[6], "phone": PLAINTEXTS[2]}, ally)
    mine.push()
    hers.push()  # the ally is stale: pulls, merges and pushes again
    theirs.pull()

    mine.remove_member(cleo.keys.device_id)
    mine.write({"kind": "note", "text": PLAINTEXTS[7]})
    mine.push()
    mine.rotate()
    last = mine.write({"kind": "note", "text": PLAINTEXTS[8]})
    mine.push()
    hers.pull()
    mine.pull()
    assert hers.body(last) == {"kind": "note", "text": PLAINTEXTS[8]}
    assert (
        mine.body(ally)
        == hers.body(ally)
        == {"kind": "ally", "name": PLAINTEXTS[6], "phone": PLAINTEXTS[2], "notes": PLAINTEXTS[9]}
    )
    for device in (alice, bea, cleo):
        secrets.keep_token(device)
        device.api.close()
    return secrets


def _forms(plaintext: str) -> set[bytes]:
    """The byte strings that would betray ``plaintext``: UTF-8 as is, and as JSON escapes it."""
    escaped = json.dumps(plaintext)[1:-1]
    return {plaintext.encode(), escaped.encode(), plaintext.encode("unicode_escape")}


def _files_bytes(folder: Path) -> bytes:
    """Every file the server keeps in its data folder: the SQLite database, -wal and -shm included."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def _postgres_dump(url: str) -> bytes:
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    if shutil.which("pg_dump"):
        return subprocess.run(["pg_dump", "--dbname", libpq_url], check=True, capture_output=True).stdout
    return _every_row_as_text(url)


def _every_row_as_text(url: str) -> bytes:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            lines = [
                repr(tuple(row)).encode()
                for table in inspect(connection).get_table_names()
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()
    return b"\n".join(lines)


def _stored(server: ServerProcess) -> bytes:
    if server.database_url and server.database_url.startswith("postgresql"):
        return _postgres_dump(server.database_url)
    return _files_bytes(server.data_dir)


def _assert_absent(haystack: bytes, needles: dict[str, set[bytes]], where: str) -> None:
    found = sorted(name for name, forms in needles.items() if any(form in haystack for form in forms))
    assert not found, f"{where} contains {found}"


def test_the_server_keeps_no_plaintext_in_its_database_or_log(server: ServerProcess) -> None:
    secrets = _scenario(server)
    stored_while_running = _stored(server)
    server.stop()
    stored = stored_while_running + _stored(server)
    log = server.log_path.read_bytes()
    # The search can find things: what the server must know (a circle's id) is there to be found.
    assert secrets.circle_id.encode() in stored
    assert b"Support Circle is running" in log

    content = {text: _forms(text) for text in secrets.plaintexts}
    _assert_absent(stored, content, "the database")
    _assert_absent(log, content, "the server log")

    credentials = {f"token {i}": {token.encode()} for i, token in enumerate(secrets.tokens)}
    credentials |= {f"invite secret {i}": {b64u(s).encode(), s} for i, s in enumerate(secrets.invite_secrets)}
    recovery = [secrets.recovery_key, escrow.escrow_key(secrets.recovery_key), *secrets.escrowed_keys]
    credentials |= {f"recovery secret {i}": {b64u(s).encode(), s} for i, s in enumerate(recovery)}
    _assert_absent(log, credentials, "the server log")
    _assert_absent(stored, credentials, "the database")

    # The escrow's id is the one secret a new device needs to read it: stored, never logged.
    escrow_id = b64u(escrow.escrow_id(secrets.recovery_key)).encode()
    assert escrow_id in stored
    _assert_absent(log, {"escrow id": {escrow_id}}, "the server log")
