from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from support_circle.app import create_app
from support_circle.db import create_db_engine
from support_circle.settings import Settings


def test_healthz_says_the_process_is_up(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_says_ready_once_the_database_is_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


@pytest.mark.empty_database
def test_readyz_reports_a_database_that_needs_migrating(settings: Settings) -> None:
    unmigrated = settings.model_copy(update={"migrate_on_start": False})
    with TestClient(create_app(unmigrated)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "support-circle migrate" in response.json()["message"]


def test_readyz_notices_a_migration_it_does_not_have(client: TestClient, settings: Settings) -> None:
    engine = create_db_engine(settings.sqlalchemy_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    engine.dispose()
    assert client.get("/readyz").status_code == 503


def test_readyz_reports_an_unreachable_database(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    gone = Settings(
        database_url="postgresql://nobody@127.0.0.1:9/none",
        migrate_on_start=False,
        static_dir=tmp_path,
    )
    with TestClient(create_app(gone)) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "code": "service_unavailable",
        "message": "The server cannot reach its database right now. Try again in a minute.",
    }
