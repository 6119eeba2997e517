import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support_circle.app import create_app
from support_circle.settings import Settings


@pytest.fixture
def client_with_app(settings: Settings, tmp_path: Path) -> TestClient:
    static = tmp_path / "dist"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>Support Circle</title>")
    (static / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (static / "manifest-notes.webmanifest").write_text('{"name": "Notes"}')
    (static / "assets" / "index-AbC123.js").write_text("console.log('Support Circle');\n" * 100)
    return TestClient(create_app(settings.model_copy(update={"static_dir": static})))


PATHS = ["/", "/index.html", "/sw.js", "/assets/index-AbC123.js", "/healthz", "/readyz", "/v1/server", "/v1/nope", "/x"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client_with_app: TestClient, path: str) -> None:
    with client_with_app as client:
        headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp, "WebAssembly may compile, JavaScript eval may not"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert not re.search(r"https?:|\*|data:|blob:", csp), "no other origin is allowed"


def test_api_answers_are_never_cached(client_with_app: TestClient) -> None:
    with client_with_app as client:
        for path in ("/v1/server", "/healthz", "/v1/nope"):
            assert client.get(path).headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/", "no-cache"),
        ("/index.html", "no-cache"),
        ("/sw.js", "no-cache"),
        ("/manifest-notes.webmanifest", "no-cache"),
        ("/assets/index-AbC123.js", "public, max-age=31536000, immutable"),
    ],
)
def test_app_files_are_cached_so_updates_still_arrive(
    client_with_app: TestClient, path: str, cache_control: str
) -> None:
    with client_with_app as client:
        response = client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == cache_control


def test_manifest_has_its_media_type(client_with_app: TestClient) -> None:
    with client_with_app as client:
        assert client.get("/manifest-notes.webmanifest").headers["content-type"] == "application/manifest+json"


def test_missing_app_files_and_api_paths_are_json_404s(client_with_app: TestClient) -> None:
    with client_with_app as client:
        for path in ("/missing.png", "/v1/nope"):
            response = client.get(path)
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"


def test_app_files_are_compressed_and_api_answers_are_not(client_with_app: TestClient) -> None:
    with client_with_app as client:
        asset = client.get("/assets/index-AbC123.js", headers={"accept-encoding": "gzip"})
        api = client.get("/v1/openapi.json", headers={"accept-encoding": "gzip"})
    assert asset.headers["content-encoding"] == "gzip"
    assert "console.log" in asset.text
    assert "content-encoding" not in api.headers


def _hsts(settings: Settings, base_url: str, headers: dict[str, str], trust: bool) -> str | None:
    app = create_app(settings.model_copy(update={"trust_proxy_headers": trust}))
    with TestClient(app, base_url=base_url) as client:
        return client.get("/v1/server", headers=headers).headers.get("strict-transport-security")


def test_hsts_is_sent_over_https_and_behind_a_trusted_proxy_only(settings: Settings) -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    assert _hsts(settings, "https://testserver", {}, trust=False) == "max-age=31536000"
    assert _hsts(settings, "http://testserver", forwarded, trust=True) == "max-age=31536000"
    assert _hsts(settings, "http://testserver", forwarded, trust=False) is None  # anyone can send that header
    assert _hsts(settings, "http://testserver", {}, trust=True) is None  # a laptop on plain HTTP


def test_the_proxy_sends_hsts() -> None:
    caddyfile = (Path(__file__).resolve().parents[2] / "deploy" / "Caddyfile").read_text()
    assert re.search(r'^\s*header Strict-Transport-Security "max-age=\d+', caddyfile, re.MULTILINE)
