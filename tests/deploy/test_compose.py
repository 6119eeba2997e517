"""The organisation's deployment, checked without a Docker engine (there is none here).

The compose file is parsed and its structure checked; the Dockerfile's stages, the paths it
copies and the settings it sets are checked against the repository and the Settings class.
"""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from support_circle.settings import Settings
from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


@pytest.fixture(scope="module")
def dockerfile(compose: dict[str, Any]) -> Path:
    build = compose["services"]["server"]["build"]
    return REPO / build["context"] / build["dockerfile"]


def test_the_server_waits_for_a_healthy_database(compose: dict[str, Any]) -> None:
    server, db = compose["services"]["server"], compose["services"]["db"]
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "/readyz" in " ".join(server["healthcheck"]["test"])


def test_the_database_keeps_its_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    volume, _, target = compose["services"]["db"]["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]


def test_the_server_is_configured_only_by_settings_it_knows(compose: dict[str, Any]) -> None:
    environment = compose["services"]["server"]["environment"]
    assert set(map(str.lower, environment)) <= set(Settings.model_fields)
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in environment["DATABASE_URL"]


def test_no_password_is_written_into_the_file(compose: dict[str, Any]) -> None:
    password = compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?"), "compose refuses to start without one"


def test_only_the_proxy_is_reachable_from_outside(compose: dict[str, Any]) -> None:
    exposed = {name for name, service in compose["services"].items() if service.get("ports")}
    assert exposed == {"proxy"}
    assert compose["networks"]["internal"]["internal"] is True
    assert compose["services"]["db"]["networks"] == ["internal"]


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_dockerfile_copies_paths_that_exist(dockerfile: Path, compose: dict[str, Any]) -> None:
    context = REPO / compose["services"]["server"]["build"]["context"]
    stages: list[str] = []
    for instruction, arguments in _instructions(dockerfile):
        if instruction == "FROM" and " AS " in arguments.upper():
            stages.append(arguments.split()[-1])
        if instruction != "COPY":
            continue
        words = arguments.split()
        source_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
        if source_stage:
            assert source_stage in stages, f"COPY --from={source_stage} names a stage defined before it"
            continue
        for source in words[:-1]:
            assert (context / source).exists(), f"the Dockerfile copies {source}, which does not exist"


def test_the_image_runs_the_installed_server_with_the_built_app(dockerfile: Path) -> None:
    instructions = _instructions(dockerfile)
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    command = next(arguments for instruction, arguments in reversed(instructions) if instruction == "CMD")
    assert command == '["support-circle", "serve"]' and "support-circle" in scripts
    environment = " ".join(arguments for instruction, arguments in instructions if instruction == "ENV")
    static_dir = re.search(r"STATIC_DIR=(\S+)", environment)
    assert static_dir, "the image tells the server where the app is"
    copied_app = [a for i, a in instructions if i == "COPY" and a.startswith("--from=app")]
    assert copied_app and copied_app[0].split()[-1] == static_dir.group(1)
    assert any(i == "USER" for i, _ in instructions), "the server does not run as root"
    for name in re.findall(r"(\w+)=", environment):
        assert name.lower() in Settings.model_fields or name == "PYTHONUNBUFFERED"


def test_docker_builds_ignore_local_installs() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {"frontend/node_modules", ".venv", "data"} <= set(ignored)


def test_the_proxy_runs_the_repositorys_caddyfile_which_keeps_metrics_inside(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    mounts = {m.split(":")[1]: REPO / m.split(":")[0] for m in proxy["volumes"] if m.startswith("./")}
    caddyfile = mounts["/etc/caddy/Caddyfile"]
    assert caddyfile.is_file()
    text = caddyfile.read_text()
    assert "{$SITE_ADDRESS}" in text and "SITE_ADDRESS" in proxy["environment"]
    assert re.search(r"@metrics path /metrics\b.*\n\s*respond @metrics 404", text)
    directives = [line.split("#")[0].strip() for line in text.splitlines()]
    assert "reverse_proxy server:8000 {" in directives
    assert not [d for d in directives if d.split(" ")[0] == "log"], "the proxy keeps no access log"


def test_every_containers_log_is_rotated(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", f"{name} keeps its log without rotation"
        assert logging["options"]["max-size"] and int(logging["options"]["max-file"]) >= 1, name


def test_the_server_trusts_the_proxy_it_sits_behind(compose: dict[str, Any]) -> None:
    assert compose["services"]["server"]["environment"]["TRUST_PROXY_HEADERS"] == "true"
