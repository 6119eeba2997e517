"""The operator's commands, run as ``support-circle ...`` runs them (same environment, same
``main``), against the real app and database: codes that let devices register, statistics,
the purge of inactive devices, and the access log switch."""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select, update

from support_circle import cli
from support_circle.app import create_app
from support_circle.client import ApiError, Device
from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica
from support_circle.db import create_db_engine
from support_circle.models import Device as DeviceRow
from support_circle.models import RegistrationCode
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.settings import Settings, get_settings


@dataclass
class Cli:
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        """Exit status, standard output and standard error of ``support-circle *argv``."""
        self.capsys.readouterr()
        status = cli.main(list(argv))
        out, err = self.capsys.readouterr()
        return status, out, err

    def ok(self, *argv: str) -> str:
        status, out, err = self(*argv)
        assert status == 0, err
        return out


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    """The command line, configured by the environment like the server it administers."""
    assert settings.database_url is not None
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()  # main() reads get_settings(), cached per process
    yield Cli(capsys)
    get_settings.cache_clear()


def _device(client: TestClient, code: str | None = None) -> Device:
    device = Device.new("http://testserver", http=client)
    device.register(code)
    device.sign_in()
    return device


def _created_code(out: str) -> tuple[str, str]:
    code = re.search(r"^ {4}(\S+)$", out, re.MULTILINE)
    code_id = re.search(r"codes revoke (\S+)'", out)
    assert code and code_id, out
    return code.group(1), code_id.group(1)


@pytest.fixture
def code_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"registration": "code"}))) as client:
        yield client


def test_a_new_code_admits_as_many_devices_as_it_says_and_is_kept_only_as_a_hash(
    run: Cli, code_client: TestClient, settings: Settings
) -> None:
    code, code_id = _created_code(run.ok("codes", "create", "--uses", "2", "--days", "7"))

    _device(code_client, code)
    _device(code_client, f"  {code}\n")  # pasted with the spaces around it
    with pytest.raises(ApiError) as refused:
        _device(code_client, code)
    assert refused.value.code == "invalid_registration_code"

    listed = run.ok("codes", "list")
    assert code_id in listed and "2/2" in listed and "used up" in listed
    assert code not in listed
    engine = create_db_engine(settings.sqlalchemy_url)
    with Session(engine) as session:
        row = session.exec(select(RegistrationCode)).one()
    engine.dispose()
    assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert code not in repr(row.model_dump())


def test_a_revoked_code_admits_no_one(run: Cli, code_client: TestClient) -> None:
    code, code_id = _created_code(run.ok("codes", "create", "--uses", "5"))
    assert "never" in run.ok("codes", "list")

    assert "is revoked" in run.ok("codes", "revoke", code_id)
    with pytest.raises(ApiError) as refused:
        _device(code_client, code)
    assert refused.value.code == "invalid_registration_code"
    assert "revoked" in run.ok("codes", "list")
    assert "revoked already" in run.ok("codes", "revoke", code_id)


