"""The OpenAPI schema fuzzed by schemathesis, in-process, as a signed-in device: no input, valid
or not, gets a 5xx; every response matches the schema; every error is ``{code, message}``."""

import re
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from support_circle.app import create_app
from support_circle.settings import Settings
from tests.api.helpers import Member, SharedCircle, change, record, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


class Target:
    """The app on a fresh SQLite database, with a device signed in and one circle it created.

    Set up through schemathesis' own in-process client, so the fuzzed requests meet the same
    started app (one lifespan, one engine).
    """

    def __init__(self, folder: Path) -> None:
        data = folder / "data"
        config = Settings(
            database_url=f"sqlite:///{data / 'support-circle.sqlite3'}",
            data_dir=data,
            static_dir=folder / "no-app",
            # The fuzzer sends thousands of requests with one token; the limiter has its own tests.
            rate_limit_per_minute=1_000_000,
            anonymous_rate_per_minute=1_000_000,
            registrations_per_minute=1_000_000,
            registration="open",
        )
        self.app: FastAPI = create_app(config)
        self.client = asgi.get_client(self.app).__enter__()
        self.member = signed_in(self.client)  # type: ignore[arg-type]
        self.circle = SharedCircle(self.member)
        assert self.circle.create().status_code == 201
        first = change(record(self.member, self.circle, {"kind": "note", "text": "hello"}))
        pushed = self.member.post(f"/v1/circles/{self.circle.cid}/changes", {"changes": [first]})
        assert pushed.status_code == 200, pushed.text

    def headers_for(self, case: Case) -> dict[str, str]:
        """The device's token; signing out gets a token of its own, so the others stay valid."""
        if case.method.upper() == "DELETE" and case.path == "/v1/auth/token":
            return Member(self.client, keys=self.member.keys).sign_in().headers  # type: ignore[arg-type]
        return self.member.headers


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    return Target(tmp_path_factory.mktemp("fuzz"))


def error_is_well_formed(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx and 5xx is JSON with a string ``code`` and ``message``."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict), f"error body is not an object: {response.text[:200]}"
    assert isinstance(body.get("code"), str) and body["code"], f"error without a code: {response.text[:200]}"
    assert isinstance(body.get("message"), str) and body["message"], f"error without a message: {response.text[:200]}"
    return True


WELL_FORMED_ID = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    error_is_well_formed,
]

# The schema the app serves at /v1/openapi.json, read at collection without starting the app
# (pytest 9 has no room for schemathesis' lazy, fixture-loaded schemas); each test sends its
# cases to the started app in-process.
# The live event stream never ends by itself; tests/api/test_events.py reads it.
schema = schemathesis.openapi.from_dict(create_app(Settings(static_dir=Path("/nonexistent"))).openapi()).exclude(
    path="/v1/events"
)


@schema.parametrize()
@schema.given(in_our_circle=st.booleans())
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_gets_a_server_error_or_an_undocumented_answer(
    case: Case, in_our_circle: bool, target: Target
) -> None:
    # Half the cases with a well-formed circle id name the device's own circle, so they get past
    # "no such circle" to the checks behind it. A malformed id is what a negative case tests: kept.
    circle_id = (case.path_parameters or {}).get("circle_id")
    if in_our_circle and isinstance(circle_id, str) and WELL_FORMED_ID.fullmatch(circle_id):
        case.path_parameters = {**(case.path_parameters or {}), "circle_id": target.circle.cid}
    case.call_and_validate(app=target.app, headers=target.headers_for(case), checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_without_a_token_the_answer_is_still_documented(case: Case, target: Target) -> None:
    case.call_and_validate(app=target.app, checks=CHECKS)


@pytest.mark.parametrize("payload", ["0", "00"], ids=["not-canonical", "trailing-bits"])
def test_a_genesis_in_non_canonical_base64_is_refused_not_a_crash(target: Target, payload: str) -> None:
    """Found by the fuzzer: the genesis was hashed before it was checked, and the protocol's
    ``bad_encoding`` came out as a 500."""
    genesis = {**target.circle.log[0], "payload": payload}
    envelope = {"v": 1, "circle_id": "A" * 22, "epoch": 0, "recipient": target.member.device_id, "sealed": ""}
    body = {"circle_id": "A" * 22, "genesis": genesis, "key_envelope": envelope}
    answer = target.member.post("/v1/circles", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "bad_encoding"
