from pathlib import Path

import pytest

from support_circle.db import create_db_engine
from support_circle.settings import Settings


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@db:5432/sc", "postgresql+psycopg://u@db:5432/sc"),
        ("postgres://u@db/sc", "postgresql+psycopg://u@db/sc"),
        ("postgresql+psycopg://u@db/sc", "postgresql+psycopg://u@db/sc"),
    ],
)
def test_operators_may_paste_a_plain_postgresql_url(given: str, used: str) -> None:
    assert Settings(database_url=given).sqlalchemy_url == used


def test_sqlite_in_the_data_folder_by_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'data' / 'support-circle.sqlite3'}"


def test_environment_configures_the_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = Settings()
    assert (settings.host, settings.port, settings.data_dir) == ("0.0.0.0", 9000, tmp_path)


def test_sqlite_runs_in_wal_mode_in_a_private_folder(tmp_path: Path) -> None:
    engine = create_db_engine(Settings(data_dir=tmp_path / "data").sqlalchemy_url)
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    engine.dispose()
    assert (mode, timeout) == ("wal", 5000)
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700


def test_registration_needs_a_code_unless_the_operator_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGISTRATION", raising=False)
    assert Settings().registration == "code"
    monkeypatch.setenv("REGISTRATION", "open")
    assert Settings().registration == "open"
