from pathlib import Path

from fastapi.testclient import TestClient

from support_circle.app import create_app
from support_circle.settings import Settings


def test_server_describes_itself(client: TestClient) -> None:
    body = client.get("/v1/server").json()
    assert body["protocol_versions"] == [1]
    assert len(body["server_id"]) >= 22


def test_server_id_survives_a_restart(settings: Settings) -> None:
    with TestClient(create_app(settings)) as first:
        before = first.get("/v1/server").json()["server_id"]
    with TestClient(create_app(settings)) as second:
        after = second.get("/v1/server").json()["server_id"]
    assert before == after


def test_each_database_has_its_own_server_id(client: TestClient, tmp_path: Path) -> None:
    other = Settings(database_url=f"sqlite:///{tmp_path / 'other' / 'db.sqlite3'}", static_dir=tmp_path)
    with TestClient(create_app(other)) as other_client:
        assert other_client.get("/v1/server").json()["server_id"] != client.get("/v1/server").json()["server_id"]
