"""The app's TypeScript sync engine against a real server, and the Python reference client reading
what it wrote.

frontend/scripts/sync-peer.ts runs two of one person's devices under Node with the app's real
engine: it writes, links device B by a device link, syncs, and edits the same ally on both
devices offline (different fields, then the same field), checking that no words are lost. Then it
links a Python device the same way: the Python client asks to join with the printed link, device A
approves it, and the Python client must verify the circle, open every record and find exactly
what device A holds. This proves the two implementations speak the same protocol.
"""

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from jsonschema import Draft202012Validator

from support_circle.client import Device
from support_circle.client import invites as client_invites
from support_circle.protocol import invites
from support_circle.protocol.encoding import b64u, unb64u
from tests.conftest import REPO
from tests.protocol.test_schemas import BASE, registry
from tests.support.server import ServerProcess

FRONTEND = REPO / "frontend"
STEPS = ["a-writes", "link-b", "b-sees-a", "different-fields", "same-field", "link-python"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir=tmp_path / "data", static_dir=tmp_path / "no-app")
    process.start()
    yield process
    process.stop()


def _peer(url: str) -> subprocess.Popen[str]:
    npx = shutil.which("npx")
    if npx is None or not (FRONTEND / "node_modules").is_dir():
        pytest.fail("Node packages are missing: run 'make test', which installs them (npm ci in frontend/)")
    return subprocess.Popen(
        [npx, "--no-install", "tsx", "scripts/sync-peer.ts", url],
        cwd=FRONTEND,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_until(stream: IO[str], prefix: str, steps: list[str]) -> str:
    """The rest of the first line starting with ``prefix``; ``STEP`` lines on the way are collected."""
    for line in stream:
        if line.startswith("STEP "):
            steps.append(line.removeprefix("STEP ").strip())
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    return ""


def _python_device(url: str, link: str) -> tuple[Device, invites.Invite]:
    """A Python device that asks to join by the TypeScript app's device link."""
    secret = unb64u(link.split("#link=", 1)[1])
    device = Device.new(url)
    device.register()
    invite, _request_id = client_invites.request_to_join(device, secret)
    return device, invite


def test_two_app_devices_sync_and_the_python_client_reads_them(server: ServerProcess) -> None:
    peer = _peer(server.url)
    assert peer.stdout is not None and peer.stderr is not None
    steps: list[str] = []
    try:
        link = _read_until(peer.stdout, "LINK ", steps)
        if not link:
            pytest.fail(f"the TypeScript peer stopped after {steps}:\n{peer.stderr.read()}")
        assert steps == STEPS
        python, invite = _python_device(server.url, link)
        records = json.loads(_read_until(peer.stdout, "RECORDS ", steps) or "null")
        assert peer.wait(timeout=120) == 0, peer.stderr.read()
    finally:
        if peer.poll() is None:
            peer.kill()
            peer.wait()
    assert records, "the TypeScript peer printed no records"
    replica = python.join_circle(invite.circle_id, invite.genesis_hash)
    invites.check_inviter_is_admin(invite, replica.verified, invite.genesis_hash)
    replica.pull()
    pulled = {b64u(record_id): revision.body for record_id, revision in replica.records.items()}
    assert pulled == records
    # The device notes (each app device's name and last day synced) are records of the plan too.
    assert {body["kind"] for body in pulled.values()} == {"plan", "ally", "device"}
    body_schema = Draft202012Validator({"$ref": BASE + "record-body.schema.json"}, registry=registry())
    for body in pulled.values():
        body_schema.validate(body)
    ally = next(body for body in pulled.values() if body["kind"] == "ally")
    kept = [ally["trustNotes"], *(c["value"] for c in ally["_conflicts"] if c["field"] == "trustNotes")]
    assert sorted(kept) == ["words written on A", "words written on B"]
