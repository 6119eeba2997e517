"""The organisation's operator at the command line, against a test server's database."""

import os
import re
import subprocess
import sys

from tests.support.server import ServerProcess


def operator(server: ServerProcess, *command: str) -> str:
    """What the operator's command line prints for `server`'s database."""
    done = subprocess.run(
        [sys.executable, "-m", "support_circle", *command],
        env={**os.environ, "DATA_DIR": str(server.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def registration_code(server: ServerProcess, uses: int) -> str:
    """A new code, as an organisation would hand it out."""
    return operator(server, "codes", "create", "--uses", str(uses)).split("\n\n")[1].strip()


def count(server: ServerProcess, what: str) -> int:
    """One of the server's content-free statistics ("devices", "pending join requests")."""
    stats = operator(server, "stats")
    found = re.search(rf"^{what}\s+([\d,]+)$", stats, re.MULTILINE)
    assert found, f"the server's statistics name {what}"
    return int(found.group(1).replace(",", ""))
