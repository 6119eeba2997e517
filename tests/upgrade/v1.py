"""The v1 fixtures (tests/fixtures/v1/, made by the v1 release): loading them, and replaying the
requests v1 clients made into a fresh server of today's code."""

import json
from pathlib import Path
from typing import Any

from support_circle.client import Api, Device
from support_circle.client.http import HttpClient
from support_circle.protocol.encoding import unb64u
from support_circle.protocol.identity import DeviceKeys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v1"
BASE = "http://testserver"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


def device_keys(fixture: dict[str, Any], name: str) -> DeviceKeys:
    keys = fixture["devices"][name]
    return DeviceKeys(unb64u(keys["sign_seed"]), unb64u(keys["kem_private"]))


def device(fixture: dict[str, Any], name: str, http: HttpClient) -> Device:
    """A device of today's client holding a v1 device's keys, signed in (registered by ``replay``)."""
    made = Device(device_keys(fixture, name), Api(BASE, http=http))
    made.sign_in()
    return made


def replay(fixture: dict[str, Any], http: HttpClient) -> None:
    """Sends every request the v1 clients made, as each device made it, signing in afresh: the
    server must take each signed object and answer as the v1 server did (same seqs, same heads)."""
    devices: dict[str, Device] = {}
    for step in fixture["steps"]:
        name = step["as"]
        if step["path"] == "/v1/devices":
            devices[name] = Device(device_keys(fixture, name), Api(BASE, http=http))
            answer = devices[name].api.post(step["path"], step["body"])
            devices[name].sign_in()
        else:
            answer = devices[name].call(step["method"], step["path"], json=step["body"])
        assert _as_v1(answer, step["answer"]) == step["answer"], f"{step['method']} {step['path']} by {name}"


def _as_v1(answer: Any, v1_answer: Any) -> Any:
    """What a v1 client reads of an answer: members a later server adds are no difference."""
    if isinstance(answer, dict) and isinstance(v1_answer, dict):
        return {key: answer.get(key) for key in v1_answer}
    return answer
