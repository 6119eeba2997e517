from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from support_circle.app import create_app
from support_circle.settings import Settings


def test_server_describes_itself(client: TestClient) -> None:
    body = client.get("/v1/server").json()
    assert body["protocol_versions"] == [1, 2], "version 2 objects are checked and stored beside version 1 ones"
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


def test_the_organisations_safety_settings_are_public(settings: Settings) -> None:
    assert settings.safety_line == "If you are in danger now, call your local emergency number."
    assert settings.quick_exit_url == "https://www.bbc.com/weather", "an ordinary everyday site, as GOV.UK leaves to"
    ours = settings.model_copy(
        update={"safety_line": "In danger now? Call 111. Support line: 0800 733 843", "quick_exit_url": ""}
    )
    with TestClient(create_app(ours)) as client:
        body = client.get("/v1/server").json()
    assert (body["safety_line"], body["quick_exit_url"]) == ("In danger now? Call 111. Support line: 0800 733 843", "")


def test_the_organisations_default_disguise_is_public_and_one_the_app_knows(settings: Settings) -> None:
    assert settings.disguise == "plain", "until an organisation chooses, the app shows its own name"
    with TestClient(create_app(settings.model_copy(update={"disguise": "recipes"}))) as client:
        assert client.get("/v1/server").json()["disguise"] == "recipes"
    with pytest.raises(ValidationError, match="disguise"):
        Settings(data_dir=Path("."), disguise="calculator")


def test_a_quick_exit_that_is_no_web_address_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="QUICK_EXIT_URL"):
        Settings(data_dir=tmp_path, quick_exit_url="javascript:alert(1)")
