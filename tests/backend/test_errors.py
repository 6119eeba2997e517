"""Every error response, whoever raised it, is JSON with a stable code and a human message."""

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel


class _Note(BaseModel):
    ciphertext: str
    size: int


@pytest.fixture
def app_with_probe_routes(app: FastAPI) -> FastAPI:
    # Routes that fail on purpose, so the handlers for 422 and 500 are exercised on the real app
    # before any real route takes a body.
    @app.post("/v1/test-probe/validate")
    def validate(note: _Note) -> dict[str, int]:
        return {"size": note.size}

    @app.get("/v1/test-probe/crash")
    def crash() -> None:
        raise RuntimeError("a bug")

    return app


def _assert_error_shape(response_json: object, code: str) -> None:
    assert isinstance(response_json, dict)
    assert response_json["code"] == code
    assert isinstance(response_json["message"], str) and len(response_json["message"]) > 10
    assert set(response_json) <= {"code", "message", "details"}


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/does-not-exist", 404, "not_found"),
        ("GET", "/v1/", 404, "not_found"),
        ("POST", "/v1/server", 405, "method_not_allowed"),
        ("DELETE", "/healthz", 405, "method_not_allowed"),
        ("GET", "/", 404, "app_not_built"),
    ],
)
def test_framework_errors_are_json(client: TestClient, method: str, path: str, status: int, code: str) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    _assert_error_shape(response.json(), code)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'{"ciphertext": 5}', b'{"ciphertext": "x", "size": "big"}', b"\xff\xfe"],
)
def test_malformed_bodies_get_invalid_request(app_with_probe_routes: FastAPI, body: bytes) -> None:
    with TestClient(app_with_probe_routes) as client:
        response = client.post("/v1/test-probe/validate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    _assert_error_shape(response.json(), "invalid_request")
    for detail in response.json()["details"]:
        assert set(detail) == {"loc", "msg", "type"}, "the rejected input is never echoed back"


def test_unexpected_errors_are_json_and_keep_secrets_out_of_the_log(
    app_with_probe_routes: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), TestClient(app_with_probe_routes, raise_server_exceptions=False) as client:
        response = client.get("/v1/test-probe/crash?token=query-secret-5678")
    assert response.status_code == 500
    _assert_error_shape(response.json(), "internal_error")
    logged = caplog.text
    assert "/v1/test-probe/crash" in logged
    assert "query-secret-5678" not in logged


def test_every_documented_route_answers_a_wrong_method_with_json(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert paths, "the OpenAPI schema lists the API"
    for path, methods in paths.items():
        wrong = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m.lower() not in methods)
        response = client.request(wrong, path)
        assert response.status_code == 405, path
        _assert_error_shape(response.json(), "method_not_allowed")
