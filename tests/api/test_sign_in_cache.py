"""The sign-in cache (token_cache.py): a token checked once is answered from memory, and a revoked
token's very next request is refused, with the cache warm, whoever revoked it (a sign-out, another
database connection, a purge) and whichever server process the request reaches."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from support_circle.app import create_app
from support_circle.db import create_db_engine
from support_circle.services.admin import purge_inactive
from support_circle.settings import Settings
from support_circle.token_cache import SignInCache, token_hash
from tests.api.helpers import Member, signed_in
from tests.support.loops import run_apart


@pytest.fixture
def other_connection(settings: Settings) -> Iterator[Engine]:
    """The database as another process or the operator's command line reaches it: not through the
    app's engine."""
    engine = create_db_engine(settings.sqlalchemy_url)
    yield engine
    engine.dispose()


def _token_reads(app: FastAPI) -> list[str]:
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM auth_token" in statement:
            reads.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", seen)
    return reads


def _warm(member: Member) -> None:
    for _ in range(2):
        assert member.get("/v1/circles").status_code == 200


def test_a_checked_token_is_answered_from_memory(app: FastAPI, client: TestClient) -> None:
    member = signed_in(client)
    reads = _token_reads(app)
    for _ in range(5):
        assert member.get("/v1/circles").status_code == 200
    assert len(reads) == 1, "read once, then answered from memory"


def test_a_token_deleted_by_another_connection_is_refused_at_its_next_request(
    app: FastAPI, client: TestClient, other_connection: Engine
) -> None:
    member = signed_in(client)
    _warm(member)
    with other_connection.begin() as connection:
        connection.execute(text("DELETE FROM auth_token WHERE device_id = :d"), {"d": member.device_id})
    response = member.get("/v1/circles")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_sign_out_ends_only_that_token(client: TestClient) -> None:
    member = signed_in(client)
    second = Member(client, keys=member.keys).sign_in()
    _warm(member)
    _warm(second)
    assert member.delete("/v1/auth/token").status_code == 204
    assert member.get("/v1/circles").status_code == 401
    assert member.get(f"/v1/circles/{'A' * 22}/changes").status_code == 401, "async routes too"
    assert second.get("/v1/circles").status_code == 200


def test_a_sign_in_that_ends_the_oldest_token_ends_it_at_once(client: TestClient, settings: Settings) -> None:
    oldest = signed_in(client)
    _warm(oldest)
    for _ in range(settings.max_tokens_per_device):
        Member(client, keys=oldest.keys).sign_in()
    assert oldest.get("/v1/circles").status_code == 401


def test_a_purged_device_is_refused_at_its_next_request(client: TestClient, other_connection: Engine) -> None:
    member = signed_in(client)
    _warm(member)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with other_connection.begin() as connection:
        connection.execute(
            text("UPDATE device SET last_seen_at = :t WHERE id = :d"), {"t": long_ago, "d": member.device_id}
        )
    with Session(other_connection) as session:
        assert purge_inactive(session, 365, apply=True).devices == 1
    assert member.get(f"/v1/circles/{'A' * 22}/changes").status_code == 401, "not a 404: not signed in"
    assert member.get("/v1/circles").status_code == 401


def test_two_processes_refuse_a_token_revoked_through_either(settings: Settings) -> None:
    """Two app instances on one database, as two worker processes would be: each has its own cache."""
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        member = signed_in(a)
        other = Member(b, keys=member.keys, token=member.token)
        _warm(member)
        _warm(other)
        assert member.delete("/v1/auth/token").status_code == 204
        assert other.get("/v1/circles").status_code == 401
        assert member.get("/v1/circles").status_code == 401


class _Epoch:
    def __init__(self) -> None:
        self.value: int | None = 0

    async def read(self) -> int | None:
        return self.value

    async def close(self) -> None:
        pass


def test_an_answer_read_across_a_revocation_is_not_kept(app: FastAPI, client: TestClient) -> None:
    """A look-up that began before a revocation and read the token after another request learnt of
    it must not put the stale answer back in memory."""
    member = signed_in(client)
    epoch = _Epoch()
    cache = SignInCache(app.state.engine, epoch, 60, 100)  # type: ignore[arg-type]
    hashed = token_hash(member.token)
    device_id, generation = run_apart(cache.check(hashed))
    assert device_id is None and generation is not None
    epoch.value = 1  # revoked meanwhile, and another request learnt of it
    assert run_apart(cache.check("another token's hash")) == (None, generation + 1)
    assert cache.read(hashed, generation) == member.device_id  # read late: the token was still there
    assert run_apart(cache.check(hashed))[0] is None, "not kept"
    assert cache.read(hashed, generation + 1) == member.device_id
    assert run_apart(cache.check(hashed))[0] == member.device_id


def test_an_entry_lasts_no_longer_than_its_time(app: FastAPI, client: TestClient) -> None:
    member = signed_in(client)
    now = [1000.0]
    cache = SignInCache(app.state.engine, _Epoch(), 60, 100, clock=lambda: now[0])  # type: ignore[arg-type]
    hashed = token_hash(member.token)
    _, generation = run_apart(cache.check(hashed))
    cache.read(hashed, generation)
    assert run_apart(cache.check(hashed))[0] == member.device_id
    now[0] += 61
    assert run_apart(cache.check(hashed)) == (None, generation)
