"""``/metrics``: request counts by route template and content-free totals, with no id, token or
address from the requests that produced them."""

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from support_circle.app import create_app
from support_circle.client import Device
from support_circle.protocol import primitives
from support_circle.protocol.encoding import b64u
from support_circle.settings import Settings


def _samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _requests(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], method: str, route: str, status: str
) -> float:
    labels = frozenset({"method": method, "route": route, "status": status}.items())
    return samples.get(("support_circle_http_requests_total", labels), 0.0)


def _device(client: TestClient) -> Device:
    device = Device.new("http://testserver", http=client)
    device.register()
    device.sign_in()
    return device


def test_requests_are_counted_by_route_template_and_nothing_identifies_anyone(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alice, bea = _device(client), _device(client)
    circle = alice.create_circle()
    circle.add_member(bea.keys.identity())
    circle.write({"kind": "note", "text": "Call Sam on Friday"})
    circle.write({"kind": "note", "text": "Bring the blue folder"})
    circle.push()
    theirs = bea.join_circle(circle.circle_id, circle.genesis_hash)
    theirs.pull()
    stranger = b64u(primitives.random_bytes(16))
    assert client.get(f"/v1/circles/{stranger}/changes", headers={"Authorization": f"Bearer {bea.api.token}"}).is_error
    client.get(f"/v1/no-such-thing/{stranger}")

    response = client.get("/metrics")
    text = response.text
    samples = _samples(client)

    changes = "/v1/circles/{circle_id}/changes"
    assert _requests(samples, "POST", changes, "2xx") == 1
    assert _requests(samples, "GET", changes, "2xx") >= 1
    assert _requests(samples, "GET", changes, "4xx") == 1
    assert _requests(samples, "POST", "/v1/devices", "2xx") == 2
    assert _requests(samples, "GET", "unmatched", "4xx") == 1
    assert samples[("support_circle_devices", frozenset())] == 2
    assert samples[("support_circle_circles", frozenset())] == 1
    assert samples[("support_circle_changes", frozenset())] == 2
    assert samples[("support_circle_stored_bytes", frozenset())] > 0
    assert samples[("support_circle_database_up", frozenset())] == 1

    secrets = [alice.device_id, bea.device_id, b64u(circle.circle_id), stranger, alice.api.token, bea.api.token]
    secrets += [b64u(record_id) for record_id in circle.records]
    for secret in secrets:
        assert secret and secret not in text
    routes = {dict(labels).get("route") for _, labels in samples} - {None}
    assert all(route == "unmatched" or route.startswith("/") for route in routes)
    assert not any(re.search(r"[A-Za-z0-9_-]{22}", route or "") for route in routes)
    assert "testclient" not in text  # the client's address
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("support_circle", "uvicorn")))
    for secret in secrets:
        assert secret not in server_log


def test_an_odd_method_and_a_refused_body_stay_in_fixed_labels(client: TestClient) -> None:
    client.request("BREW", "/healthz")
    client.post("/v1/devices", content=b"x" * 10, headers={"Content-Length": str(10**9)})
    samples = _samples(client)
    assert _requests(samples, "other", "/healthz", "4xx") == 1
    assert _requests(samples, "POST", "unmatched", "4xx") == 1  # refused before routing, by its size


def test_every_app_counts_for_itself(settings: Settings) -> None:
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        first.get("/healthz")
        assert _requests(_samples(first), "GET", "/healthz", "2xx") == 1
        assert _requests(_samples(second), "GET", "/healthz", "2xx") == 0


def test_metrics_can_be_turned_off(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"metrics_enabled": False}))) as client:
        assert client.get("/metrics").status_code == 404


def test_an_unreachable_database_is_a_gauge_not_an_error(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    gone = Settings(database_url="postgresql://nobody@127.0.0.1:9/none", migrate_on_start=False, static_dir=tmp_path)
    with TestClient(create_app(gone)) as client:
        samples = _samples(client)
    assert samples[("support_circle_database_up", frozenset())] == 0
    assert ("support_circle_devices", frozenset()) not in samples
