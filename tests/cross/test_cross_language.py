"""Each implementation opens what the other makes right now, with fresh random keys.

The TypeScript side runs under Node through frontend/scripts/protocol-peer.ts; both sides write
positive vectors in the shared format and check the other's with their own vector runner.
"""

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO

FRONTEND = REPO / "frontend"
GROUPS = {
    "identity", "recovery_key", "vault", "local", "key_derivation", "key_envelope", "record",
    "membership", "invite_derivation", "invite", "join_request", "safety_number", "escrow",
}  # fmt: skip


def _typescript(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    npx = shutil.which("npx")
    if npx is None or not (FRONTEND / "node_modules").is_dir():
        pytest.fail("Node packages are missing: run 'make test', which installs them (npm ci in frontend/)")
    return subprocess.run(
        [npx, "--no-install", "tsx", "scripts/protocol-peer.ts", command, str(folder)],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _python(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "support_circle.protocol.vectors", command, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _made(folder: Path) -> set[str]:
    return {json.loads(p.read_text())["group"] for p in folder.glob("*.json")}


Side = Callable[[str, Path], subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("maker", "checker"),
    [(_typescript, _python), (_python, _typescript)],
    ids=["python opens typescript's", "typescript opens python's"],
)
def test_each_side_opens_what_the_other_makes(maker: Side, checker: Side, tmp_path: Path) -> None:
    made = maker("fresh", tmp_path)
    assert made.returncode == 0, made.stderr
    assert _made(tmp_path) >= GROUPS
    checked = checker("check", tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout.strip().splitlines()[-1])["passed"] >= len(GROUPS)
