"""A real ``support-circle serve`` process per test module, on SQLite or PostgreSQL, and the checks
every robustness test ends with: the change log is whole, numbered without gaps, and nothing failed."""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support_circle.client import ApiError, Device
from tests.conftest import DATABASES, empty_database
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=DATABASES)
def _server_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("server")
    return folder, empty_database(request.param, folder)


@pytest.fixture(scope="module")
def server_database_url(_server_database: tuple[Path, str]) -> str:
    """The database `server` runs on (one of each kind per module), for a test that reads it directly."""
    return _server_database[1]


@pytest.fixture(scope="module")
def server(_server_database: tuple[Path, str]) -> Iterator[ServerProcess]:
    """The server a module's tests share, as many devices share one server: each test brings its own
    devices and circles, and checks them. Starting a server costs seconds on a loaded machine."""
    folder, url = _server_database
    yield from running(ServerProcess(folder / "data", folder / "no-app", url))


@pytest.fixture(autouse=True)
def _after_each_test_on_the_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """The log check `running` makes when the server stops, made after each test that used it too,
    so a failure names its test; and a server a failed test left stopped is started again."""
    yield
    if "server" in request.fixturenames:
        server: ServerProcess = request.getfixturevalue("server")
        if server.process is None or server.process.poll() is not None:
            server.start()
        assert_server_log_clean(server)


def running(process: ServerProcess) -> Iterator[ServerProcess]:
    """Starts `process` for a fixture to yield, stops it after, and checks its log stayed clean."""
    process.start()
    try:
        yield process
    finally:
        process.stop()
    assert_server_log_clean(process)


def assert_server_log_clean(server: ServerProcess) -> None:
    """No request met an unexpected error, and SQLite never made a writer give up."""
    log = server.log_path.read_text(errors="replace")
    assert "database is locked" not in log, log[-4000:]
    assert "unexpected error" not in log, log[-4000:]
    assert "Traceback" not in log, log[-4000:]


def new_device(base_url: str, **kwargs: Any) -> Device:
    """A registered, signed-in device with its own HTTP connection."""
    device = Device.new(base_url, **kwargs)
    device.register()
    device.sign_in()
    return device


def server_log(base_url: str, token: str, circle_id: str) -> list[tuple[int, str]]:
    """Every change the server holds for the circle, as (seq, change_id), read page by page."""
    changes: list[tuple[int, str]] = []
    cursor, done = 0, False
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15) as http:
        while not done:
            response = http.get(f"/v1/circles/{circle_id}/changes", params={"since": cursor, "limit": 1000})
            assert response.status_code == 200, response.text
            page = response.json()
            changes += [(c["seq"], c["change_id"]) for c in page["data"]]
            cursor, done = page["cursor"], page["done"]
    return changes


def assert_whole_log(log: list[tuple[int, str]], acknowledged: dict[str, int]) -> None:
    """Numbered 1..N without gaps; each change once; each acknowledged one there, at the seq it was given."""
    seqs = [seq for seq, _ in log]
    assert seqs == list(range(1, len(log) + 1)), "the sequence has gaps or repeats"
    held = dict((change_id, seq) for seq, change_id in log)
    assert len(held) == len(log), "a change is stored twice"
    missing = {cid: seq for cid, seq in acknowledged.items() if held.get(cid) != seq}
    assert not missing, f"{len(missing)} acknowledged changes are missing or moved"


def at_one_barrier(jobs: list[Callable[[threading.Barrier], None]], deadline_seconds: float, who: str) -> None:
    """Runs each job in its own thread, all let go at one barrier they wait on; fails with the first
    error any of them met, or if any is still running after ``deadline_seconds``."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def work(job: Callable[[threading.Barrier], None]) -> None:
        try:
            job(start)
        except BaseException as exc:
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=work, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + deadline_seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t for t in threads if t.is_alive()], f"{who} still running after {deadline_seconds}s"
    first = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)] or errors
    assert not first, f"{len(errors)} {who} failed; the first: {first[0]!r}, from {first[0].__cause__!r}"


def retrying_dropped(action: Callable[[], None], retries: int = 2) -> None:
    """As the app does: a connection dropped before the answer (say, a keep-alive connection the
    server closed just then, likelier on a loaded machine) is tried again, which change ids make
    safe. An answer with a status, error or not, is never retried."""
    for attempt in range(retries + 1):
        try:
            action()
            return
        except ApiError as error:
            if error.code != "network_unreachable" or attempt == retries:
                raise
            time.sleep(0.2)