def test_an_unknown_code_id_is_a_clear_error(run: Cli, client: TestClient) -> None:
    status, out, err = run("codes", "revoke", "no-such-id")
    assert (status, out) == (1, "")
    assert "No registration code has the id 'no-such-id'" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["codes", "create", "--uses", "0"],
        ["codes", "create", "--days", "soon"],
        ["purge-inactive"],
        ["purge-inactive", "--days", "-3"],
        ["codes", "frobnicate"],
    ],
)
def test_bad_arguments_say_what_is_expected(run: Cli, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(*argv)
    assert exited.value.code == 2
    assert "usage: support-circle" in run.capsys.readouterr().err


@pytest.mark.empty_database
def test_admin_commands_ask_for_the_schema_first(run: Cli) -> None:
    status, _, err = run("stats")
    assert status == 1
    assert "Run 'support-circle migrate' first" in err
    assert "up to date" in run.ok("migrate")
    assert run("stats")[0] == 0


def test_an_unreachable_database_is_named_as_such(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    get_settings.cache_clear()
    status, _, err = run("codes", "list")
    assert status == 1
    assert "the database could not be used" in err and "DATABASE_URL" in err


def _stats(run: Cli) -> dict[str, int]:
    lines = run.ok("stats").splitlines()
    return {line[:28].strip(): int(line[28:].replace(",", "")) for line in lines}


def _stored_bytes(circle: CircleReplica) -> int:
    page = circle.device.call("GET", f"{circle.path}/changes")
    return sum(len(unb64u(change["envelope"]["ct"])) for change in page["data"])


def test_stats_count_what_is_stored_and_name_nothing(run: Cli, client: TestClient) -> None:
    alice, bea, carl = _device(client), _device(client), _device(client)
    circle = alice.create_circle()
    circle.add_member(bea.keys.identity())
    circle.write({"kind": "note", "text": "Call Sam on Friday"})
    circle.write({"kind": "checkin", "text": "Better today"})
    circle.push()
    client_invites.request_to_join(carl, client_invites.create_invite(circle))

    out = run.ok("stats")
    assert _stats(run) == {
        "devices": 3,
        "circles": 1,
        "changes": 2,
        "membership log entries": 2,
        "pending join requests": 1,
        "bytes stored (ciphertext)": _stored_bytes(circle),
    }
    for name in (alice.device_id, bea.device_id, carl.device_id, b64u(circle.circle_id)):
        assert name not in out


def _age(settings: Settings, devices: list[Device], days: int) -> None:
    engine = create_db_engine(settings.sqlalchemy_url)
    with Session(engine) as session:
        ids = [device.device_id for device in devices]
        then = datetime.now(UTC) - timedelta(days=days)
        session.exec(update(DeviceRow).where(col(DeviceRow.id).in_(ids)).values(last_seen_at=then))
        session.commit()
    engine.dispose()


def _bytes_stored(settings: Settings, device: Device) -> int | None:
    engine = create_db_engine(settings.sqlalchemy_url)
    with Session(engine) as session:
        row = session.get(DeviceRow, device.device_id)
        stored = None if row is None else row.bytes_stored
    engine.dispose()
    return stored


@dataclass
class Town:
    """Alice and Fred went quiet: Alice alone is left in her circle (Erin was removed from it
    after writing there); Bob went quiet in Cara's circle, which Cara still uses; Dan is new."""

    devices: dict[str, Device]
    alices: CircleReplica
    caras: CircleReplica


@pytest.fixture
def town(client: TestClient, settings: Settings) -> Town:
    devices = {name: _device(client) for name in ("alice", "bob", "cara", "dan", "erin", "fred")}
    alices = devices["alice"].create_circle()
    alices.add_member(devices["erin"].keys.identity())
    erins = devices["erin"].join_circle(alices.circle_id, alices.genesis_hash)
    erins.write({"kind": "note", "text": "from Erin"})
    erins.push()
    alices.write({"kind": "note", "text": "from Alice"})
    alices.push()
    alices.remove_member(devices["erin"].keys.device_id)
    caras = devices["cara"].create_circle()
    caras.add_member(devices["bob"].keys.identity())
    bobs = devices["bob"].join_circle(caras.circle_id, caras.genesis_hash)
    bobs.write({"kind": "note", "text": "from Bob"})
    bobs.push()
    _age(settings, [devices["alice"], devices["bob"], devices["fred"]], days=100)
    return Town(devices, alices, caras)


def _purge_counts(out: str) -> dict[str, int]:
    found = re.findall(r"^  (devices|circles|changes) (?:to delete|deleted)\s+([\d,]+)", out, re.MULTILINE)
    return {what: int(number.replace(",", "")) for what, number in found}


def test_purge_without_yes_only_says_what_would_go(run: Cli, town: Town) -> None:
    before = _stats(run)
    out = run.ok("purge-inactive", "--days", "90")
    assert _purge_counts(out) == {"devices": 2, "circles": 1, "changes": 2}
    assert "1 more inactive device(s) kept" in out
    assert "Nothing was deleted" in out
    assert _stats(run) == before
    assert "Nothing to delete" in run.ok("purge-inactive", "--days", "365")


def test_purge_deletes_the_inactive_and_what_only_they_held(run: Cli, town: Town, settings: Settings) -> None:
    alice, bob, cara, erin = (town.devices[name] for name in ("alice", "bob", "cara", "erin"))
    assert (_bytes_stored(settings, erin) or 0) > 0
    kept_bytes = _stored_bytes(town.caras)

    out = run.ok("purge-inactive", "--days", "90", "--yes")

    assert _purge_counts(out) == {"devices": 2, "circles": 1, "changes": 2}
    assert _stats(run) == {
        "devices": 4,
        "circles": 1,
        "changes": 1,
        "membership log entries": 2,
        "pending join requests": 0,
        "bytes stored (ciphertext)": kept_bytes,
    }
    with pytest.raises(ApiError) as gone:
        alice.sign_in()
    assert gone.value.status == 404
    # Cara's circle is whole: Bob, though quiet, is still in it and his change is still there.
    assert cara.member_of() == [b64u(town.caras.circle_id)]
    assert town.caras.pull() == 1
    assert bob.device_id in {b64u(d) for d in town.caras.verified.members}
    # Erin's quota no longer counts what she wrote in Alice's circle, which is gone.
    assert _bytes_stored(settings, erin) == 0
    # Appending to the membership log still works in the circle that stayed.
    town.caras.add_member(town.devices["dan"].keys.identity())


def _serve_options(run: Cli, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli.uvicorn, "run", lambda *_args, **options: seen.update(options))
    run.ok("serve")
    return seen


def test_the_access_log_is_off_unless_the_operator_asks(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _serve_options(run, monkeypatch)["access_log"] is False
    monkeypatch.setenv("LOG_CLIENT_ADDRESSES", "true")
    get_settings.cache_clear()
    assert _serve_options(run, monkeypatch)["access_log"] is True


def test_serve_starts_the_workers_asked_for_on_uvloop_and_httptools(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    options = _serve_options(run, monkeypatch)
    assert (options["workers"], options["loop"], options["http"]) == (1, "uvloop", "httptools")
    monkeypatch.setenv("WORKERS", "3")
    get_settings.cache_clear()
    assert _serve_options(run, monkeypatch)["workers"] == 3


def test_serve_refuses_to_start_on_postgresql_with_a_libpq_too_old_for_a_push(
    run: Cli, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg's pipeline needs libpq 14: the installed psycopg has a newer one, so an older one is
    played by psycopg's own check (the only stand-in here: it is outside the project)."""
    started: list[object] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **options: started.append(options))
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    status, _, err = run("serve")
    if "postgresql" not in settings.sqlalchemy_url:
        assert (status, started != []) == (0, True)  # SQLite needs no pipeline
        return
    assert (status, started) == (1, [])
    assert "older than version 14" in err and "psycopg[binary]" in err
